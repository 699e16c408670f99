// AlertRequestHandler: alert_shelve, alert_unshelve, out_of_service and
// return_to_service. The store makes each an ordinary change of the alerts
// concerned (every client sees it as an `alert` update); what outlives the
// alerts - key shelves and out-of-service rules - goes to every client as the
// `suppressions` list. Every request, refused or not, is in the audit trail.

#include "requests/alert_request_handler.hpp"

#include "protocol/response_json.hpp"
#include "protocol/suppression_json.hpp"

#include <boost/json.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

// The `shelved` object of an answer, as alerts carry it.
json::value shelf_json(const Shelf& shelf) {
  std::string text;
  JsonWriter out(text);
  write_shelf(out, shelf);
  return json::parse(text);
}

std::string target_of(std::string_view alert_id, std::string_view rover, std::string_view key) {
  if (!alert_id.empty()) return std::string(alert_id);
  return (rover.empty() ? std::string() : std::string(rover) + "/") + std::string(key);
}

std::string status_error(const json::value& req_id, SuppressionStatus status, std::string_view not_found,
                         std::size_t limit) {
  if (status == SuppressionStatus::NotFound) return error_message(req_id, ErrorCode::NotFound, not_found);
  return error_message(req_id, ErrorCode::TooLarge,
                       "the relay keeps at most " + std::to_string(limit) + " of these; end one first");
}

std::string_view outcome_of(SuppressionStatus status) {
  switch (status) {
    case SuppressionStatus::Ok: return "ok";
    case SuppressionStatus::NotFound: return "not_found";
    case SuppressionStatus::TooMany: return "too_many";
  }
  return "failed";
}

}  // namespace

std::string AlertRequestHandler::shelve(const Identity& who, const json::value& req_id,
                                        const ShelveAlertRequest& request, std::uint64_t now_ms,
                                        const ConnectionFigures& connection, bool& rules_changed) {
  const std::uint64_t max_s = suppression_limits_.max_shelve_s;
  const std::string target = target_of(request.alert_id, request.rover, request.key);
  if (request.duration_s && *request.duration_s > max_s) {
    audit(who, connection, now_ms, Operation::Shelve, request.alert_id, "refused",
          target + ": " + std::to_string(*request.duration_s) + " s is over the maximum");
    return error_message(req_id, ErrorCode::BadRequest,
                         "`durationSeconds` must be at most " + std::to_string(max_s) + " (the relay's maximum)");
  }
  ShelveRequest shelve;
  shelve.alert_id = request.alert_id;
  shelve.rover = request.rover;
  shelve.key = request.key;
  shelve.by_key = request.by_key;
  shelve.by = who.user;
  shelve.reason = request.reason;
  shelve.until_ms = now_ms + 1000 * request.duration_s.value_or(max_s);
  shelve.one_shot = request.one_shot;
  const SuppressionResult result = store_.shelve(shelve, now_ms);
  audit(who, connection, now_ms, Operation::Shelve, result.alert ? result.alert->id : request.alert_id,
        outcome_of(result.status),
        target + (request.by_key || request.alert_id.empty() ? " (key)" : "") + " for " +
            std::to_string((shelve.until_ms - now_ms) / 1000) + " s" + (request.one_shot ? ", one-shot" : "") + ": " +
            request.reason);
  if (!result.ok()) return status_error(req_id, result.status, "no alert with this id", suppression_limits_.max_key_shelves);
  rules_changed = result.rules_changed;
  json::object answer;
  if (result.alert) {
    answer.emplace("alertId", result.alert->id);
    answer.emplace("rev", result.alert->rev);
    answer.emplace("shelved", shelf_json(*result.alert->shelf));
  } else {
    if (!request.rover.empty()) answer.emplace("rover", request.rover);
    answer.emplace("key", request.key);
    answer.emplace("shelved", shelf_json(store_.key_shelves().at({request.rover, request.key})));
  }
  return ok_response(req_id, std::move(answer));
}

std::string AlertRequestHandler::unshelve(const Identity& who, const json::value& req_id,
                                          const UnshelveAlertRequest& request, std::uint64_t now_ms,
                                          const ConnectionFigures& connection, bool& rules_changed) {
  const SuppressionResult result = store_.unshelve(request.alert_id, request.rover, request.key, now_ms);
  audit(who, connection, now_ms, Operation::Unshelve, result.alert ? result.alert->id : request.alert_id,
        outcome_of(result.status), target_of(request.alert_id, request.rover, request.key));
  if (!result.ok()) return status_error(req_id, result.status, "nothing shelved by this id or key", 0);
  rules_changed = result.rules_changed;
  json::object answer{{"unshelved", result.alerts}, {"rev", store_.rev()}};
  if (result.alert) answer.emplace("alertId", result.alert->id);
  return ok_response(req_id, std::move(answer));
}

std::string AlertRequestHandler::out_of_service(const Identity& who, const json::value& req_id,
                                                const OutOfServiceRequest& request, std::uint64_t now_ms,
                                                const ConnectionFigures& connection, bool& rules_changed) {
  const OutOfService rule{request.scope, request.value, who.user, request.reason, now_ms};
  const SuppressionResult result = store_.set_out_of_service(rule, now_ms);
  audit(who, connection, now_ms, Operation::OutOfService, {}, outcome_of(result.status),
        std::string(to_string(request.scope)) + " " + request.value + ": " + request.reason +
            (result.ok() ? " (" + std::to_string(result.alerts) + " alerts)" : std::string()));
  if (!result.ok()) return status_error(req_id, result.status, {}, suppression_limits_.max_out_of_service);
  rules_changed = result.rules_changed;
  return ok_response(req_id, json::object{{"alerts", result.alerts}, {"rev", store_.rev()}});
}

std::string AlertRequestHandler::return_to_service(const Identity& who, const json::value& req_id,
                                                   const ReturnToServiceRequest& request, std::uint64_t now_ms,
                                                   const ConnectionFigures& connection, bool& rules_changed) {
  const SuppressionResult result = store_.return_to_service(request.scope, request.value, now_ms);
  audit(who, connection, now_ms, Operation::ReturnToService, {}, outcome_of(result.status),
        std::string(to_string(request.scope)) + " " + request.value);
  if (!result.ok()) return status_error(req_id, result.status, "this rover or source is not out of service", 0);
  rules_changed = result.rules_changed;
  return ok_response(req_id, json::object{{"alerts", result.alerts}, {"rev", store_.rev()}});
}

}  // namespace rover_alerts::relay
