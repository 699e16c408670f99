#include "protocol/alert_requests.hpp"

#include <boost/json/serialize.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

// Reads optional typed fields of one request object. The first problem wins;
// every read after it is a no-op, so decoders read straight through and check once.
class FieldReader {
 public:
  explicit FieldReader(const json::object& object) : object_(object) {}

  const std::optional<FieldProblem>& problem() const { return problem_; }

  bool has(std::string_view name) const { return object_.contains(name); }

  void string(std::string_view name, std::string& out, std::size_t max_bytes, bool required = false) {
    const json::value* v = find(name, required);
    if (v == nullptr) return;
    const json::string* s = v->if_string();
    if (s == nullptr || (required && s->empty())) return fail(name, required ? "a non-empty string" : "a string");
    if (s->size() > max_bytes) return too_large(name, max_bytes);
    out.assign(s->data(), s->size());
  }

  void optional_string(std::string_view name, std::optional<std::string>& out, std::size_t max_bytes) {
    if (!has(name) || problem_) return;
    string(name, out.emplace(), max_bytes, true);
  }

  void boolean(std::string_view name, bool& out) {
    const json::value* v = find(name, false);
    if (v == nullptr) return;
    if (!v->is_bool()) return fail(name, "true or false");
    out = v->get_bool();
  }

  void optional_boolean(std::string_view name, std::optional<bool>& out) {
    if (!has(name) || problem_) return;
    boolean(name, out.emplace());
  }

  void unsigned_integer(std::string_view name, std::optional<std::uint64_t>& out) {
    const json::value* v = find(name, false);
    if (v == nullptr) return;
    if (v->is_uint64()) {
      out = v->get_uint64();
    } else if (v->is_int64() && v->get_int64() >= 0) {
      out = static_cast<std::uint64_t>(v->get_int64());
    } else {
      fail(name, "a non-negative integer");
    }
  }

  void priority(std::string_view name, std::optional<Priority>& out, bool required = false) {
    const json::value* v = find(name, required);
    if (v == nullptr) return;
    const json::string* s = v->if_string();
    out = s ? priority_from_string(*s) : std::nullopt;
    if (!out) fail(name, "one of critical, high, medium, low, info");
  }

  void priorities(std::string_view name, std::vector<Priority>& out) {
    const json::value* v = find(name, false);
    if (v == nullptr) return;
    const json::array* a = v->if_array();
    if (a == nullptr || a->size() > kPriorityCount) return fail(name, "an array of at most 5 priorities");
    for (const auto& entry : *a) {
      const json::string* s = entry.if_string();
      const auto p = s ? priority_from_string(*s) : std::nullopt;
      if (!p) return fail(name, "an array of priorities (critical, high, medium, low, info)");
      out.push_back(*p);
    }
  }

  void strings(std::string_view name, std::vector<std::string>& out, std::size_t max_entries, std::size_t max_bytes) {
    const json::value* v = find(name, false);
    if (v == nullptr) return;
    const json::array* a = v->if_array();
    if (a == nullptr || a->empty()) return fail(name, "a non-empty array of strings");
    if (a->size() > max_entries) return too_large(name, max_entries, "entries");
    for (const auto& entry : *a) {
      const json::string* s = entry.if_string();
      if (s == nullptr || s->empty()) return fail(name, "an array of non-empty strings");
      if (s->size() > max_bytes) return too_large(name, max_bytes);
      out.emplace_back(*s);
    }
  }

  // An object of scalars, stored as strings (numbers and booleans as their JSON text).
  void string_map(std::string_view name, std::map<std::string, std::string>& out, std::size_t max_entries,
                  std::size_t max_bytes) {
    const json::value* v = find(name, false);
    if (v == nullptr) return;
    const json::object* o = v->if_object();
    if (o == nullptr) return fail(name, "an object");
    if (o->size() > max_entries) return too_large(name, max_entries, "entries");
    std::size_t bytes = 0;
    for (const auto& [key, value] : *o) {
      std::string text;
      if (const json::string* s = value.if_string()) {
        text.assign(s->data(), s->size());
      } else if (value.is_number() || value.is_bool()) {
        text = json::serialize(value);
      } else {
        return fail(name, "an object whose values are strings, numbers or booleans");
      }
      bytes += key.size() + text.size();
      if (bytes > max_bytes) return too_large(name, max_bytes);
      out.emplace(std::string(key), std::move(text));
    }
  }

  void fail(std::string_view name, std::string_view expected) {
    if (problem_) return;
    problem_ = FieldProblem{ErrorCode::BadRequest, "`" + std::string(name) + "` must be " + std::string(expected)};
  }

