#include <rover_alerts/frame_encoder.hpp>

#include <cstdlib>
#include <new>

namespace rover_alerts {

namespace fb = flatbuffers;

bool FixedArenaAllocator::init(std::size_t bytes) {
  if (block_) return false;
  block_.reset(new (std::nothrow) std::uint8_t[bytes]);
  if (!block_) return false;
  capacity_ = bytes;
  return true;
}

std::uint8_t* FixedArenaAllocator::allocate(std::size_t size) {
  // Invariant: the builder is sized for the largest frame and allocates once.
  if (in_use_ || size > capacity_) std::abort();
  in_use_ = true;
  return block_.get();
}

void FixedArenaAllocator::deallocate(std::uint8_t* p, std::size_t) {
  if (p == block_.get()) in_use_ = false;
}

bool FrameEncoder::init(std::size_t builder_bytes) {
  if (builder_) return false;
  if (!arena_.init(arena_bytes(builder_bytes))) return false;
  // The builder object itself is the only other allocation, made here, once.
  builder_.reset(new (std::nothrow) fb::FlatBufferBuilder(builder_bytes, &arena_, false));
  return builder_ != nullptr;
}

FrameEncoder::Bytes FrameEncoder::finish(link::Payload type, fb::Offset<void> payload, std::uint64_t seq,
                                         std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  const auto frame = link::CreateFrame(b, seq, sent_at_ms, type, payload);
  link::FinishSizePrefixedFrameBuffer(b, frame);
  return {b.GetBufferPointer(), b.GetSize()};
}

FrameEncoder::Bytes FrameEncoder::encode_hello(std::string_view rover_id, std::uint64_t boot_id,
                                               std::uint64_t oldest_held_seq, std::uint64_t latest_seq,
                                               bool lz4, std::span<const std::uint8_t> nonce,
                                               std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  b.Clear();
  const auto id = b.CreateString(rover_id.data(), rover_id.size());
  const auto nonce_vec = nonce.empty() ? fb::Offset<fb::Vector<std::uint8_t>>() : b.CreateVector(nonce.data(), nonce.size());
  const auto hello = link::CreateHello(b, 1, id, boot_id, oldest_held_seq, latest_seq, lz4, nonce_vec);
  return finish(link::Payload::Hello, hello.Union(), 0, sent_at_ms);
}

FrameEncoder::Bytes FrameEncoder::encode_proof(std::span<const std::uint8_t> mac, std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  b.Clear();
  const auto mac_vec = b.CreateVector(mac.data(), mac.size());
  return finish(link::Payload::Proof, link::CreateProof(b, mac_vec).Union(), 0, sent_at_ms);
}

FrameEncoder::Bytes FrameEncoder::encode_heartbeat(std::uint64_t latest_seq,
                                                   const std::array<std::uint64_t, kPriorityCount>& lost,
                                                   std::uint64_t truncated_fields, std::uint64_t ring_gap_frames,
                                                   std::uint64_t uptime_ms, std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  b.Clear();
  const auto lost_vec = b.CreateVector(lost.data(), lost.size());
  const auto hb = link::CreateHeartbeat(b, latest_seq, lost_vec, truncated_fields, ring_gap_frames, uptime_ms);
  return finish(link::Payload::Heartbeat, hb.Union(), 0, sent_at_ms);
}

FrameEncoder::Bytes FrameEncoder::encode_lz4_batch(std::uint32_t raw_size, Bytes compressed,
                                                   std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  b.Clear();
  const auto data = b.CreateVector(compressed.data(), compressed.size());
  const auto batch = link::CreateLz4Batch(b, raw_size, data);
  return finish(link::Payload::Lz4Batch, batch.Union(), 0, sent_at_ms);
}

}  // namespace rover_alerts
