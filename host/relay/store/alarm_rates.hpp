#pragma once
// AlarmRates: the ISA-18.2 alarm-rate figures, kept from the annunciations
// the store makes (a new alert, or a re-raise that adds an occurrence; info
// alerts are notifications, not alarms, and do not count).
//
//  - the rate per window (10 minutes), overall and per rover;
//  - the flood state: it starts when the rate goes above `flood_start` and
//    ends when it falls below `flood_end` (hysteresis, so it does not flap);
//    the first-out alarm is the oldest annunciation of the window it started in;
//  - chattering keys: `chatter_count` annunciations within `chatter_window`;
//  - over the KPI window (24 h): the ten most frequent keys and the priority
//    distribution, to hold against ISA-18.2's 5 / 15 / 80 %.
//
// Bounded: counts are kept in a fixed number of time buckets; at most
// `max_keys` keys and `max_rovers` rovers are tracked, the least recently
// active is forgotten first (counted). No clock of its own: callers pass now.

#include "store/alert.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rover_alerts::relay {

struct AlarmRateLimits {
  std::uint64_t window_ms = 10 * 60'000;
  std::uint32_t flood_start = 10;  // a flood: more than this many annunciations per window
  std::uint32_t flood_end = 5;     // over when fewer than this
  std::uint32_t chatter_count = 3;
  std::uint64_t chatter_window_ms = 60'000;
  std::uint64_t kpi_window_ms = 24ull * 3600'000;
  std::uint64_t standing_after_ms = 24ull * 3600'000;  // an alarm active longer is standing (stale)
  std::size_t max_keys = 4096;
  std::size_t max_rovers = 1024;
};

// One annunciation.
struct AlarmEvent {
  std::string id, rover, key;
  Priority priority = Priority::Info;
  std::uint64_t at_ms = 0;
};

// Counts in `Buckets` slots spanning `span_ms`: a sliding window accurate to one slot.
class BucketedCount {
 public:
  static constexpr std::size_t kBuckets = 10;
  explicit BucketedCount(std::uint64_t span_ms) : slot_ms_(std::max<std::uint64_t>(1, span_ms / kBuckets)) {}
  void add(std::uint64_t now_ms, std::uint64_t n = 1);
  std::uint64_t total(std::uint64_t now_ms) const;

 private:
  std::uint64_t slot_ms_;
  std::array<std::uint64_t, kBuckets> counts_{};
  std::array<std::uint64_t, kBuckets> slot_of_{};  // which slot number each bucket holds
};

struct FloodChange {
  bool started = false;  // else ended
  std::uint64_t at_ms = 0;
  std::uint64_t rate = 0;
  std::optional<AlarmEvent> first_out;  // when started
};

struct KeyFrequency {
  std::string rover, key;
  std::uint64_t count = 0;
};

class AlarmRates {
 public:
  explicit AlarmRates(AlarmRateLimits limits = {});

  // A new annunciation; a change of the flood state if it made one.
  std::optional<FloodChange> on_annunciation(const AlarmEvent& event);
  // Time passing alone may end a flood.
  std::optional<FloodChange> tick(std::uint64_t now_ms);

  std::uint64_t rate(std::uint64_t now_ms) const { return overall_.total(now_ms); }
  std::map<std::string, std::uint64_t> rate_by_rover(std::uint64_t now_ms) const;
  bool in_flood() const { return flood_since_ms_.has_value(); }
  std::optional<std::uint64_t> flood_since_ms() const { return flood_since_ms_; }
  const std::optional<AlarmEvent>& first_out() const { return first_out_; }
  std::uint64_t floods() const { return floods_; }
  std::vector<KeyFrequency> chattering(std::uint64_t now_ms) const;
  std::vector<KeyFrequency> top_keys(std::uint64_t now_ms, std::size_t n = 10) const;
  // Annunciations per priority over the KPI window (index = Priority).
  std::array<std::uint64_t, kPriorityCount> by_priority(std::uint64_t now_ms) const;
  std::uint64_t keys_forgotten() const { return keys_forgotten_; }
  const AlarmRateLimits& limits() const { return limits_; }

 private:
  struct KeyActivity {
    std::string rover, key;
    std::deque<std::uint64_t> recent;  // the latest chatter_count annunciation times
    BucketedCount day;
    std::uint64_t last_ms = 0;
  };
  using KeyName = std::pair<std::string, std::string>;  // (rover, key)

  KeyActivity& activity_of(const AlarmEvent& event);
  BucketedCount& rover_rate(const std::string& rover, std::uint64_t now_ms);

  AlarmRateLimits limits_;
  BucketedCount overall_;
  std::array<BucketedCount, kPriorityCount> priorities_;
  std::map<std::string, std::pair<BucketedCount, std::uint64_t>> rovers_;  // rate, last annunciation
  std::map<KeyName, KeyActivity> keys_;
  std::set<std::pair<std::uint64_t, KeyName>> keys_by_recency_;
  std::deque<AlarmEvent> window_head_;  // the latest flood_start + 1 annunciations: first-out candidates
  std::optional<std::uint64_t> flood_since_ms_;
  std::optional<AlarmEvent> first_out_;
  std::uint64_t floods_ = 0;
  std::uint64_t keys_forgotten_ = 0;
};

}  // namespace rover_alerts::relay
