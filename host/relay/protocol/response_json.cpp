#include "protocol/response_json.hpp"

#include <boost/json.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

std::string welcome_message(const Welcome& welcome) {
  json::object message;
  message.emplace("type", "welcome");
  message.emplace("clientId", welcome.client_id);
  message.emplace("user", welcome.identity.user);
  message.emplace("role", to_string(welcome.identity.role));
  message.emplace("epoch", welcome.epoch);
  message.emplace("rev", welcome.rev);
  message.emplace("serverTime", welcome.server_time_ms);
  json::array may;
  for (const std::string_view request : welcome.may) may.emplace_back(request);
  message.emplace("may", std::move(may));
  if (welcome.shelving != nullptr) {
    json::array presets;
    for (const std::uint64_t s : welcome.shelving->shelve_presets_s) presets.emplace_back(s);
    message.emplace("shelving", json::object{{"presets", std::move(presets)},
                                             {"maxSeconds", welcome.shelving->max_shelve_s},
                                             {"warningSeconds", welcome.shelving->shelve_warning_s}});
  }
  return json::serialize(message);
}

std::string ok_response(const json::value& req_id, json::value result) {
  json::object message;
  message.emplace("type", "response");
  if (!req_id.is_null()) message.emplace("reqId", req_id);
  message.emplace("ok", true);
  message.emplace("result", std::move(result));
  return json::serialize(message);
}

std::string error_message(const json::value& req_id, ErrorCode code, std::string_view text) {
  json::object error;
  error.emplace("code", to_string(code));
  error.emplace("message", text);
  json::object message;
  if (req_id.is_null()) {
    message.emplace("type", "error");
  } else {
    message.emplace("type", "response");
    message.emplace("reqId", req_id);
    message.emplace("ok", false);
  }
  message.emplace("error", std::move(error));
  return json::serialize(message);
}

std::string resync_required_message(std::uint64_t rev, std::string_view reason) {
  json::object message;
  message.emplace("type", "resync_required");
  message.emplace("rev", rev);
  message.emplace("reason", reason);
  return json::serialize(message);
}

std::string catch_up_complete_message(std::uint64_t rev) {
  json::object message;
  message.emplace("type", "catch_up_complete");
  message.emplace("rev", rev);
  return json::serialize(message);
}

}  // namespace rover_alerts::relay
