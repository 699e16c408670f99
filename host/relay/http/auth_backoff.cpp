#include "http/auth_backoff.hpp"

#include <algorithm>

namespace rover_alerts::relay {

AuthBackoff::Clock::duration AuthBackoff::blocked_for(const std::string& address, Clock::time_point now) const {
  const auto it = entries_.find(address);
  if (it == entries_.end() || it->second.blocked_until <= now) return Clock::duration::zero();
  return it->second.blocked_until - now;
}

void AuthBackoff::on_failure(const std::string& address, Clock::time_point now) {
  if (entries_.find(address) == entries_.end() && entries_.size() >= limits_.max_addresses) make_room(now);
  Entry& e = entries_[address];
  ++e.failures;
  e.last_failure = now;
  if (e.failures <= limits_.free_failures) return;
  // base, 2 base, 4 base, ... up to max.
  const unsigned doublings = std::min(e.failures - limits_.free_failures - 1, 30u);
  const auto wait = std::min<Clock::duration>(limits_.max, limits_.base * (std::int64_t{1} << doublings));
  e.blocked_until = now + wait;
}

void AuthBackoff::make_room(Clock::time_point now) {
  std::erase_if(entries_, [now](const auto& entry) { return entry.second.blocked_until <= now; });
  while (entries_.size() >= limits_.max_addresses) {
    const auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_failure < b.second.last_failure;
    });
    entries_.erase(oldest);
  }
}

}  // namespace rover_alerts::relay
