#include "protocol/request_decoder.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>

#include <utility>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

// Reads the fields of one request object. The first problem wins: later reads
// do nothing once `failed()`.
class FieldReader {
 public:
  FieldReader(const json::object& object, const RequestFieldLimits& limits) : object_(object), limits_(limits) {}

  bool failed() const { return code_.has_value(); }
  ErrorCode code() const { return *code_; }
  std::string& problem() { return problem_; }

  void fail(ErrorCode code, std::string problem) {
    if (failed()) return;
    code_ = code;
    problem_ = std::move(problem);
  }

  // A string of at most `max_bytes`; `required` fields must be present and non-empty.
  std::optional<std::string> string(std::string_view field, std::size_t max_bytes, bool required) {
    const json::value* value = find(field);
    if (value == nullptr) {
      if (required) fail(ErrorCode::BadRequest, "`" + std::string(field) + "` is required");
      return std::nullopt;
    }
    const json::string* s = value->if_string();
    if (s == nullptr) {
      fail(ErrorCode::BadRequest, "`" + std::string(field) + "` must be a string");
      return std::nullopt;
    }
    if (required && s->empty()) {
      fail(ErrorCode::BadRequest, "`" + std::string(field) + "` must not be empty");
      return std::nullopt;
    }
    if (s->size() > max_bytes) {
      fail(ErrorCode::TooLarge, "`" + std::string(field) + "` is longer than " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    return std::string(*s);
  }

  std::optional<std::uint64_t> unsigned_integer(std::string_view field) {
    const json::value* value = find(field);
    if (value == nullptr) return std::nullopt;
    if (value->is_uint64()) return value->get_uint64();
    if (value->is_int64() && value->get_int64() >= 0) return static_cast<std::uint64_t>(value->get_int64());
    fail(ErrorCode::BadRequest, "`" + std::string(field) + "` must be a non-negative integer");
    return std::nullopt;
  }

  std::optional<bool> boolean(std::string_view field) {
    const json::value* value = find(field);
    if (value == nullptr) return std::nullopt;
    if (value->is_bool()) return value->get_bool();
    fail(ErrorCode::BadRequest, "`" + std::string(field) + "` must be true or false");
    return std::nullopt;
  }

  // An optional non-empty array of non-empty strings, each at most `max_bytes`.
  std::vector<std::string> string_array(std::string_view field, std::size_t max_entries, std::size_t max_bytes) {
    std::vector<std::string> out;
    const json::value* value = find(field);
    if (value == nullptr) return out;
    const json::array* array = value->if_array();
    if (array == nullptr || array->empty()) {
      fail(ErrorCode::BadRequest, "`" + std::string(field) + "` must be a non-empty array of strings (omit it for all)");
      return out;
    }
    if (array->size() > max_entries) {
      fail(ErrorCode::TooLarge, "`" + std::string(field) + "` has more than " + std::to_string(max_entries) + " entries");
      return out;
    }
    out.reserve(array->size());
    for (const auto& entry : *array) {
      const json::string* s = entry.if_string();
      if (s == nullptr || s->empty()) {
        fail(ErrorCode::BadRequest, "`" + std::string(field) + "` entries must be non-empty strings");
        return {};
      }
      if (s->size() > max_bytes) {
        fail(ErrorCode::TooLarge,
             "an entry of `" + std::string(field) + "` is longer than " + std::to_string(max_bytes) + " bytes");
        return {};
      }
      out.emplace_back(*s);
    }
    return out;
  }

  std::vector<Priority> priority_array(std::string_view field) {
    std::vector<Priority> out;
    for (const auto& name : string_array(field, limits_.max_filter_entries, 16)) {
      const auto priority = priority_from_string(name);
      if (!priority) {
        fail(ErrorCode::BadRequest, unknown_priority(name));
        return {};
      }
      out.push_back(*priority);
    }
    return out;
  }

  const json::value* find(std::string_view field) const { return object_.if_contains(field); }
  const RequestFieldLimits& limits() const { return limits_; }

 private:
  static std::string unknown_priority(std::string_view name) {
    return "unknown priority `" + std::string(name) + "` (critical, high, medium, low or info)";
  }

  const json::object& object_;
  const RequestFieldLimits& limits_;
  std::optional<ErrorCode> code_;
  std::string problem_;
};

// At most `max_bytes` of valid UTF-8 `text`, not cut inside a character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

DecodeResult failure(ErrorCode code, std::string message, json::value req_id = nullptr) {
  return DecodeResult{std::nullopt, DecodeError{code, std::move(message), std::move(req_id)}};
}

DecodeResult finish(FieldReader& reader, json::value req_id, RequestBody body) {
  if (reader.failed()) return failure(reader.code(), std::move(reader.problem()), std::move(req_id));
  return DecodeResult{Request{std::move(req_id), std::move(body)}, {}};
}

RequestBody decode_auth(FieldReader& in) {
  AuthRequest request;
  if (auto token = in.string("token", in.limits().max_token_bytes, true)) request.token = std::move(*token);
  return request;
}

RequestBody decode_subscribe(FieldReader& in) {
  SubscribeRequest request;
  request.priorities = in.priority_array("priorities");
  request.sources = in.string_array("sources", in.limits().max_filter_entries, in.limits().max_source_bytes);
  request.since_rev = in.unsigned_integer("sinceRev");
  if (const auto size = in.unsigned_integer("batchSize")) request.batch_size = static_cast<std::size_t>(*size);
  if (const auto ms = in.unsigned_integer("batchTimeout"))
    request.batch_timeout = std::chrono::milliseconds(std::min<std::uint64_t>(*ms, 24ull * 3600 * 1000));
  if (const auto compression = in.string("compression", 16, false)) {
    if (*compression == "lz4") {
      request.lz4 = true;
    } else if (*compression != "none") {
      in.fail(ErrorCode::BadRequest, "`compression` must be \"none\" or \"lz4\"");
    }
  }
  if (const auto bytes = in.unsigned_integer("compressionThreshold"))
    request.compression_threshold = static_cast<std::size_t>(std::min<std::uint64_t>(*bytes, 1ull << 30));
  if (const auto encoding = in.string("encoding", 16, false)) {
    if (*encoding == "flatbuffers") {
      request.flatbuffers = true;
    } else if (*encoding != "json") {
      in.fail(ErrorCode::BadRequest, "`encoding` must be \"json\" or \"flatbuffers\"");
    }
  }
  request.delta = in.boolean("delta").value_or(false);
  return request;
}

}  // namespace

AlertFieldLimits alert_field_limits(const RequestFieldLimits& fields) {
  AlertFieldLimits limits;
  limits.max_id_bytes = fields.max_id_bytes;
  limits.max_title_bytes = fields.max_title_bytes;
  limits.max_message_bytes = fields.max_message_bytes;
  limits.max_source_bytes = fields.max_source_bytes;
  limits.max_group_id_bytes = fields.max_group_id_bytes;
  limits.max_ack_comment_bytes = fields.max_ack_comment_bytes;
  limits.max_metadata_entries = fields.max_metadata_entries;
  limits.max_metadata_bytes = fields.max_metadata_bytes;
  limits.max_clear_ids = fields.max_ids;
  return limits;
}

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

