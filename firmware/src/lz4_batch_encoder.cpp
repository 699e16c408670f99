#include <rover_alerts/lz4_batch_encoder.hpp>

#include <new>

namespace rover_alerts {

namespace {

constexpr std::size_t kBlockBytes = LZ4_COMPRESSBOUND(link::kMaxLz4BatchRawBytes);
constexpr std::size_t kBuilderBytes = link::kMaxLz4BatchFrameBytes;

std::size_t state_words() { return (static_cast<std::size_t>(LZ4_sizeofState()) + 7) / 8; }

}  // namespace

bool Lz4BatchEncoder::init() {
  if (state_) return false;
  // Zeroed, so that the pages are touched here and not by the first batch.
  state_.reset(new (std::nothrow) std::uint64_t[state_words()]());
  block_.reset(new (std::nothrow) char[kBlockBytes]());
  if (!state_ || !block_ || !frame_.init(kBuilderBytes)) {
    state_.reset();
    block_.reset();
    return false;
  }
  return true;
}

Lz4BatchEncoder::Bytes Lz4BatchEncoder::encode(Bytes raw, std::uint64_t sent_at_ms) {
  if (!state_ || raw.empty() || raw.size() > link::kMaxLz4BatchRawBytes) return {};
  const int n = LZ4_compress_fast_extState(state_.get(), reinterpret_cast<const char*>(raw.data()), block_.get(),
                                           static_cast<int>(raw.size()), static_cast<int>(kBlockBytes), 1);
  if (n <= 0) return {};
  const auto frame = frame_.encode_lz4_batch(static_cast<std::uint32_t>(raw.size()),
                                             {reinterpret_cast<const std::uint8_t*>(block_.get()),
                                              static_cast<std::size_t>(n)},
                                             sent_at_ms);
  if (frame.size() >= raw.size()) return {};
  return frame;
}

std::size_t Lz4BatchEncoder::reserved_bytes() {
  return state_words() * 8 + kBlockBytes + FrameEncoder::arena_bytes(kBuilderBytes) +
         sizeof(flatbuffers::FlatBufferBuilder);
}

}  // namespace rover_alerts
