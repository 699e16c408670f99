#pragma once
// AlertCache: the client's copy of the relay's alerts, kept by the
// protocol's rules (protocol.md): a change applies only when its rev is
// newer than the one held for that alert; a delta only on the rev it was
// made from; a new epoch or a reset discards everything.
//
// Bounded: past `capacity` alerts the lowest-priority, oldest alert makes
// room for a more urgent one, and a new alert less urgent than every one
// held is not kept; both are counted (evicted()). A critical alert is never
// evicted for a less urgent one.

#include <rover_alerts/ground/alert.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace rover_alerts::ground {

enum class ApplyResult {
  Applied,      // the alert is now at the change's rev
  Removed,      // a remove/clear took the alert out
  Stale,        // the cache already holds this rev or a newer one: ignored
  DeltaMissed,  // a delta whose base the cache does not hold: sync from resume_rev()
  Evicted,      // applied, and the least urgent alert was evicted to make room
  NotKept,      // a new alert less urgent than every held one while full
};

class AlertCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 200'000;
  explicit AlertCache(std::size_t capacity = kDefaultCapacity);

  // Forgets every alert: a new epoch, or a `reset` answer.
  void reset(std::string epoch);
  const std::string& epoch() const { return epoch_; }

  ApplyResult apply(const AlertChange& change);

  // The rev to resync from: the newest rev up to which every change for this
  // client has arrived (set by the client after a routine batch, a catch-up
  // or a sync; never by a critical alert, which may overtake older changes).
  std::uint64_t resume_rev() const { return resume_rev_; }
  void advance_resume_rev(std::uint64_t rev);

  const Alert* find(std::string_view id) const;
  std::size_t size() const { return alerts_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t evicted() const { return evicted_; }

  // Unacknowledged first, then by priority (critical first), then newest first.
  std::vector<const Alert*> sorted() const;
  void for_each(const std::function<void(const Alert&)>& visit) const;
  // Alerts still owed an acknowledgement; info alerts count only when `info_owes_ack`.
  std::size_t unacknowledged(bool info_owes_ack) const;

 private:
  using Rank = std::tuple<int, std::uint64_t, std::string>;  // (urgency, rev, id): the first is least urgent
  static Rank rank_of(const Alert& a);
  void erase(std::map<std::string, Alert, std::less<>>::iterator it);
  ApplyResult insert(const AlertChange& change);
  void bury(const AlertChange& change);  // remembers a removal's rev

  std::size_t capacity_;
  std::string epoch_;
  std::uint64_t resume_rev_ = 0;
  std::uint64_t evicted_ = 0;
  std::map<std::string, Alert, std::less<>> alerts_;
  std::set<Rank> by_urgency_;
  // Removed alerts' last revs, so that an older change arriving late (a
  // critical change overtakes routine ones) does not bring one back.
  static constexpr std::size_t kMaxTombstones = 16384;
  std::map<std::string, std::uint64_t, std::less<>> tombstones_;
  std::deque<std::string> tombstone_order_;
};

}  // namespace rover_alerts::ground
