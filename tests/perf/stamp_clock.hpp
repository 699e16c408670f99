#pragma once
// The clock the delivery suite stamps alerts with and reads them against:
// std::chrono::steady_clock, which on Linux is CLOCK_MONOTONIC, one clock for
// every process on the machine. The sender (alert-bench) writes its time in
// an alert's metadata.t, the receiver (alert-load-clients, another process)
// subtracts it from its own read time.

#include <chrono>
#include <cstdint>

namespace rover_alerts::bench {

inline std::uint64_t steady_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace rover_alerts::bench
