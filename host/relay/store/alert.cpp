#include "store/alert.hpp"

#include <array>

namespace rover_alerts::relay {

namespace {
constexpr std::array<std::string_view, kPriorityCount> kPriorityNames{"critical", "high", "medium",
                                                                      "low", "info"};
}  // namespace

std::string_view to_string(Priority p) { return kPriorityNames.at(static_cast<std::size_t>(p)); }

std::optional<Priority> priority_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kPriorityNames.size(); ++i) {
    if (kPriorityNames[i] == name) return static_cast<Priority>(i);
  }
  return std::nullopt;
}

std::string_view to_string(AlertState s) {
  switch (s) {
    case AlertState::ActiveUnacked: return "active_unacked";
    case AlertState::ActiveAcked: return "active_acked";
    case AlertState::RtnUnacked: return "rtn_unacked";
    case AlertState::Latched: return "latched";
  }
  return "unknown";
}

std::string_view to_string(ChangeType t) {
  switch (t) {
    case ChangeType::New: return "new";
    case ChangeType::Update: return "update";
    case ChangeType::Remove: return "remove";
    case ChangeType::Clear: return "clear";
  }
  return "unknown";
}

std::string_view to_string(ServiceScope scope) { return scope == ServiceScope::Rover ? "rover" : "source"; }

std::optional<ServiceScope> service_scope_from_string(std::string_view name) {
  if (name == "rover") return ServiceScope::Rover;
  if (name == "source") return ServiceScope::Source;
  return std::nullopt;
}

AlertState alert_state(bool active, bool acknowledged) {
  if (active) return acknowledged ? AlertState::ActiveAcked : AlertState::ActiveUnacked;
  // Not active and acknowledged only stays in the store when persistent.
  return acknowledged ? AlertState::Latched : AlertState::RtnUnacked;
}

AlertState Alert::state() const { return alert_state(active, acknowledged); }

std::uint32_t changed_fields(const Alert& a, const Alert& b) {
  std::uint32_t changed = 0;
  const auto note = [&changed](bool differs, AlertField field) {
    if (differs) changed |= field;
  };
  note(a.priority != b.priority, kFieldPriority);
  note(a.title != b.title, kFieldTitle);
  note(a.message != b.message, kFieldMessage);
  note(a.state() != b.state(), kFieldState);
  note(a.active != b.active, kFieldActive);
  note(a.acknowledged != b.acknowledged, kFieldAcknowledged);
  note(a.persistent != b.persistent, kFieldPersistent);
  note(a.closable != b.closable, kFieldClosable);
  note(a.occurrences != b.occurrences, kFieldOccurrences);
  note(a.first_seen_ms != b.first_seen_ms, kFieldFirstSeen);
  note(a.last_seen_ms != b.last_seen_ms, kFieldLastSeen);
  note(a.action != b.action, kFieldAction);
  note(a.metadata != b.metadata, kFieldMetadata);
  note(a.group_id != b.group_id, kFieldGroupId);
  note(a.expires_at_ms != b.expires_at_ms, kFieldExpiresAt);
  note(a.acknowledged_by != b.acknowledged_by, kFieldAcknowledgedBy);
  note(a.acknowledged_at_ms != b.acknowledged_at_ms, kFieldAcknowledgedAt);
  note(a.ack_comment != b.ack_comment, kFieldAckComment);
  note(a.shelf != b.shelf, kFieldShelf);
  note(a.out_of_service != b.out_of_service, kFieldOutOfService);
  return changed;
}

}  // namespace rover_alerts::relay
