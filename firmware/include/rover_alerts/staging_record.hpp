#pragma once
// Staging record: one raise/update/clear on its way from a producer thread to
// the link thread, in a compact variable-length form: a 32-byte header, then
// each string the call carries as a 16-bit length and its bytes, back to back.
// A call writes -- and the link thread reads -- only the bytes it uses, into
// the producer's StagingRing (staging_ring.hpp); the link thread decodes it
// into an AlertRecord of its own.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/alert_view.hpp>
#include <rover_alerts/alert_spec.hpp>
#include <rover_alerts/limits.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rover_alerts {

namespace staging {

struct Header {
  std::uint32_t stamp = 0;  // per-producer call order (producer_table.hpp)
  std::uint32_t min_interval_ms = kDefaultMinInterval;
  std::uint64_t expires_at_ms = 0;
  std::uint64_t now_ms = 0;  // raised_at and last_seen
  EventKind kind = EventKind::Raise;
  Priority priority = Priority::Info;
  std::uint8_t flags = 0;
  std::uint8_t action_param_count = 0;
  std::uint8_t metadata_count = 0;
};

inline constexpr std::size_t kMaxStrings = 7 + 2 * (limits::kActionParams + limits::kMetadataPairs);
inline constexpr std::size_t kMaxBytes =
    sizeof(Header) + kMaxStrings * sizeof(std::uint16_t) + limits::kKeyBytes + limits::kSourceBytes +
    limits::kTitleBytes + limits::kMessageBytes + limits::kGroupIdBytes + limits::kActionLabelBytes +
    limits::kActionTypeBytes + (limits::kActionParams + limits::kMetadataPairs) * (limits::kKvKeyBytes + limits::kKvValueBytes);

// Staging rings are sized in records of this many bytes (EmitterConfig::
// staging_capacity of them): a typical alert -- title, an action with a
// parameter, two metadata pairs -- takes about 300.
inline constexpr std::size_t kTypicalBytes = 512;

}  // namespace staging

struct StagingWrite {
  std::size_t bytes = 0;    // the record's size
  unsigned truncated = 0;   // fields cut to their bound (a pair beyond the bound counts as one)
};

// Writes the call at `out`, which has room for staging::kMaxBytes.
// `priority_known` false: a clear whose priority the key table supplies.
StagingWrite encode_staging(std::uint8_t* out, EventKind kind, const AlertSpec& alert, std::uint64_t now_ms,
                            std::uint32_t stamp, bool priority_known);

// Single header fields of the record at `record`, its strings left unread:
// the stamp (the link thread orders by it), the priority and the kind.
std::uint32_t staging_stamp(const std::uint8_t* record);
Priority staging_priority(const std::uint8_t* record);
EventKind staging_kind(const std::uint8_t* record);

// What the link thread needs to route a record, and to start tracking its key.
struct StagingPeek {
  EventKind kind = EventKind::Raise;
  Priority priority = Priority::Info;
  std::uint32_t min_interval_ms = kDefaultMinInterval;
  std::uint64_t now_ms = 0;
  std::string_view key;     // into the record
  std::string_view source;  // into the record; empty: "as raised"
};
StagingPeek staging_peek(const std::uint8_t* record);

// Decodes the record at `record` into `out` (every field of `out` is set).
void decode_staging(const std::uint8_t* record, AlertRecord& out);

// The record at `record` as the frame writer reads it, without copying its
// text (valid while the record is): a first occurrence, raised when staged.
// An empty source (an update "as raised") reads as `default_source`.
AlertView staged_view(const std::uint8_t* record, std::string_view default_source);

}  // namespace rover_alerts
