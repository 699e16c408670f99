#pragma once
// FrameEncoder: builds size-prefixed link frames (schemas/link.fbs) in an arena
// reserved once by init(). Encoding never touches the heap: the FlatBufferBuilder
// runs over FixedArenaAllocator, sized so the largest possible frame fits.

#include <rover_alerts/alert_frame_writer.hpp>
#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/limits.hpp>
#include <rover_alerts/link_framing.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace rover_alerts {

// Upper bound of an encoded AlertEvent frame, size prefix included: every
// field at its bound (alert_frame_writer.hpp lays it out).
inline constexpr std::size_t kMaxAlertFrameBytes = alert_frame::kMaxBytes;
static_assert(kMaxAlertFrameBytes <= link::kMaxFrameBytes, "an alert frame must fit the link's frame cap");

// flatbuffers::Allocator over one fixed block. A second allocation would mean the
// builder outgrew the bound above: an invariant violation, so it aborts.
class FixedArenaAllocator final : public flatbuffers::Allocator {
 public:
  bool init(std::size_t bytes);
  std::uint8_t* allocate(std::size_t size) override;
  void deallocate(std::uint8_t* p, std::size_t size) override;
  std::size_t capacity() const { return capacity_; }
  std::uint8_t* data() { return block_.get(); }

 private:
  std::unique_ptr<std::uint8_t[]> block_;
  std::size_t capacity_ = 0;
  bool in_use_ = false;
};

class FrameEncoder {
 public:
  using Bytes = std::span<const std::uint8_t>;

  // Builder size for alert frames; control frames (hello, heartbeat) are small.
  static constexpr std::size_t kAlertBuilderBytes = 4 * 1024;
  static constexpr std::size_t kControlBuilderBytes = 512;
  static_assert(kAlertBuilderBytes >= kMaxAlertFrameBytes, "builder must hold the largest alert frame");

  // Reserves the arena (the only allocation). Returns false when memory is short.
  bool init(std::size_t builder_bytes = kAlertBuilderBytes);
  bool initialized() const { return builder_ != nullptr; }

  // Each encode returns the whole size-prefixed frame; the view stays valid
  // until the next encode call.
  Bytes encode_alert(const AlertRecord& alert, std::uint64_t seq, std::uint64_t sent_at_ms);
  Bytes encode_hello(std::string_view rover_id, std::uint64_t boot_id, std::uint64_t oldest_held_seq,
                     std::uint64_t latest_seq, bool lz4, std::uint64_t sent_at_ms);
  Bytes encode_heartbeat(std::uint64_t latest_seq, const std::array<std::uint64_t, kPriorityCount>& lost,
                         std::uint64_t truncated_fields, std::uint64_t ring_gap_frames,
                         std::uint64_t uptime_ms, std::uint64_t sent_at_ms);
  // An Lz4Batch frame around an already compressed block (lz4_batch_encoder.hpp).
  Bytes encode_lz4_batch(std::uint32_t raw_size, Bytes compressed, std::uint64_t sent_at_ms);

  // The builder rounds its first block up by its alignment; leave room for that.
  static constexpr std::size_t arena_bytes(std::size_t builder_bytes) { return builder_bytes + 64; }

 private:
  Bytes finish(link::Payload type, flatbuffers::Offset<void> payload, std::uint64_t seq,
               std::uint64_t sent_at_ms);

  FixedArenaAllocator arena_;
  std::unique_ptr<flatbuffers::FlatBufferBuilder> builder_;
};

}  // namespace rover_alerts