  void action(std::string_view name, std::optional<AlertAction>& out, const AlertFieldLimits& limits) {
    const json::value* v = find(name, false);
    if (v == nullptr) return;
    const json::object* o = v->if_object();
    if (o == nullptr) return fail(name, "an object {label, actionType, parameters?}");
    FieldReader inner(*o);
    AlertAction a;
    inner.string("label", a.label, limits.max_title_bytes, true);
    inner.string("actionType", a.action_type, limits.max_source_bytes, true);
    inner.string_map("parameters", a.parameters, limits.max_metadata_entries, limits.max_metadata_bytes);
    if (inner.problem_) {
      problem_ = FieldProblem{inner.problem_->code, "`" + std::string(name) + "`: " + inner.problem_->message};
      return;
    }
    out = std::move(a);
  }

 private:
  const json::value* find(std::string_view name, bool required) {
    if (problem_) return nullptr;
    const json::value* v = object_.if_contains(name);
    if (v == nullptr && required) fail(name, "present");
    return v;
  }
  void too_large(std::string_view name, std::size_t limit, std::string_view unit = "bytes") {
    problem_ = FieldProblem{ErrorCode::TooLarge, "`" + std::string(name) + "` is over its limit of " +
                                                     std::to_string(limit) + " " + std::string(unit)};
  }

  const json::object& object_;
  std::optional<FieldProblem> problem_;
};

void decode(FieldReader& r, const AlertFieldLimits& limits, AckRequest& out) {
  r.string("alertId", out.alert_id, limits.max_id_bytes, true);
  r.string("comment", out.comment, limits.max_ack_comment_bytes);
  r.boolean("syncAcrossClients", out.sync_across_clients);
  // A claimed `acknowledgedBy` is ignored on purpose: the relay records the
  // authenticated user.
}

void decode(FieldReader& r, const AlertFieldLimits& limits, SyncRequest& out) {
  SyncQuery& q = out.query;
  r.unsigned_integer("sinceRev", q.since_rev);
  r.unsigned_integer("lastSyncTimestamp", q.since_ms);
  r.priorities("priorities", q.priorities);
  r.boolean("includeAcknowledged", q.include_acknowledged);
  std::optional<std::uint64_t> max_count;
  r.unsigned_integer("maxCount", max_count);
  if (max_count && (*max_count == 0 || *max_count > limits.max_sync_count))
    r.fail("maxCount", "between 1 and " + std::to_string(limits.max_sync_count));
  q.max_count = max_count ? static_cast<std::size_t>(*max_count) : limits.default_sync_count;
}

void decode(FieldReader& r, const AlertFieldLimits& limits, CreateRequest& out) {
  GroundAlertSpec& s = out.spec;
  std::optional<Priority> priority;
  r.string("title", s.title, limits.max_title_bytes);
  r.string("message", s.message, limits.max_message_bytes, true);
  r.priority("priority", priority, true);
  r.string("source", s.source, limits.max_source_bytes, true);
  r.action("action", s.action, limits);
  r.string_map("metadata", s.metadata, limits.max_metadata_entries, limits.max_metadata_bytes);
  r.string("groupId", s.group_id, limits.max_group_id_bytes);
  r.boolean("persistent", s.persistent);
  r.boolean("closable", s.closable);
  std::optional<std::uint64_t> expires;
  r.unsigned_integer("expiresAt", expires);
  if (priority) s.priority = *priority;
  s.expires_at_ms = expires.value_or(0);
}

void decode(FieldReader& r, const AlertFieldLimits& limits, ClearRequest& out) {
  ClearCriteria& c = out.criteria;
  r.strings("ids", c.ids, limits.max_clear_ids, limits.max_id_bytes);
  r.optional_string("source", c.source, limits.max_source_bytes);
  r.priority("priority", c.priority);
  r.optional_string("groupId", c.group_id, limits.max_group_id_bytes);
  r.optional_boolean("acknowledged", c.acknowledged);
}

void decode(FieldReader&, const AlertFieldLimits&, StatsRequest&) {}

void decode(FieldReader& r, const AlertFieldLimits& limits, AuditQueryRequest& out) {
  AuditQuery& q = out.query;
  std::optional<std::uint64_t> from, to, after, count;
  r.unsigned_integer("from", from);
  r.unsigned_integer("to", to);
  r.unsigned_integer("after", after);
  r.unsigned_integer("maxCount", count);
  r.optional_string("user", q.user, limits.max_source_bytes);
  r.optional_string("alertId", q.alert_id, limits.max_id_bytes);
  r.optional_string("action", q.action, limits.max_source_bytes);
  if (count && (*count == 0 || *count > limits.max_audit_count))
    r.fail("maxCount", "between 1 and " + std::to_string(limits.max_audit_count));
  q.from_ms = from.value_or(0);
  q.to_ms = to.value_or(UINT64_MAX);
  q.after_seq = after.value_or(0);
  q.limit = count ? static_cast<std::size_t>(*count) : limits.default_audit_count;
}

