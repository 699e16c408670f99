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

namespace {

template <std::size_t N>
fb::Offset<fb::String> string_or_null(fb::FlatBufferBuilder& b, const BoundedString<N>& s) {
  return s.empty() ? 0 : b.CreateString(s.view().data(), s.size());
}

template <std::size_t N>
fb::Offset<fb::Vector<fb::Offset<link::KeyValue>>> key_values(fb::FlatBufferBuilder& b,
                                                              const std::array<KeyValue, N>& kvs,
                                                              std::size_t count) {
  if (count == 0) return 0;
  std::array<fb::Offset<link::KeyValue>, N> offsets{};
  for (std::size_t i = 0; i < count; ++i) {
    const auto k = b.CreateString(kvs[i].key.view().data(), kvs[i].key.size());
    const auto v = b.CreateString(kvs[i].value.view().data(), kvs[i].value.size());
    offsets[i] = link::CreateKeyValue(b, k, v);
  }
  return b.CreateVector(offsets.data(), count);
}

}  // namespace

FrameEncoder::Bytes FrameEncoder::finish(link::Payload type, fb::Offset<void> payload, std::uint64_t seq,
                                         std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  const auto frame = link::CreateFrame(b, seq, sent_at_ms, type, payload);
  link::FinishSizePrefixedFrameBuffer(b, frame);
  return {b.GetBufferPointer(), b.GetSize()};
}

FrameEncoder::Bytes FrameEncoder::encode_alert(const AlertRecord& a, std::uint64_t seq,
                                               std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  b.Clear();
  fb::Offset<link::Action> action = 0;
  if (a.has_action) {
    const auto label = b.CreateString(a.action_label.view().data(), a.action_label.size());
    const auto type = b.CreateString(a.action_type.view().data(), a.action_type.size());
    const auto params = key_values(b, a.action_params, a.action_param_count);
    action = link::CreateAction(b, label, type, params);
  }
  const auto key = b.CreateString(a.key.view().data(), a.key.size());
  const auto source = b.CreateString(a.source.view().data(), a.source.size());
  const auto title = string_or_null(b, a.title);
  const auto message = b.CreateString(a.message.view().data(), a.message.size());
  const auto metadata = key_values(b, a.metadata, a.metadata_count);
  const auto group = string_or_null(b, a.group_id);
  const auto event = link::CreateAlertEvent(
      b, static_cast<link::EventKind>(a.kind), key, static_cast<link::Priority>(a.priority), source, title,
      message, action, metadata, group, a.persistent, a.closable, a.expires_at_ms, a.raised_at_ms,
      a.last_seen_ms, a.occurrences, a.truncated);
  return finish(link::Payload::AlertEvent, event.Union(), seq, sent_at_ms);
}

FrameEncoder::Bytes FrameEncoder::encode_hello(std::string_view rover_id, std::uint64_t boot_id,
                                               std::uint64_t oldest_held_seq, std::uint64_t latest_seq,
                                               bool lz4, std::uint64_t sent_at_ms) {
  auto& b = *builder_;
  b.Clear();
  const auto id = b.CreateString(rover_id.data(), rover_id.size());
  const auto hello = link::CreateHello(b, 1, id, boot_id, oldest_held_seq, latest_seq, lz4);
  return finish(link::Payload::Hello, hello.Union(), 0, sent_at_ms);
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
