#pragma once
// One alert state change reported by a rover, already verified and copied out
// of its link frame: the store never sees link buffers.

#include "store/alert.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace rover_alerts::relay {

enum class RoverEventKind : std::uint8_t { Raise, Update, Clear };

struct RoverEvent {
  RoverEventKind kind = RoverEventKind::Raise;
  std::string key;
  Priority priority = Priority::Info;
  std::string source;
  std::string title;
  std::string message;
  std::optional<AlertAction> action;
  std::map<std::string, std::string> metadata;
  std::string group_id;
  bool persistent = false;
  bool closable = true;
  std::uint64_t expires_at_ms = 0;
  std::uint64_t raised_at_ms = 0;
  std::uint64_t last_seen_ms = 0;
  std::uint32_t occurrences = 1;
};

}  // namespace rover_alerts::relay
