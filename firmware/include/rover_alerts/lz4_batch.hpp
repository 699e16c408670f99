#pragma once
// Lz4Batch frames (schemas/link.fbs): whole alert frames, back to back as they
// sit in the rover's replay ring, compressed as one lz4 block. Sent only when
// Hello and HelloReply both said lz4. Shared by both ends, like link_framing.hpp.
//
// The receiver trusts nothing in a batch: the declared raw size is checked
// against a hard bound before a byte is decompressed, decompression may write
// at most that many bytes and must produce exactly that many, and each inner
// frame then goes through verify_prefixed_frame() like a frame off the socket.
// Batches do not nest.

#include <rover_alerts/link_framing.hpp>

#include <lz4.h>

#include <cstddef>
#include <cstdint>

namespace rover_alerts::link {

// Raw bytes of one batch at most: bounds the receiver's buffer and the work
// one frame can cause.
inline constexpr std::size_t kMaxLz4BatchRawBytes = 32 * 1024;
// An Lz4Batch frame around lz4's worst case (incompressible input).
inline constexpr std::size_t kLz4BatchFrameOverheadBytes = 128;
inline constexpr std::size_t kMaxLz4BatchFrameBytes =
    LZ4_COMPRESSBOUND(kMaxLz4BatchRawBytes) + kLz4BatchFrameOverheadBytes;
static_assert(kMaxLz4BatchFrameBytes <= kMaxFrameBytes, "a batch must fit the link's frame cap");

enum class BatchStatus : std::uint8_t {
  Ok,
  BadRawSize,     // declared raw size 0 or over the bound
  Corrupt,        // not a valid lz4 block, or it decompresses to more than declared
  SizeMismatch,   // decompresses to fewer bytes than declared
  BadInnerFrame,  // an inner frame failed verification or is cut short
  NestedBatch,    // an inner frame is itself a batch
};

inline const char* to_string(BatchStatus s) {
  switch (s) {
    case BatchStatus::Ok: return "ok";
    case BatchStatus::BadRawSize: return "lz4 batch raw size out of bounds";
    case BatchStatus::Corrupt: return "corrupt lz4 block";
    case BatchStatus::SizeMismatch: return "lz4 batch shorter than its declared raw size";
    case BatchStatus::BadInnerFrame: return "bad frame inside an lz4 batch";
    case BatchStatus::NestedBatch: return "lz4 batch inside an lz4 batch";
  }
  return "unknown";
}

// Decompresses a verified batch into `out` (8-byte aligned, `capacity` bytes,
// which must be at least `max_raw_bytes`). On Ok, `raw_size` bytes of `out`
// hold the inner frames.
inline BatchStatus decompress_batch(const Lz4Batch& batch, std::uint8_t* out, std::size_t capacity,
                                    std::size_t& raw_size, std::size_t max_raw_bytes = kMaxLz4BatchRawBytes) {
  raw_size = 0;
  const std::size_t declared = batch.raw_size();
  if (declared == 0 || declared > max_raw_bytes || declared > capacity) return BatchStatus::BadRawSize;
  const auto* data = batch.data();
  const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(data->Data()), reinterpret_cast<char*>(out),
                                    static_cast<int>(data->size()), static_cast<int>(declared));
  if (n < 0) return BatchStatus::Corrupt;
  if (static_cast<std::size_t>(n) != declared) return BatchStatus::SizeMismatch;
  raw_size = declared;
  return BatchStatus::Ok;
}

// Verifies each inner frame of a decompressed batch and hands it to
// `on_frame(const Frame&)`, which returns false to stop. `raw` must be 8-byte
// aligned: inner frames are multiples of 8 bytes, so each one starts aligned.
template <class OnFrame>
BatchStatus for_each_inner_frame(const std::uint8_t* raw, std::size_t size, std::size_t max_frame_bytes,
                                 OnFrame&& on_frame) {
  bool nested = false;
  const auto status = for_each_prefixed_frame(raw, size, max_frame_bytes, [&](const Frame& frame) {
    nested = frame.payload_type() == Payload::Lz4Batch;
    return !nested && on_frame(frame);
  });
  if (nested) return BatchStatus::NestedBatch;
  return status == FrameStatus::Ok ? BatchStatus::Ok : BatchStatus::BadInnerFrame;
}

}  // namespace rover_alerts::link
