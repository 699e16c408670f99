#pragma once
// How long to wait before reconnection attempt `failures` (1, 2, …):
// base·2^(failures-1), at most `ceiling`, then "equal jitter": a random point
// in [d/2, d], so that screens dropped together by a relay restart do not all
// come back in the same millisecond, and none waits less than half its turn.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace rover_alerts::ground {

inline std::chrono::milliseconds reconnect_delay(int failures, std::chrono::milliseconds base,
                                                 std::chrono::milliseconds ceiling, std::uint64_t random) {
  const int doublings = std::clamp(failures - 1, 0, 30);
  const std::int64_t full = std::min<std::int64_t>(ceiling.count(), base.count() << std::min(doublings, 20));
  const std::int64_t half = full / 2;
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(random % static_cast<std::uint64_t>(full - half + 1)));
}

}  // namespace rover_alerts::ground
