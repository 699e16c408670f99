#pragma once
// AlertFrameWriter: writes an AlertEvent link frame (schemas/link.fbs) straight
// into a caller's buffer, front to back, in one pass.
//
// Why not FlatBufferBuilder: an alert frame is the link thread's hottest
// encode, and the builder spends most of its time on bookkeeping an alert does
// not need (vtable deduplication, back-to-front growth, a field table per
// object). The layout here is fixed: every table is preceded by its own
// vtable, every offset points forward, every scalar sits at its natural
// alignment from the start of the size prefix -- the rules flatbuffers::Verifier
// checks. Tests verify every frame with the Verifier and read it back with the
// generated accessors, field by field, against the FlatBufferBuilder encoding.
//
// Layout (offsets from the size prefix; each object aligned as it needs):
//   size prefix, root offset, file identifier
//   Frame vtable, Frame table (seq, sent_at_ms, payload)
//   AlertEvent vtable, AlertEvent table (every scalar present)
//   [Action vtable, Action table, parameters vector, each KeyValue with its vtable and strings]
//   [metadata vector, each KeyValue with its vtable and strings]
//   key, source, title, message, group_id strings
// The whole frame is padded to 8 bytes, as FinishSizePrefixed does, so frames
// laid back to back keep their alignment.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/alert_view.hpp>
#include <rover_alerts/limits.hpp>
#include <rover_alerts/link_framing.hpp>

#include <cstddef>
#include <cstdint>

namespace rover_alerts {

namespace alert_frame {

// Bytes of a string object: length, bytes, terminator, padding to 4.
constexpr std::size_t string_bytes(std::size_t n) { return (4 + n + 1 + 3) / 4 * 4; }

// Fixed part: prefix, root, identifier, both vtables and tables, paddings.
inline constexpr std::size_t kFixedBytes = 160;
// An Action (vtable, table) or a KeyValue (vtable, table), paddings included.
inline constexpr std::size_t kActionBytes = 32;
inline constexpr std::size_t kKeyValueBytes = 20;
inline constexpr std::size_t kVectorBytes(std::size_t n) { return 4 + 4 * n; }

// Largest frame: every field at its bound.
inline constexpr std::size_t kMaxBytes =
    kFixedBytes + string_bytes(limits::kKeyBytes) + string_bytes(limits::kSourceBytes) +
    string_bytes(limits::kTitleBytes) + string_bytes(limits::kMessageBytes) + string_bytes(limits::kGroupIdBytes) +
    kActionBytes + string_bytes(limits::kActionLabelBytes) + string_bytes(limits::kActionTypeBytes) +
    kVectorBytes(limits::kActionParams) + kVectorBytes(limits::kMetadataPairs) +
    (limits::kActionParams + limits::kMetadataPairs) *
        (kKeyValueBytes + string_bytes(limits::kKvKeyBytes) + string_bytes(limits::kKvValueBytes)) +
    8;

}  // namespace alert_frame

// Upper bound of an AlertEvent frame, size prefix included.
inline constexpr std::size_t kMaxAlertFrameBytes = alert_frame::kMaxBytes;
static_assert(kMaxAlertFrameBytes <= link::kMaxFrameBytes, "an alert frame must fit the link's frame cap");

// Writes the size-prefixed frame of `alert` into `out`, which must hold
// alert_frame::kMaxBytes; returns the frame's size. Never fails. Every
// string of `alert` must be within its limits.hpp bound.
std::size_t write_alert_frame(const AlertView& alert, std::uint64_t seq, std::uint64_t sent_at_ms,
                              std::uint8_t* out);
inline std::size_t write_alert_frame(const AlertRecord& alert, std::uint64_t seq, std::uint64_t sent_at_ms,
                                     std::uint8_t* out) {
  return write_alert_frame(view_of(alert), seq, sent_at_ms, out);
}

}  // namespace rover_alerts
