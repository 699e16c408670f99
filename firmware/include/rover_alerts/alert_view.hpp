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
#include <type_traits>

namespace rover_alerts {

// A view of one string that a default construction leaves unset. Why: an
// AlertView carries 12 key/value pairs (384 bytes) of which a typical alert
// uses three; zeroing them all on every view was a `rep stos` that took 45%
// of staged_view() on a saturated link. Only the pairs below a view's counts
// are ever set or read.
struct TextRef {
  const char* data;
  std::size_t size;
  TextRef() = default;
  TextRef(std::string_view s) : data(s.data()), size(s.size()) {}  // implicit: a view converts both ways
  operator std::string_view() const { return {data, size}; }
};

struct KeyValueText {
  TextRef key;
  TextRef value;
};
static_assert(std::is_trivially_default_constructible_v<KeyValueText>, "unused pairs of a view are never written");

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
  // Set (and read) only below action_param_count and metadata_count.
  std::array<KeyValueText, limits::kActionParams> action_params;
  std::array<KeyValueText, limits::kMetadataPairs> metadata;
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

// Writes `v` into `dst`, touching only the bytes in use (a record is a few KiB
// of bounds but typically a few hundred bytes of text). Every string of `v`
// must be within its bound. The record-only fields (stamp, min_interval_ms,
// priority_known) are left to the caller.
inline void assign_view(AlertRecord& dst, const AlertView& v) {
  dst.kind = v.kind;
  dst.priority = v.priority;
  dst.persistent = v.persistent;
  dst.closable = v.closable;
  dst.truncated = v.truncated;
  dst.has_action = v.has_action;
  dst.action_param_count = v.action_param_count;
  dst.metadata_count = v.metadata_count;
  dst.occurrences = v.occurrences;
  dst.expires_at_ms = v.expires_at_ms;
  dst.raised_at_ms = v.raised_at_ms;
  dst.last_seen_ms = v.last_seen_ms;
  dst.key.assign(v.key);
  dst.source.assign(v.source);
  dst.title.assign(v.title);
  dst.message.assign(v.message);
  dst.group_id.assign(v.group_id);
  dst.action_label.assign(v.action_label);
  dst.action_type.assign(v.action_type);
  for (std::size_t i = 0; i < v.action_param_count; ++i) {
    dst.action_params[i].key.assign(v.action_params[i].key);
    dst.action_params[i].value.assign(v.action_params[i].value);
  }
  for (std::size_t i = 0; i < v.metadata_count; ++i) {
    dst.metadata[i].key.assign(v.metadata[i].key);
    dst.metadata[i].value.assign(v.metadata[i].value);
  }
}

// Copies `src` into `dst`, touching only the bytes in use.
inline void copy_record(AlertRecord& dst, const AlertRecord& src) {
  assign_view(dst, view_of(src));
  dst.priority_known = src.priority_known;
  dst.stamp = src.stamp;
  dst.min_interval_ms = src.min_interval_ms;
}

}  // namespace rover_alerts
