#include "protocol/alert_json.hpp"

#include <cassert>

namespace rover_alerts::relay {

namespace {

void write_string_map(JsonWriter& out, const std::map<std::string, std::string>& map) {
  out.begin_object();
  for (const auto& [key, value] : map) out.member(key, value);
  out.end_object();
}

// AlertMessageData plus lifecycle fields; fields that are empty/zero are left out.
void write_alert_data(JsonWriter& out, const Alert& alert, ChangeType type) {
  out.begin_object();
  if (!alert.title.empty()) out.member("title", alert.title);
  out.member("message", alert.message);
  out.member("source", alert.source);
  out.member("key", alert.key);
  if (!alert.rover.empty()) out.member("rover", alert.rover);  // ground alerts have none
  if (!alert.created_by.empty()) out.member("createdBy", alert.created_by);
  const bool removed = type == ChangeType::Remove || type == ChangeType::Clear;
  out.member("state", removed ? std::string_view("removed") : to_string(alert.state()));
  out.member("active", alert.active);
  out.member("acknowledged", alert.acknowledged);
  out.member("persistent", alert.persistent);
  out.member("closable", alert.closable);
  out.member("occurrences", alert.occurrences);
  out.member("firstSeen", alert.first_seen_ms);
  out.member("lastSeen", alert.last_seen_ms);
  if (alert.action) {
    out.key("action").begin_object();
    out.member("label", alert.action->label);
    out.member("actionType", alert.action->action_type);
    out.key("parameters");
    write_string_map(out, alert.action->parameters);
    out.end_object();
  }
  if (!alert.metadata.empty()) {
    out.key("metadata");
    write_string_map(out, alert.metadata);
  }
  if (!alert.group_id.empty()) out.member("groupId", alert.group_id);
  if (alert.expires_at_ms != 0) out.member("expiresAt", alert.expires_at_ms);
  if (!alert.acknowledged_by.empty()) out.member("acknowledgedBy", alert.acknowledged_by);
  if (alert.acknowledged_at_ms != 0) out.member("acknowledgedAt", alert.acknowledged_at_ms);
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
