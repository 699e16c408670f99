#include <rover_alerts/staging_record.hpp>
#include <rover_alerts/small_copy.hpp>

#include <algorithm>
#include <cstring>

namespace rover_alerts {

namespace {

enum Flag : std::uint8_t {
  kPersistent = 1,
  kClosable = 2,
  kTruncated = 4,
  kHasAction = 8,
  kPriorityKnown = 16,
};

// Appends `s` cut to `bound` at a UTF-8 boundary; counts a cut in `truncated`.
// The general case, out of line: strings over 32 bytes or over their bound.
[[gnu::noinline]] std::uint8_t* put_long(std::uint8_t* at, std::string_view s, std::size_t bound, unsigned& truncated) {
  const std::size_t n = utf8_prefix_length(s, bound);
  truncated += n != s.size() ? 1u : 0u;
  const auto len = static_cast<std::uint16_t>(n);
  std::memcpy(at, &len, sizeof len);
  copy_small(at + sizeof len, s.data(), n);
  return at + sizeof len + n;
}

// The same for the strings alerts are mostly made of (up to 32 bytes, within
// their bound), inline: no call, and each field's copy has branches of its own
// to predict. Why: a warm raise is bound by its instruction count, and each
// call of one shared writer cost an argument shuffle, a call and a memory
// round trip for `truncated`. A typical raise went from 664 to 536
// instructions (valgrind), and over six interleaved bench runs the median
// isolated-raise p50 from 140 to 105 ns (one thread) and 155 to 130 ns (two).
// The code is larger (encode_staging 2.8 KB) but only the taken paths run.
inline std::uint8_t* put(std::uint8_t* at, std::string_view s, std::size_t bound, unsigned& truncated) {
  const std::size_t n = s.size();
  if (n > 32 || n > bound) [[unlikely]]
    return put_long(at, s, bound, truncated);
  const auto len = static_cast<std::uint16_t>(n);
  std::memcpy(at, &len, sizeof len);
  copy_upto32(at + sizeof len, s.data(), n);
  return at + sizeof len + n;
}

inline std::uint8_t* put_pairs(std::uint8_t* at, const KeyValueView* pairs, std::size_t count, std::size_t max,
                               std::uint8_t& written, unsigned& truncated) {
  const std::size_t n = pairs != nullptr ? std::min(count, max) : 0;
  for (std::size_t i = 0; i < n; ++i) {
    at = put(at, pairs[i].key, limits::kKvKeyBytes, truncated);
    at = put(at, pairs[i].value, limits::kKvValueBytes, truncated);
  }
  written = static_cast<std::uint8_t>(n);
  if (pairs != nullptr) truncated += static_cast<unsigned>(count - n);
  return at;
}

template <typename View>  // std::string_view or TextRef
inline const std::uint8_t* view(const std::uint8_t* at, View& out) {
  std::uint16_t len = 0;
  std::memcpy(&len, at, sizeof len);
  out = std::string_view{reinterpret_cast<const char*>(at + sizeof len), len};
  return at + sizeof len + len;
}


}  // namespace

// Each header field is stored straight into the record: a header composed on
// the stack and copied as a whole would be read back with wide loads right
// after narrow stores, which the CPU cannot forward (a stall per raise).
template <typename T>
inline void put_field(std::uint8_t* record, std::size_t offset, T value) {
  std::memcpy(record + offset, &value, sizeof value);
}

StagingWrite encode_staging(std::uint8_t* out, EventKind kind, const AlertSpec& a, std::uint64_t now_ms,
                            std::uint32_t stamp, bool priority_known) {
  using staging::Header;
  unsigned truncated = 0;
  std::uint8_t action_params = 0, metadata = 0;
  std::uint8_t* at = out + sizeof(Header);
  at = put(at, a.key, limits::kKeyBytes, truncated);
  at = put(at, a.source, limits::kSourceBytes, truncated);
  at = put(at, a.title, limits::kTitleBytes, truncated);
  at = put(at, a.message, limits::kMessageBytes, truncated);
  at = put(at, a.group_id, limits::kGroupIdBytes, truncated);
  if (a.action != nullptr) {
    at = put(at, a.action->label, limits::kActionLabelBytes, truncated);
    at = put(at, a.action->action_type, limits::kActionTypeBytes, truncated);
    at = put_pairs(at, a.action->parameters, a.action->parameter_count, limits::kActionParams, action_params,
                   truncated);
  }
  at = put_pairs(at, a.metadata, a.metadata_count, limits::kMetadataPairs, metadata, truncated);
  const auto flags = static_cast<std::uint8_t>((a.persistent ? kPersistent : 0) | (a.closable ? kClosable : 0) |
                                               (truncated != 0 ? kTruncated : 0) |
                                               (a.action != nullptr ? kHasAction : 0) |
                                               (priority_known ? kPriorityKnown : 0));
  put_field(out, offsetof(Header, stamp), stamp);
  put_field(out, offsetof(Header, min_interval_ms), a.min_interval_ms);
  put_field(out, offsetof(Header, expires_at_ms), a.expires_at_ms);
  put_field(out, offsetof(Header, now_ms), now_ms);
  put_field(out, offsetof(Header, kind), kind);
  put_field(out, offsetof(Header, priority), a.priority);
  put_field(out, offsetof(Header, flags), flags);
  put_field(out, offsetof(Header, action_param_count), action_params);
  put_field(out, offsetof(Header, metadata_count), metadata);
  return {static_cast<std::size_t>(at - out), truncated};
}

// One header field of the record at `record` (the record need not be aligned).
template <typename T>
inline T header_field(const std::uint8_t* record, std::size_t offset) {
  T value{};
  std::memcpy(&value, record + offset, sizeof value);
  return value;
}

std::uint32_t staging_stamp(const std::uint8_t* record) {
  return header_field<std::uint32_t>(record, offsetof(staging::Header, stamp));
}
Priority staging_priority(const std::uint8_t* record) {
  return header_field<Priority>(record, offsetof(staging::Header, priority));
}
EventKind staging_kind(const std::uint8_t* record) {
  return header_field<EventKind>(record, offsetof(staging::Header, kind));
}

StagingPeek staging_peek(const std::uint8_t* record) {
  StagingPeek peek;
  peek.kind = staging_kind(record);
  peek.priority = staging_priority(record);
  peek.min_interval_ms = header_field<std::uint32_t>(record, offsetof(staging::Header, min_interval_ms));
  peek.now_ms = header_field<std::uint64_t>(record, offsetof(staging::Header, now_ms));
  view(view(record + sizeof(staging::Header), peek.key), peek.source);  // the first two strings
  return peek;
}

void decode_staging(const std::uint8_t* record, AlertRecord& r) {
  assign_view(r, staged_view(record, {}));  // each string within its bound already (encode_staging cut it)
  staging::Header h;
  std::memcpy(&h, record, sizeof h);
  r.priority_known = (h.flags & kPriorityKnown) != 0;
  r.stamp = h.stamp;
  r.min_interval_ms = h.min_interval_ms;
}

AlertView staged_view(const std::uint8_t* record, std::string_view default_source) {
  staging::Header h;
  std::memcpy(&h, record, sizeof h);
  AlertView v;
  v.kind = h.kind;
  v.priority = h.priority;
  v.persistent = (h.flags & kPersistent) != 0;
  v.closable = (h.flags & kClosable) != 0;
  v.truncated = (h.flags & kTruncated) != 0;
  v.has_action = (h.flags & kHasAction) != 0;
  v.action_param_count = h.action_param_count;
  v.metadata_count = h.metadata_count;
  v.occurrences = 1;
  v.expires_at_ms = h.expires_at_ms;
  v.raised_at_ms = h.now_ms;
  v.last_seen_ms = h.now_ms;
  const std::uint8_t* at = record + sizeof h;
  at = view(at, v.key);
  at = view(at, v.source);
  at = view(at, v.title);
  at = view(at, v.message);
  at = view(at, v.group_id);
  if (v.has_action) {
    at = view(at, v.action_label);
    at = view(at, v.action_type);
    for (std::size_t i = 0; i < v.action_param_count; ++i) {
      at = view(at, v.action_params[i].key);
      at = view(at, v.action_params[i].value);
    }
  }
  for (std::size_t i = 0; i < v.metadata_count; ++i) {
    at = view(at, v.metadata[i].key);
    at = view(at, v.metadata[i].value);
  }
  if (v.source.empty()) v.source = default_source;
  return v;
}

static_assert(sizeof(staging::Header) == 32, "the header is half a cache line");

}  // namespace rover_alerts
