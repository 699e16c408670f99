#pragma once
// FrameEncoder: builds the size-prefixed control frames of the link
// (schemas/link.fbs: hello, heartbeat, lz4 batch) in an arena reserved once by
// init(). Encoding never touches the heap: the FlatBufferBuilder runs over
// FixedArenaAllocator, sized so the largest frame fits. Alert frames, the hot
// ones, are laid out by alert_frame_writer.hpp instead.

#include <rover_alerts/limits.hpp>
#include <rover_alerts/link_framing.hpp>
#include <rover_alerts/priority.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace rover_alerts {

// flatbuffers::Allocator over one fixed block. A second allocation would mean the
// builder outgrew its size: an invariant violation, so it aborts.
class FixedArenaAllocator final : public flatbuffers::Allocator {
 public:
  bool init(std::size_t bytes);
  std::uint8_t* allocate(std::size_t size) override;
  void deallocate(std::uint8_t* p, std::size_t size) override;
  std::size_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<std::uint8_t[]> block_;
  std::size_t capacity_ = 0;
  bool in_use_ = false;
};

class FrameEncoder {
 public:
  using Bytes = std::span<const std::uint8_t>;

  // Builder size for hello and heartbeat frames (an lz4 batch needs its own).
  static constexpr std::size_t kControlBuilderBytes = 512;

  // Reserves the arena (the only allocation). Returns false when memory is short.
  bool init(std::size_t builder_bytes = kControlBuilderBytes);
  bool initialized() const { return builder_ != nullptr; }

  // Each encode returns the whole size-prefixed frame; the view stays valid
  // until the next encode call.
  // `nonce` empty: an unauthenticated hello (link_auth.hpp).
  Bytes encode_hello(std::string_view rover_id, std::uint64_t boot_id, std::uint64_t oldest_held_seq,
                     std::uint64_t latest_seq, bool lz4, std::span<const std::uint8_t> nonce,
                     std::uint64_t sent_at_ms);
  Bytes encode_proof(std::span<const std::uint8_t> mac, std::uint64_t sent_at_ms);
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
