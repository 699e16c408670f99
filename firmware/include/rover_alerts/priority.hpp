#pragma once
// Alert priorities, most urgent first. The numeric values are the wire values of
// link::Priority (schemas/link.fbs) and index every per-priority array.

#include <cstddef>
#include <cstdint>

namespace rover_alerts {

enum class Priority : std::uint8_t { Critical = 0, High = 1, Medium = 2, Low = 3, Info = 4 };

inline constexpr std::size_t kPriorityCount = 5;

constexpr std::size_t index_of(Priority p) { return static_cast<std::size_t>(p); }

constexpr const char* to_string(Priority p) {
  switch (p) {
    case Priority::Critical: return "critical";
    case Priority::High: return "high";
    case Priority::Medium: return "medium";
    case Priority::Low: return "low";
    case Priority::Info: return "info";
  }
  return "info";
}

}  // namespace rover_alerts
