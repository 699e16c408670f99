#include "protocol/request_decoder.hpp"

#include <boost/json/parse.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

DecodeResult failure(ErrorCode code, std::string message, json::value req_id = nullptr) {
  return DecodeResult{std::nullopt, DecodeError{code, std::move(message), std::move(req_id)}};
}

// Reads an optional array of strings; false (with `problem` set) on a type error.
bool read_string_array(const json::object& object, std::string_view field, std::size_t max_entries,
                       std::vector<std::string>& out, std::string& problem) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return true;
  const json::array* array = value->if_array();
  if (array == nullptr || array->empty() || array->size() > max_entries) {
    problem = "`" + std::string(field) + "` must be a non-empty array of at most " +
              std::to_string(max_entries) + " strings (omit it for all)";
    return false;
  }
  for (const auto& entry : *array) {
    const json::string* s = entry.if_string();
    if (s == nullptr || s->empty()) {
      problem = "`" + std::string(field) + "` entries must be non-empty strings";
      return false;
    }
    out.emplace_back(*s);
  }
  return true;
}

DecodeResult decode_auth(const json::object& object, json::value req_id, const DecoderLimits& limits) {
  const json::value* token = object.if_contains("token");
  if (token == nullptr || !token->is_string() || token->get_string().empty())
    return failure(ErrorCode::BadRequest, "`auth` needs a non-empty string `token`", std::move(req_id));
  if (token->get_string().size() > limits.max_token_bytes)
    return failure(ErrorCode::TooLarge, "`token` is too long", std::move(req_id));
  return DecodeResult{Request{std::move(req_id), AuthRequest{std::string(token->get_string())}}, {}};
}

DecodeResult decode_subscribe(const json::object& object, json::value req_id, const DecoderLimits& limits) {
  SubscribeRequest request;
  std::string problem;
  std::vector<std::string> priority_names;
  if (!read_string_array(object, "priorities", limits.max_filter_entries, priority_names, problem) ||
      !read_string_array(object, "sources", limits.max_filter_entries, request.sources, problem))
    return failure(ErrorCode::BadRequest, problem, std::move(req_id));
  for (const auto& name : priority_names) {
    const auto priority = priority_from_string(name);
    if (!priority)
      return failure(ErrorCode::BadRequest,
                     "unknown priority `" + name + "` (critical, high, medium, low or info)", std::move(req_id));
    request.priorities.push_back(*priority);
  }
  if (const json::value* since = object.if_contains("sinceRev")) {
    if (since->is_uint64()) {
      request.since_rev = since->get_uint64();
    } else if (since->is_int64() && since->get_int64() >= 0) {
      request.since_rev = static_cast<std::uint64_t>(since->get_int64());
    } else {
      return failure(ErrorCode::BadRequest, "`sinceRev` must be a non-negative integer", std::move(req_id));
    }
  }
  return DecodeResult{Request{std::move(req_id), std::move(request)}, {}};
}

}  // namespace

DecodeResult RequestDecoder::decode(std::string_view text) const {
  if (text.size() > limits_.max_message_bytes)
    return failure(ErrorCode::TooLarge,
                   "message of " + std::to_string(text.size()) + " bytes is over the limit of " +
                       std::to_string(limits_.max_message_bytes));

  json::parse_options options;
  options.max_depth = limits_.max_depth;
  boost::system::error_code ec;
  // The parser also rejects invalid UTF-8 (allow_invalid_utf8 stays false).
  json::value root = json::parse(text, ec, {}, options);
  if (ec == json::error::too_deep)
    return failure(ErrorCode::TooLarge, "JSON nested deeper than " + std::to_string(limits_.max_depth) + " levels");
  if (ec) return failure(ErrorCode::BadRequest, "malformed JSON: " + ec.message());

  json::object* object = root.if_object();
  if (object == nullptr) return failure(ErrorCode::BadRequest, "a request must be a JSON object");

  json::value req_id;
  if (const json::value* id = object->if_contains("reqId")) {
    const bool short_string = id->is_string() && id->get_string().size() <= limits_.max_req_id_bytes;
    if (!short_string && !id->is_int64() && !id->is_uint64())
      return failure(ErrorCode::BadRequest, "`reqId` must be an integer or a string of at most " +
                                                std::to_string(limits_.max_req_id_bytes) + " bytes");
    req_id = *id;
  }

  const json::value* type = object->if_contains("type");
  if (type == nullptr || !type->is_string())
    return failure(ErrorCode::BadRequest, "a request needs a string `type`", std::move(req_id));
  const std::string_view type_name = type->get_string();
  if (type_name == "auth") return decode_auth(*object, std::move(req_id), limits_);
  if (type_name == "alert_subscribe") return decode_subscribe(*object, std::move(req_id), limits_);
  // Echo only a bounded part of what the client sent.
  return failure(ErrorCode::BadRequest, "unknown request type `" + std::string(type_name.substr(0, 64)) + "`",
                 std::move(req_id));
}

}  // namespace rover_alerts::relay
