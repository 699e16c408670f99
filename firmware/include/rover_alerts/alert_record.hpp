#pragma once
// AlertRecord: one alert state change as the emitter holds it between the
// control loop's call and the link. Fixed size, trivially copyable, no heap:
// queue slots are AlertRecords allocated once in Emitter::init().

#include <rover_alerts/bounded_string.hpp>
#include <rover_alerts/limits.hpp>
#include <rover_alerts/priority.hpp>

#include <array>
#include <cstdint>
#include <type_traits>

namespace rover_alerts {

enum class EventKind : std::uint8_t { Raise = 0, Update = 1, Clear = 2 };

struct KeyValue {
  BoundedString<limits::kKvKeyBytes> key;
  BoundedString<limits::kKvValueBytes> value;
};

// AlertSpec::min_interval_ms value meaning "the emitter's configured default".
inline constexpr std::uint32_t kDefaultMinInterval = 0xFFFFFFFFu;

struct AlertRecord {
  EventKind kind = EventKind::Raise;
  Priority priority = Priority::Info;
  bool persistent = false;
  bool closable = true;
  bool truncated = false;  // some field was cut to its bound
  bool has_action = false;
  bool priority_known = true;  // false: clear(key) without a priority; the key table supplies it
  std::uint8_t action_param_count = 0;
  std::uint8_t metadata_count = 0;
  std::uint32_t occurrences = 1;
  std::uint32_t stamp = 0;            // per-producer call order (producer_table.hpp)
  std::uint32_t min_interval_ms = kDefaultMinInterval;
  std::uint64_t expires_at_ms = 0;
  std::uint64_t raised_at_ms = 0;
  std::uint64_t last_seen_ms = 0;

  BoundedString<limits::kKeyBytes> key;
  BoundedString<limits::kSourceBytes> source;
  BoundedString<limits::kTitleBytes> title;
  BoundedString<limits::kMessageBytes> message;
  BoundedString<limits::kGroupIdBytes> group_id;
  BoundedString<limits::kActionLabelBytes> action_label;
  BoundedString<limits::kActionTypeBytes> action_type;
  std::array<KeyValue, limits::kActionParams> action_params;
  std::array<KeyValue, limits::kMetadataPairs> metadata;
};

static_assert(std::is_trivially_copyable_v<AlertRecord>, "queue slots are copied with memcpy semantics");

}  // namespace rover_alerts