  const RequestFieldLimits& fields = limits_.fields;
  json::value req_id;
  if (const json::value* id = object->if_contains("reqId")) {
    const bool short_string = id->is_string() && id->get_string().size() <= fields.max_req_id_bytes;
    if (!short_string && !id->is_int64() && !id->is_uint64())
      return failure(ErrorCode::BadRequest, "`reqId` must be an integer or a string of at most " +
                                                std::to_string(fields.max_req_id_bytes) + " bytes");
    req_id = *id;
  }

  const json::value* type = object->if_contains("type");
  if (type == nullptr || !type->is_string())
    return failure(ErrorCode::BadRequest, "a request needs a string `type`", std::move(req_id));
  const std::string_view type_name = type->get_string();

  FieldReader reader(*object, fields);
  if (type_name == "auth") return finish(reader, std::move(req_id), decode_auth(reader));
  if (type_name == "alert_subscribe") return finish(reader, std::move(req_id), decode_subscribe(reader));
  if (is_alert_request_type(type_name)) {
    AlertRequest request;
    if (auto problem = decode_alert_request(type_name, *object, alert_fields_, request))
      return failure(problem->code, std::move(problem->message), std::move(req_id));
    return DecodeResult{Request{std::move(req_id), std::move(request)}, {}};
  }
  // Echo only a bounded part of what the client sent.
  return failure(ErrorCode::BadRequest, "unknown request type `" + std::string(utf8_prefix(type_name, 64)) + "`",
                 std::move(req_id));
}

}  // namespace rover_alerts::relay
