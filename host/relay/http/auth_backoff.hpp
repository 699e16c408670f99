#pragma once
// Failed WebSocket authentications per client address. The first
// `AuthBackoffLimits::free_failures` cost nothing; each one after blocks the
// address for twice as long as the last (from `base` up to `max`): while
// blocked, an auth from that address is refused without looking at its token,
// so guessing tokens runs at a few tries a minute, not a thousand a second.
// A successful auth forgets the address. At most `max_addresses` are
// remembered; past that, the entries that block nothing go first, then the
// oldest.
//
// Time is passed in, so the rule is deterministic under test. Not
// thread-safe: the relay's io thread only.

#include "relay_config.hpp"

#include <chrono>
#include <string>
#include <unordered_map>

namespace rover_alerts::relay {

class AuthBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AuthBackoff(const AuthBackoffLimits& limits) : limits_(limits) {}

  // How long `address` must still wait; zero when it may try now.
  Clock::duration blocked_for(const std::string& address, Clock::time_point now) const;
  void on_failure(const std::string& address, Clock::time_point now);
  void on_success(const std::string& address) { entries_.erase(address); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    unsigned failures = 0;
    Clock::time_point blocked_until{};
    Clock::time_point last_failure{};
  };
  void make_room(Clock::time_point now);

  AuthBackoffLimits limits_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace rover_alerts::relay
