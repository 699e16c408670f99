#pragma once
// The alert store: current alerts, their lifecycle, and the revision counter.
//
// Every change takes the next revision `rev` (strictly increasing) and is
// reported to one observer; the store never knows who listens. In memory for
// now: the SQLite journal (next step) persists each change before it is
// reported, which is why changes go through apply_*() entry points that each
// describe one input, and why the per-boot applied sequence numbers live here.
//
// Not thread-safe: the relay touches it from its single io thread only.

#include "store/alert.hpp"
#include "store/rover_event.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rover_alerts::relay {

class AlertStore {
 public:
  using Observer = std::function<void(const AlertChange&)>;

  enum class ApplyResult : std::uint8_t {
    Applied,    // the event was new; it may or may not have changed an alert
    Duplicate,  // seq already applied for this boot: nothing changed
  };

  // A store with a fresh random epoch.
  AlertStore();
  // A store with a given epoch (a reopened journal, or tests).
  explicit AlertStore(std::string epoch);

  void set_observer(Observer observer) { observer_ = std::move(observer); }

  const std::string& epoch() const { return epoch_; }
  std::uint64_t rev() const { return rev_; }
  std::size_t size() const { return alerts_.size(); }

  // Applies frame `seq` of a rover boot. Frames at or below the highest seq
  // applied for that boot are duplicates (replays after a reconnect).
  ApplyResult apply_rover_event(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq,
                                const RoverEvent& event);

  // Highest seq of (rover, boot) applied so far; 0 when none.
  std::uint64_t applied_seq(const std::string& rover, std::uint64_t boot_id) const;

  // Marks an alert acknowledged; returns false if no alert has this id.
  // Acknowledging an alert that returned to normal removes it unless persistent.
  bool acknowledge(const std::string& alert_id, const std::string& user, std::uint64_t at_ms);

  const Alert* find(const std::string& rover, const std::string& key) const;
  const Alert* find_by_id(const std::string& alert_id) const;

  // Current alerts ordered by rev (the order a client would have seen them change).
  std::vector<Alert> snapshot() const;

 private:
  using AlertKey = std::pair<std::string, std::string>;  // (rover, key)

  void raise_new(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq,
                 const RoverEvent& event);
  void update_existing(Alert& alert, const RoverEvent& event);
  void clear_existing(const AlertKey& key, Alert& alert, std::uint64_t at_ms);
  void remove(const AlertKey& key, std::uint64_t at_ms);
  void commit(ChangeType type, Alert& alert, std::uint64_t at_ms);

  std::string epoch_;
  std::uint64_t rev_ = 0;
  std::map<AlertKey, Alert> alerts_;
  std::unordered_map<std::string, AlertKey> key_by_id_;
  // One entry per rover boot seen: small, and kept so that a replay after a
  // relay-side disconnect is recognised.
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> applied_seq_;
  Observer observer_;
};

// 32 lowercase hex digits from the system's random source.
std::string make_random_epoch();

}  // namespace rover_alerts::relay
