#pragma once
// EscalationScheduler: which alert escalates when (escalation_policy.hpp).
// Pure bookkeeping on the store's changes, with the relay's clock passed in,
// so tests hold the clock. One entry per alert owed an escalation or an
// acknowledgement timeout: bounded by the store's own bounds on alerts.
//
// An alert is owed an escalation while its condition holds, nobody has
// acknowledged it and it is not suppressed (shelved, out of service); the
// count starts when the scheduler first sees it so, and a re-raise does not
// restart it. After max_escalations it waits for an acknowledgement.

#include "escalation/escalation_policy.hpp"
#include "store/alert.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rover_alerts::relay {

struct EscalationDue {
  enum class Kind : std::uint8_t {
    Escalate,    // announce again (and notify the policy's webhook)
    AckExpired,  // acknowledged too long ago while still active: take the ack back
  };
  Kind kind = Kind::Escalate;
  std::string alert_id;
  Priority priority = Priority::Info;
  unsigned level = 0;      // Escalate: 1 … max_escalations
  unsigned max_level = 0;
};

class EscalationScheduler {
 public:
  explicit EscalationScheduler(const EscalationConfig& config) : config_(config) {}

  // Every change the store reports, seen at `now_ms` (the relay's clock).
  void on_change(const AlertChange& change, std::uint64_t now_ms);
  // What is due at `now_ms`, in time order; repeats are rescheduled.
  std::vector<EscalationDue> take_due(std::uint64_t now_ms);
  std::optional<std::uint64_t> next_due_ms() const;
  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Entry {
    EscalationDue::Kind kind = EscalationDue::Kind::Escalate;
    Priority priority = Priority::Info;
    std::uint64_t due_ms = 0;  // 0: nothing more due (escalations exhausted)
    unsigned done = 0;         // escalations so far
  };
  void schedule(const std::string& id, Entry entry);
  void forget(const std::string& id);

  const EscalationConfig& config_;
  std::unordered_map<std::string, Entry> entries_;
  std::set<std::pair<std::uint64_t, std::string>> by_due_;
};

}  // namespace rover_alerts::relay
