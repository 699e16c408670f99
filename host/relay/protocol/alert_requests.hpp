#pragma once
// The alert requests of the JSON protocol after authentication and
// subscription: alert_ack, alert_sync, alert_create, alert_clear, get_stats.
// decode_alert_request() turns the fields of one parsed request object into a
// typed request, checking types and bounds; RequestDecoder calls it for these
// message types after it has checked the envelope (size, depth, reqId, type).

#include "protocol/error_code.hpp"
#include "store/alert_store.hpp"
#include "store/audit_log.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace rover_alerts::relay {

struct AckRequest {
  std::string alert_id;
  std::string comment;               // optional: why, kept with the acknowledgement
  bool sync_across_clients = true;  // false: no alert_ack notice to the other clients
};

struct SyncRequest {
  SyncQuery query;
};

struct CreateRequest {
  GroundAlertSpec spec;
};

struct ClearRequest {
  ClearCriteria criteria;
};

struct StatsRequest {};

struct AuditQueryRequest {
  AuditQuery query;
};

// alert_shelve: `alertId` (scope "alert", or "key" for its key too) or `key`
// (+ `rover`, empty for ground alerts) alone; the duration is checked
// against the relay's maximum by the handler.
struct ShelveAlertRequest {
  std::string alert_id;
  std::string rover;
  std::string key;
  bool by_key = false;
  std::optional<std::uint64_t> duration_s;  // none: the relay's maximum (one-shot only)
  bool one_shot = false;
  std::string reason;
};

// alert_unshelve: `alertId`, or `key` (+ `rover`).
struct UnshelveAlertRequest {
  std::string alert_id;
  std::string rover;
  std::string key;
};

struct OutOfServiceRequest {
  ServiceScope scope = ServiceScope::Rover;
  std::string value;
  std::string reason;
};

struct ReturnToServiceRequest {
  ServiceScope scope = ServiceScope::Rover;
  std::string value;
};

struct SuppressionListRequest {};

using AlertRequest =
    std::variant<AckRequest, SyncRequest, CreateRequest, ClearRequest, StatsRequest, AuditQueryRequest,
                 ShelveAlertRequest, UnshelveAlertRequest, OutOfServiceRequest, ReturnToServiceRequest,
                 SuppressionListRequest>;

// Bounds of the fields of alert requests (and of what a ground alert may hold).
struct AlertFieldLimits {
  std::size_t max_id_bytes = 256;
  std::size_t max_title_bytes = 256;
  std::size_t max_message_bytes = 4096;
  std::size_t max_source_bytes = 128;
  std::size_t max_group_id_bytes = 128;
  std::size_t max_ack_comment_bytes = 256;  // also the reason of a shelf or an out-of-service rule
  std::size_t max_key_bytes = 256;
  std::size_t max_metadata_entries = 32;
  std::size_t max_metadata_bytes = 8192;  // keys and values together
  std::size_t max_clear_ids = 1000;
  std::size_t max_sync_count = 1000;
  std::size_t default_sync_count = 100;
  std::size_t max_audit_count = 500;
  std::size_t default_audit_count = 100;
};

struct FieldProblem {
  ErrorCode code = ErrorCode::BadRequest;
  std::string message;
};

// Whether `type` names one of the requests above.
bool is_alert_request_type(std::string_view type);

// Decodes the request `type` from `object`; on failure returns the problem.
std::optional<FieldProblem> decode_alert_request(std::string_view type, const boost::json::object& object,
                                                 const AlertFieldLimits& limits, AlertRequest& out);

}  // namespace rover_alerts::relay
