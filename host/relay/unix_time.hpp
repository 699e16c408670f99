#pragma once
// Wall-clock time as the protocol and the store carry it: unix milliseconds.

#include <chrono>
#include <cstdint>

namespace rover_alerts::relay {

inline std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace rover_alerts::relay
