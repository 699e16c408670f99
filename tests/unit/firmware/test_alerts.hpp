#pragma once
// Test alerts shared by the firmware tests.

#include <rover_alerts/alert_frame_writer.hpp>
#include <rover_alerts/alert_record.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rover_alerts::testing {

// An alert with every field filled to its bound: the largest frame there is.
inline AlertRecord largest_alert() {
  AlertRecord r;
  r.kind = EventKind::Update;
  r.priority = Priority::High;
  r.persistent = true;
  r.closable = false;
  r.occurrences = 42;
  r.expires_at_ms = 1'900'000'000'000;
  r.raised_at_ms = 1'800'000'000'000;
  r.last_seen_ms = 1'800'000'000'500;
  r.key.assign(std::string(limits::kKeyBytes, 'k'));
  r.source.assign(std::string(limits::kSourceBytes, 's'));
  r.title.assign(std::string(limits::kTitleBytes, 't'));
  r.message.assign(std::string(limits::kMessageBytes, 'm'));
  r.group_id.assign(std::string(limits::kGroupIdBytes, 'g'));
  r.has_action = true;
  r.action_label.assign(std::string(limits::kActionLabelBytes, 'l'));
  r.action_type.assign(std::string(limits::kActionTypeBytes, 'a'));
  r.action_param_count = limits::kActionParams;
  for (auto& kv : r.action_params) {
    kv.key.assign(std::string(limits::kKvKeyBytes, 'p'));
    kv.value.assign(std::string(limits::kKvValueBytes, 'v'));
  }
  r.metadata_count = limits::kMetadataPairs;
  for (auto& kv : r.metadata) {
    kv.key.assign(std::string(limits::kKvKeyBytes, 'x'));
    kv.value.assign(std::string(limits::kKvValueBytes, 'y'));
  }
  return r;
}


// The size-prefixed AlertEvent frame of `alert`, as the emitter writes it.
inline std::vector<std::uint8_t> encoded_alert(const AlertRecord& alert, std::uint64_t seq, std::uint64_t sent_at_ms) {
  std::vector<std::uint8_t> frame(alert_frame::kMaxBytes);
  frame.resize(write_alert_frame(alert, seq, sent_at_ms, frame.data()));
  return frame;
}

}  // namespace rover_alerts::testing
