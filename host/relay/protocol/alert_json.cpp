#include "protocol/alert_json.hpp"

#include <boost/json.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

json::object string_map(const std::map<std::string, std::string>& map) {
  json::object object;
  object.reserve(map.size());
  for (const auto& [key, value] : map) object.emplace(key, value);
  return object;
}

// AlertMessageData plus lifecycle fields; fields that are empty/zero are left out.
json::object alert_data(const Alert& alert, ChangeType type) {
  json::object data;
  if (!alert.title.empty()) data.emplace("title", alert.title);
  data.emplace("message", alert.message);
  data.emplace("source", alert.source);
  data.emplace("key", alert.key);
  if (!alert.rover.empty()) data.emplace("rover", alert.rover);  // ground alerts have none
  if (!alert.created_by.empty()) data.emplace("createdBy", alert.created_by);
  const bool removed = type == ChangeType::Remove || type == ChangeType::Clear;
  data.emplace("state", removed ? std::string_view("removed") : to_string(alert.state()));
  data.emplace("active", alert.active);
  data.emplace("acknowledged", alert.acknowledged);
  data.emplace("persistent", alert.persistent);
  data.emplace("closable", alert.closable);
  data.emplace("occurrences", alert.occurrences);
  data.emplace("firstSeen", alert.first_seen_ms);
  data.emplace("lastSeen", alert.last_seen_ms);
  if (alert.action) {
    json::object action;
    action.emplace("label", alert.action->label);
    action.emplace("actionType", alert.action->action_type);
    action.emplace("parameters", string_map(alert.action->parameters));
    data.emplace("action", std::move(action));
  }
  if (!alert.metadata.empty()) data.emplace("metadata", string_map(alert.metadata));
  if (!alert.group_id.empty()) data.emplace("groupId", alert.group_id);
  if (alert.expires_at_ms != 0) data.emplace("expiresAt", alert.expires_at_ms);
  if (!alert.acknowledged_by.empty()) data.emplace("acknowledgedBy", alert.acknowledged_by);
  if (alert.acknowledged_at_ms != 0) data.emplace("acknowledgedAt", alert.acknowledged_at_ms);
  return data;
}

}  // namespace

json::object alert_change_object(const AlertChange& change) {
  const Alert& alert = change.alert;
  json::object message;
  message.emplace("id", alert.id);
  message.emplace("type", to_string(change.type));
  message.emplace("priority", to_string(alert.priority));
  // The time of the change as the store recorded it. For changes from a rover
  // that is the event's last_seen_ms on the rover's clock, not the relay's
  // receive time: the same frames always encode to the same bytes, and a
  // replayed frame does not look newer than it is. Order comes from `rev`.
  message.emplace("timestamp", alert.timestamp_ms);
  message.emplace("rev", change.rev);
  message.emplace("data", alert_data(alert, change.type));
  return message;
}

json::object tombstone_object(const Tombstone& tombstone) {
  json::object data;
  data.emplace("source", tombstone.source);
  data.emplace("key", tombstone.key);
  if (!tombstone.rover.empty()) data.emplace("rover", tombstone.rover);
  data.emplace("state", "removed");
  json::object message;
  message.emplace("id", tombstone.id);
  message.emplace("type", to_string(tombstone.type));
  message.emplace("priority", to_string(tombstone.priority));
  message.emplace("timestamp", tombstone.removed_at_ms);
  message.emplace("rev", tombstone.rev);
  message.emplace("data", std::move(data));
  return message;
}

std::shared_ptr<const std::string> encode_alert_message(const AlertChange& change) {
  json::object envelope;
  envelope.emplace("type", "alert");
  envelope.emplace("data", alert_change_object(change));
  return std::make_shared<const std::string>(json::serialize(envelope));
}

}  // namespace rover_alerts::relay
