#pragma once
// AlertView: what the frame writer reads of one alert, as views into storage
// someone else owns -- an AlertRecord (view_of) or a staging record kept as
// it arrived (staged_view, staging_record.hpp). No copies: building a view
// is a few dozen loads, and the writer copies each string once, into the frame.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/limits.hpp>
#include <rover_alerts/priority.hpp>

#include <array>
#include <cstdint>
#include <string_view>

namespace rover_alerts {

struct KeyValueText {
  std::string_view key;
  std::string_view value;
};

struct AlertView {
  EventKind kind = EventKind::Raise;
  Priority priority = Priority::Info;
  bool persistent = false;
  bool closable = true;
  bool truncated = false;
  bool has_action = false;
  std::uint8_t action_param_count = 0;
  std::uint8_t metadata_count = 0;
  std::uint32_t occurrences = 1;
  std::uint64_t expires_at_ms = 0;
  std::uint64_t raised_at_ms = 0;
  std::uint64_t last_seen_ms = 0;
  std::string_view key, source, title, message, group_id, action_label, action_type;
  std::array<KeyValueText, limits::kActionParams> action_params{};
  std::array<KeyValueText, limits::kMetadataPairs> metadata{};
};

inline AlertView view_of(const AlertRecord& r) {
  AlertView v;
  v.kind = r.kind;
  v.priority = r.priority;
  v.persistent = r.persistent;
  v.closable = r.closable;
  v.truncated = r.truncated;
  v.has_action = r.has_action;
  v.action_param_count = r.action_param_count;
  v.metadata_count = r.metadata_count;
  v.occurrences = r.occurrences;
  v.expires_at_ms = r.expires_at_ms;
  v.raised_at_ms = r.raised_at_ms;
  v.last_seen_ms = r.last_seen_ms;
  v.key = r.key.view();
  v.source = r.source.view();
  v.title = r.title.view();
  v.message = r.message.view();
  v.group_id = r.group_id.view();
  v.action_label = r.action_label.view();
  v.action_type = r.action_type.view();
  for (std::size_t i = 0; i < r.action_param_count; ++i)
    v.action_params[i] = {r.action_params[i].key.view(), r.action_params[i].value.view()};
  for (std::size_t i = 0; i < r.metadata_count; ++i)
    v.metadata[i] = {r.metadata[i].key.view(), r.metadata[i].value.view()};
  return v;
}

}  // namespace rover_alerts
