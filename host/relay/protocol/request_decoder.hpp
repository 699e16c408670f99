#pragma once
// Decodes one client text message into a typed request, enforcing size,
// nesting and field limits. Never throws: every problem becomes a DecodeError
// with a stable code (BAD_REQUEST for malformed input and wrong types,
// TOO_LARGE for anything over a limit), carrying the request's reqId when it
// could be read. Unknown fields are ignored, so clients written against a
// newer protocol still work.

#include "protocol/alert_requests.hpp"
#include "protocol/error_code.hpp"
#include "relay_config.hpp"
#include "store/alert.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rover_alerts::relay {

struct AuthRequest {
  std::string token;
};

// alert_subscribe, with the delivery options the client asked for.
struct SubscribeRequest {
  std::vector<Priority> priorities;  // empty: all
  std::vector<std::string> sources;  // empty: all
  std::optional<std::uint64_t> since_rev;
  // Batching wishes, kept within the relay's bounds (BatchLimits).
  std::optional<std::size_t> batch_size;
  std::optional<std::chrono::milliseconds> batch_timeout;
  // compression: "lz4": batches larger than the threshold come as binary
  // frames in the LZ4 frame format.
  bool lz4 = false;
  std::optional<std::size_t> compression_threshold;
  // encoding: "flatbuffers": alert changes come as binary FlatBuffers frames
  // (schemas/client.fbs); every other message stays JSON text.
  bool flatbuffers = false;
  // delta: true: updates carry only the fields that changed (JSON only).
  bool delta = false;
};

// alert_ack, alert_sync, alert_create, alert_clear and get_stats are decoded
// by decode_alert_request() (protocol/alert_requests.hpp) once the envelope
// (size, depth, UTF-8, reqId, type) has passed here.
using RequestBody = std::variant<AuthRequest, SubscribeRequest, AlertRequest>;

struct Request {
  boost::json::value req_id;  // null when the request carried none
  RequestBody body;
};

struct DecodeError {
  ErrorCode code = ErrorCode::BadRequest;
  std::string message;
  boost::json::value req_id;  // null when unknown
};

struct DecodeResult {
  std::optional<Request> request;  // set on success
  DecodeError error;               // meaningful when !request
};

struct DecoderLimits {
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_depth = 16;  // nesting of arrays and objects, the request object included
  RequestFieldLimits fields;
};

// The alert requests' field bounds taken from `fields` (what the decoder passes
// to decode_alert_request()).
AlertFieldLimits alert_field_limits(const RequestFieldLimits& fields);

class RequestDecoder {
 public:
  explicit RequestDecoder(DecoderLimits limits = {})
      : limits_(limits), alert_fields_(alert_field_limits(limits.fields)) {}

  DecodeResult decode(std::string_view text) const;
  const DecoderLimits& limits() const { return limits_; }

 private:
  DecoderLimits limits_;
  AlertFieldLimits alert_fields_;
};

}  // namespace rover_alerts::relay
