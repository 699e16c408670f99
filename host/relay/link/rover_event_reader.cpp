#include "link/rover_event_reader.hpp"

namespace rover_alerts::relay {

namespace {

std::string copy(const flatbuffers::String* s) { return s == nullptr ? std::string() : s->str(); }

std::map<std::string, std::string> copy(const flatbuffers::Vector<flatbuffers::Offset<link::KeyValue>>* pairs) {
  std::map<std::string, std::string> map;
  if (pairs == nullptr) return map;
  for (const auto* pair : *pairs) map[pair->key()->str()] = pair->value()->str();  // later duplicates win
  return map;
}

RoverEventKind kind_of(link::EventKind kind) {
  switch (kind) {
    case link::EventKind::Raise: return RoverEventKind::Raise;
    case link::EventKind::Update: return RoverEventKind::Update;
    case link::EventKind::Clear: return RoverEventKind::Clear;
  }
  return RoverEventKind::Raise;
}

}  // namespace

RoverEvent read_rover_event(const link::AlertEvent& event) {
  RoverEvent out;
  out.kind = kind_of(event.kind());
  out.key = copy(event.key());
  // An enum value outside the schema (a newer rover) counts as least urgent.
  const auto priority = static_cast<std::uint8_t>(event.priority());
  out.priority = priority < kPriorityCount ? static_cast<Priority>(priority) : Priority::Info;
  out.source = copy(event.source());
  out.title = copy(event.title());
  out.message = copy(event.message());
  if (const auto* action = event.action()) {
    out.action = AlertAction{action->label()->str(), action->action_type()->str(), copy(action->parameters())};
  }
  out.metadata = copy(event.metadata());
  out.group_id = copy(event.group_id());
  out.persistent = event.persistent();
  out.closable = event.closable();
  out.expires_at_ms = event.expires_at_ms();
  out.raised_at_ms = event.raised_at_ms();
  out.last_seen_ms = event.last_seen_ms();
  out.occurrences = event.occurrences();
  return out;
}

}  // namespace rover_alerts::relay
