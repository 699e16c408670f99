#pragma once
// Clocks of the firmware path: wall time for alert timestamps (what operators
// read), monotonic time for timers (immune to clock steps).

#include <cstdint>
#include <ctime>

namespace rover_alerts {

inline std::uint64_t clock_ms(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}
inline std::uint64_t wall_ms() { return clock_ms(CLOCK_REALTIME); }
inline std::uint64_t monotonic_ms() { return clock_ms(CLOCK_MONOTONIC); }

}  // namespace rover_alerts