// The alert a shelf request names: `alertId`, or `key` with an optional `rover`.
template <class Request>
void decode_target(FieldReader& r, const AlertFieldLimits& limits, Request& out) {
  r.string("alertId", out.alert_id, limits.max_id_bytes);
  r.string("key", out.key, limits.max_key_bytes);
  r.string("rover", out.rover, limits.max_source_bytes);
  if (r.problem()) return;
  if (out.alert_id.empty() == out.key.empty()) r.fail("alertId", "given, or else `key` (not both)");
  else if (!out.rover.empty() && out.key.empty()) r.fail("rover", "given only with `key`");
}

void decode(FieldReader& r, const AlertFieldLimits& limits, ShelveAlertRequest& out) {
  decode_target(r, limits, out);
  std::string scope = out.alert_id.empty() ? "key" : "alert";  // a key alone is shelved as a key
  r.string("scope", scope, 8);
  if (!r.problem() && scope != "alert" && scope != "key") r.fail("scope", "\"alert\" or \"key\"");
  if (!r.problem() && scope == "alert" && out.alert_id.empty()) r.fail("scope", "\"key\" when `key` is given");
  out.by_key = scope == "key";
  r.unsigned_integer("durationSeconds", out.duration_s);
  r.boolean("oneShot", out.one_shot);
  r.string("reason", out.reason, limits.max_ack_comment_bytes, true);
  if (!r.problem() && out.duration_s && *out.duration_s == 0) r.fail("durationSeconds", "at least 1");
  if (!r.problem() && !out.duration_s && !out.one_shot)
    r.fail("durationSeconds", "present (shelving always expires), unless `oneShot`");
}

void decode(FieldReader& r, const AlertFieldLimits& limits, UnshelveAlertRequest& out) { decode_target(r, limits, out); }

void scope_and_value(FieldReader& r, const AlertFieldLimits& limits, ServiceScope& scope, std::string& value) {
  std::string name;
  r.string("scope", name, 8, true);
  const auto parsed = service_scope_from_string(name);
  if (!r.problem() && !parsed) r.fail("scope", "\"rover\" or \"source\"");
  if (parsed) scope = *parsed;
  r.string("value", value, limits.max_source_bytes, true);
}

void decode(FieldReader& r, const AlertFieldLimits& limits, OutOfServiceRequest& out) {
  scope_and_value(r, limits, out.scope, out.value);
  r.string("reason", out.reason, limits.max_ack_comment_bytes, true);
}

void decode(FieldReader& r, const AlertFieldLimits& limits, ReturnToServiceRequest& out) {
  scope_and_value(r, limits, out.scope, out.value);
}

void decode(FieldReader&, const AlertFieldLimits&, SuppressionListRequest&) {}

template <typename T>
std::optional<FieldProblem> decode_as(const json::object& object, const AlertFieldLimits& limits, AlertRequest& out) {
  FieldReader reader(object);
  T request;
  decode(reader, limits, request);
  if (reader.problem()) return reader.problem();
  out = std::move(request);
  return std::nullopt;
}

}  // namespace

bool is_alert_request_type(std::string_view type) {
  return type == "alert_ack" || type == "alert_sync" || type == "alert_create" || type == "alert_clear" ||
         type == "get_stats" || type == "audit_query" || type == "alert_shelve" || type == "alert_unshelve" ||
         type == "out_of_service" || type == "return_to_service" || type == "suppression_list";
}

std::optional<FieldProblem> decode_alert_request(std::string_view type, const json::object& object,
                                                 const AlertFieldLimits& limits, AlertRequest& out) {
  std::optional<FieldProblem> problem;
  if (type == "alert_ack") problem = decode_as<AckRequest>(object, limits, out);
  else if (type == "alert_sync") problem = decode_as<SyncRequest>(object, limits, out);
  else if (type == "alert_create") problem = decode_as<CreateRequest>(object, limits, out);
  else if (type == "alert_clear") problem = decode_as<ClearRequest>(object, limits, out);
  else if (type == "get_stats") problem = decode_as<StatsRequest>(object, limits, out);
  else if (type == "audit_query") problem = decode_as<AuditQueryRequest>(object, limits, out);
  else if (type == "alert_shelve") problem = decode_as<ShelveAlertRequest>(object, limits, out);
  else if (type == "alert_unshelve") problem = decode_as<UnshelveAlertRequest>(object, limits, out);
  else if (type == "out_of_service") problem = decode_as<OutOfServiceRequest>(object, limits, out);
  else if (type == "return_to_service") problem = decode_as<ReturnToServiceRequest>(object, limits, out);
  else if (type == "suppression_list") problem = decode_as<SuppressionListRequest>(object, limits, out);
  else return FieldProblem{ErrorCode::BadRequest, "unknown request type"};
  if (problem) return problem;
  if (const auto* clear = std::get_if<ClearRequest>(&out)) {
    const ClearCriteria& c = clear->criteria;
    if (c.ids.empty() && !c.source && !c.priority && !c.group_id && !c.acknowledged)
      return FieldProblem{ErrorCode::BadRequest,
                          "`alert_clear` needs at least one criterion (ids, source, priority, groupId, acknowledged)"};
  }
  return std::nullopt;
}

}  // namespace rover_alerts::relay
