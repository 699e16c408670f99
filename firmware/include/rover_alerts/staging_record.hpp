#pragma once
// StagingSlot: one raise/update/clear on its way from a producer thread to the
// link thread, in a compact variable-length form: a 32-byte header, then each
// string the call carries as a 16-bit length and its bytes, back to back.
// A slot is sized for the worst case (every field at its bound), but a call
// writes -- and the link thread reads -- only the bytes it uses: a typical
// alert is a few contiguous cache lines instead of a dozen scattered over an
// AlertRecord. The link thread decodes it into an AlertRecord of its own.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/alert_spec.hpp>
#include <rover_alerts/limits.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

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

}  // namespace staging

struct alignas(64) StagingSlot {
  // Zeroed when init() allocates the ring: its pages are touched then, not by
  // the first raises (a page fault is microseconds on the raise path).
  std::array<std::uint8_t, (staging::kMaxBytes + 63) / 64 * 64> bytes{};
};

// Writes the call into `slot`; returns the number of fields cut to their bound
// (a pair beyond the bound counts as one). `priority_known` false: a clear
// whose priority the key table supplies.
unsigned encode_staging(StagingSlot& slot, EventKind kind, const AlertSpec& alert, std::uint64_t now_ms,
                        std::uint32_t stamp, bool priority_known);

// The stamp of the record in `slot` (the link thread orders by it).
std::uint32_t staging_stamp(const StagingSlot& slot);

// Decodes the record in `slot` into `out` (every field of `out` is set).
void decode_staging(const StagingSlot& slot, AlertRecord& out);

}  // namespace rover_alerts
