// libFuzzer target: what the link's authentication reads from the other side
// before and after it trusts it (link_auth.hpp). The input is split in two:
// the first part goes through verify_prefixed_frame() and, if it is a Proof,
// is checked against a fixed hello and challenge exactly as the relay does;
// the rest is a sealed stream, read segment by segment as LinkSession and
// LinkConnection read it: each header checked against its bounds, each tag
// checked (a forged one must never open), and each payload's frames walked as
// they would be if the tag had checked (what a rover holding its key could
// send), so the sanitizers see every read.

#include <rover_alerts/link_auth.hpp>
#include <rover_alerts/link_framing.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace wire = rover_alerts::link;

namespace {

volatile std::size_t g_sink;

struct Fixture {
  wire::LinkKey key{};
  std::vector<std::uint8_t> hello{'h', 'e', 'l', 'l', 'o'};
  std::vector<std::uint8_t> challenge{'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e'};
  wire::LinkProof expected{};
  wire::HandshakeMac mac;
  wire::SegmentSeal opener;
  Fixture() {
    key.fill(0x11);
    if (!mac.init(key) || !mac.compute(wire::kRoverProofLabel, hello, challenge, expected) || !opener.init())
      std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  if (size < 2) return 0;
  const std::size_t split = std::min<std::size_t>(data[0] * 4u, size - 1);
  // The handshake: a Proof frame (anything else is refused by the relay).
  std::vector<std::uint64_t> aligned((split + 7) / 8 + 1);
  auto* first = reinterpret_cast<std::uint8_t*>(aligned.data());
  std::copy(data + 1, data + 1 + split, first);
  const auto decoded = wire::verify_prefixed_frame(first, split);
  if (decoded.status == wire::FrameStatus::Ok) {
    if (const auto* proof = decoded.frame->payload_as_Proof()) {
      // A proof from the fuzzer never matches the key it does not know.
      if (wire::proofs_equal(f.expected, {proof->mac()->data(), proof->mac()->size()})) __builtin_trap();
    }
  }
  // The sealed stream, under a fixed session key.
  std::array<std::uint8_t, 32> session{};
  if (!f.opener.start(session, wire::Direction::RoverToRelay)) std::abort();
  const std::uint8_t* at = data + 1 + split;
  std::size_t left = size - 1 - split;
  while (left >= wire::kSealHeaderBytes) {
    std::uint32_t payload = 0;
    if (wire::read_seal_header(at, payload) != wire::SealHeaderStatus::Ok) break;
    if (payload > wire::kMaxSealedPayloadBytes) __builtin_trap();
    const std::size_t whole = wire::kSealHeaderBytes + payload + wire::kSealTagBytes;
    if (left < whole) break;
    // Aligned as the readers hold it: header then payload in one 8-byte aligned buffer.
    std::vector<std::uint64_t> buffer((whole + 7) / 8);
    auto* bytes = reinterpret_cast<std::uint8_t*>(buffer.data());
    std::copy(at, at + whole, bytes);
    const std::span<const std::uint8_t> segment(bytes, whole);
    if (f.opener.open(segment.first(wire::kSealHeaderBytes), segment.subspan(wire::kSealHeaderBytes, payload),
                      segment.last(wire::kSealTagBytes)))
      __builtin_trap();  // a tag the fuzzer made up opened: forgery
    wire::for_each_prefixed_frame(bytes + wire::kSealHeaderBytes, payload, wire::kMaxFrameBytes,
                                  [](const wire::Frame& frame) {
                                    g_sink = g_sink + frame.seq() + static_cast<std::size_t>(frame.payload_type());
                                    return true;
                                  });
    g_sink = g_sink + wire::whole_frames_prefix(segment.subspan(wire::kSealHeaderBytes, payload));
    at += whole;
    left -= whole;
  }
  return 0;
}
