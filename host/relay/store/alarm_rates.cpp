#include "store/alarm_rates.hpp"

#include <algorithm>
#include <cassert>

namespace rover_alerts::relay {

void BucketedCount::add(std::uint64_t now_ms, std::uint64_t n) {
  const std::uint64_t slot = now_ms / slot_ms_;
  const std::size_t i = slot % kBuckets;
  if (slot_of_[i] != slot) {  // the bucket held an older slot: start it afresh
    slot_of_[i] = slot;
    counts_[i] = 0;
  }
  counts_[i] += n;
}

std::uint64_t BucketedCount::total(std::uint64_t now_ms) const {
  const std::uint64_t slot = now_ms / slot_ms_;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBuckets; ++i)
    if (slot_of_[i] + kBuckets > slot && slot_of_[i] <= slot) sum += counts_[i];
  return sum;
}

AlarmRates::AlarmRates(AlarmRateLimits limits)
    : limits_(limits),
      overall_(limits.window_ms),
      priorities_{BucketedCount(limits.kpi_window_ms), BucketedCount(limits.kpi_window_ms),
                  BucketedCount(limits.kpi_window_ms), BucketedCount(limits.kpi_window_ms),
                  BucketedCount(limits.kpi_window_ms)} {
  assert(limits.flood_end <= limits.flood_start);
  assert(limits.max_keys > 0 && limits.max_rovers > 0 && limits.chatter_count > 0);
}

std::optional<FloodChange> AlarmRates::on_annunciation(const AlarmEvent& event) {
  if (event.priority == Priority::Info) return tick(event.at_ms);
  const std::uint64_t now = event.at_ms;
  overall_.add(now);
  priorities_[static_cast<std::size_t>(event.priority)].add(now);
  if (!event.rover.empty()) rover_rate(event.rover, now).add(now);

  KeyActivity& activity = activity_of(event);
  activity.recent.push_back(now);
  if (activity.recent.size() > limits_.chatter_count) activity.recent.pop_front();
  activity.day.add(now);

  window_head_.push_back(event);
  if (window_head_.size() > limits_.flood_start + 1u) window_head_.pop_front();

  const std::uint64_t current = overall_.total(now);
  if (!flood_since_ms_ && current > limits_.flood_start) {
    flood_since_ms_ = now;
    ++floods_;
    // The first alarm of the cascade: the oldest recent one still in the window.
    first_out_.reset();
    for (const AlarmEvent& e : window_head_) {
      if (e.at_ms + limits_.window_ms > now) {
        first_out_ = e;
        break;
      }
    }
    return FloodChange{true, now, current, first_out_};
  }
  return tick(now);
}

std::optional<FloodChange> AlarmRates::tick(std::uint64_t now_ms) {
  if (!flood_since_ms_) return std::nullopt;
  const std::uint64_t current = overall_.total(now_ms);
  if (current >= limits_.flood_end) return std::nullopt;
  flood_since_ms_.reset();
  return FloodChange{false, now_ms, current, std::nullopt};
}

AlarmRates::KeyActivity& AlarmRates::activity_of(const AlarmEvent& event) {
  KeyName name{event.rover, event.key};
  auto it = keys_.find(name);
  if (it == keys_.end()) {
    if (keys_.size() >= limits_.max_keys) {
      // Forget the key quiet the longest.
      const auto oldest = keys_by_recency_.begin();
      keys_.erase(oldest->second);
      keys_by_recency_.erase(oldest);
      ++keys_forgotten_;
    }
    it = keys_.emplace(name, KeyActivity{event.rover, event.key, {}, BucketedCount(limits_.kpi_window_ms), 0}).first;
  } else {
    keys_by_recency_.erase({it->second.last_ms, name});
  }
  it->second.last_ms = event.at_ms;
  keys_by_recency_.insert({event.at_ms, std::move(name)});
  return it->second;
}

BucketedCount& AlarmRates::rover_rate(const std::string& rover, std::uint64_t now_ms) {
  auto it = rovers_.find(rover);
  if (it == rovers_.end()) {
    if (rovers_.size() >= limits_.max_rovers) {
      rovers_.erase(std::min_element(rovers_.begin(), rovers_.end(), [](const auto& a, const auto& b) {
        return a.second.second < b.second.second;
      }));
    }
    it = rovers_.emplace(rover, std::make_pair(BucketedCount(limits_.window_ms), now_ms)).first;
  }
  it->second.second = now_ms;
  return it->second.first;
}

std::map<std::string, std::uint64_t> AlarmRates::rate_by_rover(std::uint64_t now_ms) const {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [rover, entry] : rovers_) out[rover] = entry.first.total(now_ms);
  return out;
}

std::vector<KeyFrequency> AlarmRates::chattering(std::uint64_t now_ms) const {
  std::vector<KeyFrequency> out;
  for (const auto& [name, a] : keys_) {
    if (a.recent.size() < limits_.chatter_count) continue;
    // The latest chatter_count annunciations all fell within the chatter window, lately.
    if (a.recent.back() - a.recent.front() <= limits_.chatter_window_ms &&
        now_ms - a.recent.back() <= limits_.chatter_window_ms)
      out.push_back(KeyFrequency{a.rover, a.key, a.day.total(now_ms)});
  }
  return out;
}

std::vector<KeyFrequency> AlarmRates::top_keys(std::uint64_t now_ms, std::size_t n) const {
  std::vector<KeyFrequency> all;
  for (const auto& [name, a] : keys_)
    if (const std::uint64_t count = a.day.total(now_ms); count > 0) all.push_back(KeyFrequency{a.rover, a.key, count});
  const std::size_t keep = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const KeyFrequency& a, const KeyFrequency& b) {
                      return a.count != b.count ? a.count > b.count : std::tie(a.rover, a.key) < std::tie(b.rover, b.key);
                    });
  all.resize(keep);
  return all;
}

std::array<std::uint64_t, kPriorityCount> AlarmRates::by_priority(std::uint64_t now_ms) const {
  std::array<std::uint64_t, kPriorityCount> out{};
  for (std::size_t i = 0; i < kPriorityCount; ++i) out[i] = priorities_[i].total(now_ms);
  return out;
}

}  // namespace rover_alerts::relay
