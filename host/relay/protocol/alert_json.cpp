#include "protocol/alert_json.hpp"

#include "protocol/suppression_json.hpp"

#include <cassert>

namespace rover_alerts::relay {

namespace {

void write_string_map(JsonWriter& out, const std::map<std::string, std::string>& map) {
  out.begin_object();
  for (const auto& [key, value] : map) out.member(key, value);
  out.end_object();
}

// AlertMessageData plus lifecycle fields; fields that are empty/zero are left out.
// `delta`: only the fields in `changed` (identity fields never change), and
// an optional field that became empty is written as null, so the client
// removes it.
void write_alert_data(JsonWriter& out, const Alert& alert, ChangeType type, std::uint32_t changed = kAllFields,
                      bool delta = false) {
  const auto wanted = [&](AlertField field) { return !delta || (changed & field) != 0; };
  // An optional field: written when set, null in a delta that cleared it.
  const auto optional = [&](AlertField field, std::string_view name, bool present, const auto& write) {
    if (!wanted(field)) return;
    if (present) {
      write(out.key(name));
    } else if (delta) {
      out.key(name).raw("null");
    }
  };
  out.begin_object();
  optional(kFieldTitle, "title", !alert.title.empty(), [&](JsonWriter& w) { w.value(alert.title); });
  if (wanted(kFieldMessage)) out.member("message", alert.message);
  if (!delta) {
    out.member("source", alert.source);
    out.member("key", alert.key);
    if (!alert.rover.empty()) out.member("rover", alert.rover);  // ground alerts have none
    if (!alert.created_by.empty()) out.member("createdBy", alert.created_by);
  }
  const bool removed = type == ChangeType::Remove || type == ChangeType::Clear;
  if (wanted(kFieldState)) out.member("state", removed ? std::string_view("removed") : to_string(alert.state()));
  if (wanted(kFieldActive)) out.member("active", alert.active);
  if (wanted(kFieldAcknowledged)) out.member("acknowledged", alert.acknowledged);
  if (wanted(kFieldPersistent)) out.member("persistent", alert.persistent);
  if (wanted(kFieldClosable)) out.member("closable", alert.closable);
  if (wanted(kFieldOccurrences)) out.member("occurrences", alert.occurrences);
  if (wanted(kFieldFirstSeen)) out.member("firstSeen", alert.first_seen_ms);
  if (wanted(kFieldLastSeen)) out.member("lastSeen", alert.last_seen_ms);
  optional(kFieldAction, "action", alert.action.has_value(), [&](JsonWriter& w) {
    w.begin_object();
    w.member("label", alert.action->label);
    w.member("actionType", alert.action->action_type);
    w.key("parameters");
    write_string_map(w, alert.action->parameters);
    w.end_object();
  });
  optional(kFieldMetadata, "metadata", !alert.metadata.empty(),
           [&](JsonWriter& w) { write_string_map(w, alert.metadata); });
  optional(kFieldGroupId, "groupId", !alert.group_id.empty(), [&](JsonWriter& w) { w.value(alert.group_id); });
  optional(kFieldExpiresAt, "expiresAt", alert.expires_at_ms != 0,
           [&](JsonWriter& w) { w.value(alert.expires_at_ms); });
  optional(kFieldAcknowledgedBy, "acknowledgedBy", !alert.acknowledged_by.empty(),
           [&](JsonWriter& w) { w.value(alert.acknowledged_by); });
  optional(kFieldAcknowledgedAt, "acknowledgedAt", alert.acknowledged_at_ms != 0,
           [&](JsonWriter& w) { w.value(alert.acknowledged_at_ms); });
  optional(kFieldAckComment, "ackComment", !alert.ack_comment.empty(),
           [&](JsonWriter& w) { w.value(alert.ack_comment); });
  optional(kFieldShelf, "shelved", alert.shelf.has_value(), [&](JsonWriter& w) { write_shelf(w, *alert.shelf); });
  optional(kFieldOutOfService, "outOfService", alert.out_of_service.has_value(),
           [&](JsonWriter& w) { write_out_of_service(w, *alert.out_of_service); });
  out.end_object();
}

// {"type":"alert","data":<what write_data writes>}
template <class WriteData>
std::shared_ptr<const std::string> envelope(std::size_t size_hint, const WriteData& write_data) {
  auto text = std::make_shared<std::string>();
  text->reserve(size_hint);
  JsonWriter out(*text);
  out.begin_object().member("type", "alert").key("data");
  write_data(out);
  out.end_object();
  return text;
}

}  // namespace

void write_alert_change(JsonWriter& out, ChangeType type, const Alert& alert) {
  out.begin_object();
  out.member("id", alert.id);
  out.member("type", to_string(type));
  out.member("priority", to_string(alert.priority));
  // The time of the change as the store recorded it. For changes from a rover
  // that is the event's last_seen_ms on the rover's clock, not the relay's
  // receive time: the same frames always encode to the same bytes, and a
  // replayed frame does not look newer than it is. Order comes from `rev`.
  out.member("timestamp", alert.timestamp_ms);
  out.member("rev", alert.rev);
  out.key("data");
  write_alert_data(out, alert, type);
  out.end_object();
}

void write_tombstone(JsonWriter& out, const Tombstone& tombstone) {
  out.begin_object();
  out.member("id", tombstone.id);
  out.member("type", to_string(tombstone.type));
  out.member("priority", to_string(tombstone.priority));
  out.member("timestamp", tombstone.removed_at_ms);
  out.member("rev", tombstone.rev);
  out.key("data").begin_object();
  out.member("source", tombstone.source);
  out.member("key", tombstone.key);
  if (!tombstone.rover.empty()) out.member("rover", tombstone.rover);
  out.member("state", "removed");
  out.end_object();
  out.end_object();
}

std::string encode_change_json(ChangeType type, const Alert& alert) {
  std::string text;
  text.reserve(352 + alert.title.size() + alert.message.size());
  JsonWriter out(text);
  write_alert_change(out, type, alert);
  return text;
}

std::optional<std::string> encode_change_delta_json(const AlertChange& change) {
  // Priority decides which subscribers get a change: one that changed it may
  // reach a client that never had the alert, so it goes whole.
  if (change.type != ChangeType::Update || change.base_rev == 0 || (change.changed & kFieldPriority) != 0)
    return std::nullopt;
  const Alert& alert = change.alert;
  std::string text;
  text.reserve(192);
  JsonWriter out(text);
  out.begin_object();
  out.member("id", alert.id);
  out.member("type", to_string(change.type));
  out.member("priority", to_string(alert.priority));
  out.member("timestamp", alert.timestamp_ms);
  out.member("rev", alert.rev);
  out.member("delta", true);
  out.member("baseRev", change.base_rev);
  out.key("data");
  write_alert_data(out, alert, change.type, change.changed, true);
  out.end_object();
  return text;
}

std::string encode_change_json(const Tombstone& tombstone) {
  std::string text;
  text.reserve(224);
  JsonWriter out(text);
  write_tombstone(out, tombstone);
  return text;
}

std::string alert_message(std::string_view change_json) {
  std::string text;
  text.reserve(change_json.size() + 32);
  JsonWriter out(text);
  out.begin_object().member("type", "alert").key("data").raw(change_json).end_object();
  return text;
}

std::string alert_batch_message(std::uint64_t batch_id, std::span<const std::string_view> change_jsons) {
  std::size_t size = 64;
  for (const std::string_view json : change_jsons) size += json.size() + 1;
  std::string text;
  text.reserve(size);
  JsonWriter out(text);
  // batchId is a string, as in the seed's AlertWebSocketMessage.
  out.begin_object().member("type", "alert_batch").member("batchId", std::to_string(batch_id)).key("data").begin_array();
  for (const std::string_view json : change_jsons) out.raw(json);
  out.end_array().end_object();
  return text;
}

void write_page_entries(JsonWriter& out, const SyncPage& page, ChangeType present) {
  for_each_in_rev_order(
      page, [&](const Alert& alert) { write_alert_change(out, present, alert); },
      [&](const Tombstone& tombstone) { write_tombstone(out, tombstone); });
}

std::shared_ptr<const std::string> encode_alert_message(ChangeType type, const Alert& alert) {
  const std::size_t hint = 384 + alert.title.size() + alert.message.size();
  return envelope(hint, [&](JsonWriter& out) { write_alert_change(out, type, alert); });
}

std::shared_ptr<const std::string> encode_alert_message(const AlertChange& change) {
  assert(change.rev == change.alert.rev);  // the store gives the alert its change's rev
  return encode_alert_message(change.type, change.alert);
}

std::shared_ptr<const std::string> encode_alert_message(const Tombstone& tombstone) {
  return envelope(256, [&](JsonWriter& out) { write_tombstone(out, tombstone); });
}

}  // namespace rover_alerts::relay
