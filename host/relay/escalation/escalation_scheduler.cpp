#include "escalation/escalation_scheduler.hpp"

namespace rover_alerts::relay {

namespace {

std::uint64_t ms_of(std::chrono::seconds s) { return static_cast<std::uint64_t>(s.count()) * 1000; }

}  // namespace

void EscalationScheduler::forget(const std::string& id) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.due_ms != 0) by_due_.erase({it->second.due_ms, id});
  entries_.erase(it);
}

void EscalationScheduler::schedule(const std::string& id, Entry entry) {
  forget(id);
  if (entry.due_ms != 0) by_due_.emplace(entry.due_ms, id);
  entries_.emplace(id, entry);
}

void EscalationScheduler::on_change(const AlertChange& change, std::uint64_t now_ms) {
  const Alert& alert = change.alert;
  const PriorityPolicy& policy = config_.by_priority[static_cast<std::size_t>(alert.priority)];
  const bool gone = change.type == ChangeType::Remove || change.type == ChangeType::Clear;
  if (gone || !policy.enabled || alert.suppressed() || !alert.active) return forget(alert.id);
  const auto it = entries_.find(alert.id);
  if (!alert.acknowledged) {
    // Still owed, at the same priority: the count goes on (a re-raise is no reset).
    if (it != entries_.end() && it->second.kind == EscalationDue::Kind::Escalate &&
        it->second.priority == alert.priority)
      return;
    return schedule(alert.id, Entry{EscalationDue::Kind::Escalate, alert.priority, now_ms + ms_of(policy.after), 0});
  }
  if (policy.ack_timeout.count() == 0) return forget(alert.id);
  const std::uint64_t due = std::max(alert.acknowledged_at_ms + ms_of(policy.ack_timeout), now_ms);
  if (it != entries_.end() && it->second.kind == EscalationDue::Kind::AckExpired &&
      it->second.due_ms == due)
    return;
  schedule(alert.id, Entry{EscalationDue::Kind::AckExpired, alert.priority, due, 0});
}

std::vector<EscalationDue> EscalationScheduler::take_due(std::uint64_t now_ms) {
  std::vector<EscalationDue> due;
  while (!by_due_.empty() && by_due_.begin()->first <= now_ms) {
    const std::string id = by_due_.begin()->second;
    by_due_.erase(by_due_.begin());
    Entry& entry = entries_.at(id);
    const PriorityPolicy& policy = config_.by_priority[static_cast<std::size_t>(entry.priority)];
    if (entry.kind == EscalationDue::Kind::AckExpired) {
      due.push_back(EscalationDue{entry.kind, id, entry.priority, 0, 0});
      entries_.erase(id);  // the relay takes the ack back; that change schedules anew
      continue;
    }
    ++entry.done;
    due.push_back(EscalationDue{entry.kind, id, entry.priority, entry.done, policy.max_escalations});
    // Exhausted: kept (due 0) so that a re-raise does not start the count again.
    entry.due_ms = entry.done < policy.max_escalations ? now_ms + ms_of(policy.repeat_every) : 0;
    if (entry.due_ms != 0) by_due_.emplace(entry.due_ms, id);
  }
  return due;
}

std::optional<std::uint64_t> EscalationScheduler::next_due_ms() const {
  if (by_due_.empty()) return std::nullopt;
  return by_due_.begin()->first;
}

}  // namespace rover_alerts::relay
