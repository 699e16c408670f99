// Writes a few valid link frames (one per payload a rover sends, with every
// optional field set) into the folder given, as the link fuzzer's seed corpus.
// Generated at build time so that no binary blobs live in the repository.

#include <rover_alerts/link_framing.hpp>
#include <rover_alerts/lz4_batch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace wire = rover_alerts::link;

namespace {

template <class Payload>
bool write_frame(const std::string& path, flatbuffers::FlatBufferBuilder& builder, wire::Payload type,
                 flatbuffers::Offset<Payload> payload, std::uint64_t seq) {
  builder.FinishSizePrefixed(wire::CreateFrame(builder, seq, 1700000000000, type, payload.Union()),
                             wire::FrameIdentifier());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  {
    flatbuffers::FlatBufferBuilder b;
    ok &= write_frame(dir + "/hello", b, wire::Payload::Hello,
                      wire::CreateHello(b, 1, b.CreateString("rover-1"), 0x1234, 3, 9, true), 0);
  }
  {
    flatbuffers::FlatBufferBuilder b;
    const auto params = std::vector{wire::CreateKeyValue(b, b.CreateString("reason"), b.CreateString("low"))};
    const auto action = wire::CreateAction(b, b.CreateString("Return"), b.CreateString("nav.rtb"), b.CreateVector(params));
    const auto metadata = std::vector{wire::CreateKeyValue(b, b.CreateString("soc"), b.CreateString("18")),
                                      wire::CreateKeyValue(b, b.CreateString("cell"), b.CreateString("3"))};
    const auto event = wire::CreateAlertEvent(
        b, wire::EventKind::Raise, b.CreateString("power/battery-low"), wire::Priority::High,
        b.CreateString("power"), b.CreateString("Battery Low"), b.CreateString("Battery at 18%"), action,
        b.CreateVector(metadata), b.CreateString("power"), true, false, 1700000100000, 1700000000000,
        1700000000500, 2, true);
    ok &= write_frame(dir + "/alert_event", b, wire::Payload::AlertEvent, event, 7);
  }
  {
    flatbuffers::FlatBufferBuilder b;
    const std::vector<std::uint64_t> lost{0, 1, 2, 3, 4, 5};
    ok &= write_frame(dir + "/heartbeat", b, wire::Payload::Heartbeat,
                      wire::CreateHeartbeat(b, 9, b.CreateVector(lost), 1, 2, 3000), 0);
  }
  {
    flatbuffers::FlatBufferBuilder b;
    ok &= write_frame(dir + "/operator_ack", b, wire::Payload::OperatorAck,
                      wire::CreateOperatorAck(b, b.CreateString("k"), b.CreateString("rover-1-00-1"),
                                              b.CreateString("oscar"), 1700000000000),
                      0);
  }
  {
    // Two heartbeats back to back, lz4-compressed: the way into the batch path.
    std::vector<std::uint8_t> raw;
    for (std::uint64_t seq = 1; seq <= 2; ++seq) {
      flatbuffers::FlatBufferBuilder inner;
      const std::vector<std::uint64_t> lost{0, 0, 0, 0, seq};
      inner.FinishSizePrefixed(
          wire::CreateFrame(inner, 0, 1700000000000, wire::Payload::Heartbeat,
                            wire::CreateHeartbeat(inner, seq, inner.CreateVector(lost), 0, 0, 1000).Union()),
          wire::FrameIdentifier());
      raw.insert(raw.end(), inner.GetBufferPointer(), inner.GetBufferPointer() + inner.GetSize());
    }
    std::vector<char> block(LZ4_compressBound(static_cast<int>(raw.size())));
    const int n = LZ4_compress_default(reinterpret_cast<const char*>(raw.data()), block.data(),
                                       static_cast<int>(raw.size()), static_cast<int>(block.size()));
    flatbuffers::FlatBufferBuilder b;
    const auto data = b.CreateVector(reinterpret_cast<const std::uint8_t*>(block.data()), static_cast<std::size_t>(n));
    ok &= n > 0 && write_frame(dir + "/lz4_batch", b, wire::Payload::Lz4Batch,
                               wire::CreateLz4Batch(b, static_cast<std::uint32_t>(raw.size()), data), 0);
  }
  if (!ok) std::fprintf(stderr, "link_seed_generator: cannot write to %s\n", dir.c_str());
  return ok ? 0 : 1;
}
