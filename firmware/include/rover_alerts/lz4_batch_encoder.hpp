#pragma once
// Lz4BatchEncoder: turns a run of whole alert frames from the replay ring into
// one Lz4Batch frame (lz4_batch.hpp). Everything it needs -- lz4's state, the
// compressed block, the frame builder's arena -- is reserved by init(); encoding
// never touches the heap (LZ4_compress_fast_extState over the reserved state).

#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/lz4_batch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace rover_alerts {

class Lz4BatchEncoder {
 public:
  using Bytes = std::span<const std::uint8_t>;

  bool init();
  bool initialized() const { return state_ != nullptr; }

  // The Lz4Batch frame holding `raw` (whole size-prefixed frames, at most
  // link::kMaxLz4BatchRawBytes), valid until the next call; empty when
  // compressing would not make it smaller (then the frames go as they are).
  Bytes encode(Bytes raw, std::uint64_t sent_at_ms);

  static std::size_t reserved_bytes();

 private:
  std::unique_ptr<std::uint64_t[]> state_;  // lz4 wants its state 8-byte aligned
  std::unique_ptr<char[]> block_;
  FrameEncoder frame_;
};

}  // namespace rover_alerts
