#pragma once
// Decodes one client text message into a typed request, enforcing size and
// nesting limits. Never throws: every problem becomes a DecodeError with a
// stable code, carrying the request's reqId when it could be read.

#include "protocol/error_code.hpp"
#include "store/alert.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
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

// Options of the delivery engine (batchSize, batchTimeout, compression,
// encoding) are not negotiated yet; unknown fields are ignored so that
// clients written against the full protocol still subscribe.
struct SubscribeRequest {
  std::vector<Priority> priorities;  // empty: all
  std::vector<std::string> sources;  // empty: all
  std::optional<std::uint64_t> since_rev;
};

struct Request {
  boost::json::value req_id;  // null when the request carried none
  std::variant<AuthRequest, SubscribeRequest> body;
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
  std::size_t max_depth = 16;
  std::size_t max_token_bytes = 1024;
  std::size_t max_req_id_bytes = 128;
  std::size_t max_filter_entries = 256;
};

class RequestDecoder {
 public:
  explicit RequestDecoder(DecoderLimits limits = {}) : limits_(limits) {}

  DecodeResult decode(std::string_view text) const;

 private:
  DecoderLimits limits_;
};

}  // namespace rover_alerts::relay
