#pragma once
// AlertSpec: what the control loop passes to Emitter::raise(). Views only; the
// emitter copies what it keeps into bounded storage before raise() returns, so
// the caller's strings need to live only for the duration of the call.

#include <rover_alerts/priority.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rover_alerts {

struct KeyValueView {
  std::string_view key;
  std::string_view value;
};

struct ActionSpec {
  std::string_view label;
  std::string_view action_type;
  const KeyValueView* parameters = nullptr;
  std::size_t parameter_count = 0;
};

struct AlertSpec {
  std::string_view key;      // source + code: identifies the condition
  Priority priority = Priority::Info;
  std::string_view source;
  std::string_view title;
  std::string_view message;
  const ActionSpec* action = nullptr;  // optional
  const KeyValueView* metadata = nullptr;
  std::size_t metadata_count = 0;
  std::string_view group_id;
  bool persistent = false;
  bool closable = true;
  std::uint64_t expires_at_ms = 0;  // unix ms; 0: never
  // Chatter suppression: updates of this key go out at most once per interval.
  // 0xFFFFFFFF (the default): EmitterConfig::min_update_interval_ms.
  std::uint32_t min_interval_ms = 0xFFFFFFFFu;
};

}  // namespace rover_alerts
