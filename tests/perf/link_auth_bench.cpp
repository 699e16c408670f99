// link-auth-bench: what authenticating the rover link costs, on the machine
// it runs on (the ARM figures under qemu-user; docs/performance.md):
//   link-auth-bench --json
// Prints the time to seal one segment (a lone alert frame; a full segment,
// 64 KiB, as a saturated link sends them), the rover's handshake
// computation, and the bytes the handshake and each segment add. Measured,
// never asserted.

#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/link_auth.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace rover_alerts;
using Clock = std::chrono::steady_clock;

namespace {

// Median of `rounds` timings of `n` calls of `f`, in ns per call.
template <class F>
double ns_per_call(int n, F&& f, int rounds = 5) {
  std::vector<double> times;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) f();
    times.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

double seal_ns(std::size_t payload_bytes, int n) {
  link::SegmentSeal seal;
  std::array<std::uint8_t, 32> key{};
  if (!seal.init() || !seal.start(key, link::Direction::RoverToRelay)) return -1;
  std::vector<std::uint8_t> payload(payload_bytes, 0x5a);
  std::array<std::uint8_t, link::kSealHeaderBytes> header{};
  link::write_seal_header(header.data(), static_cast<std::uint32_t>(payload_bytes));
  link::SealTag tag{};
  return ns_per_call(n, [&] { seal.seal(header, payload, tag); });
}

}  // namespace

int main() {
  constexpr std::size_t kTypicalFrame = 320;         // a typical alert frame (docs/performance.md)
  constexpr std::size_t kFullSend = 64 * 1024;            // a full segment: what a saturated link sends
  const double seal_one = seal_ns(kTypicalFrame, 20000);
  const double seal_full = seal_ns(kFullSend, 2000);

  FrameEncoder encoder;
  encoder.init();
  const link::LinkNonce nonce{};
  const auto plain_hello = encoder.encode_hello("rover-1", 1, 0, 0, true, {}, 0).size();
  const auto hello_bytes = encoder.encode_hello("rover-1", 1, 0, 0, true, nonce, 0);
  const std::vector<std::uint8_t> hello(hello_bytes.begin(), hello_bytes.end());
  const link::LinkProof mac{};
  const auto proof_bytes = encoder.encode_proof(mac, 0).size();
  flatbuffers::FlatBufferBuilder b;
  link::FinishSizePrefixedFrameBuffer(b, link::CreateFrame(b, 0, 0, link::Payload::Challenge,
                                                           link::CreateChallenge(b, b.CreateVector(nonce.data(), nonce.size())).Union()));
  const std::vector<std::uint8_t> challenge(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());

  // The rover's part of a handshake: two HMACs under its keyed context, keying the seals.
  link::HandshakeMac hmac;
  link::LinkKey key{};
  hmac.init(key);
  link::SegmentSeal in, out;
  in.init();
  out.init();
  const double handshake_ns = ns_per_call(2000, [&] {
    std::array<std::uint8_t, 32> proof{}, session{};
    hmac.compute(link::kRoverProofLabel, hello, challenge, proof);
    hmac.compute(link::kSessionKeyLabel, hello, challenge, session);
    in.start(session, link::Direction::RelayToRover);
    out.start(session, link::Direction::RoverToRelay);
  });

  std::printf("{\"suite\":\"link_auth\",\"seal_ns_one_frame\":%.0f,\"seal_ns_64KiB\":%.0f,"
              "\"seal_ns_per_frame_in_64KiB\":%.0f,\"segment_overhead_bytes\":%zu,\"typical_frame_bytes\":%zu,"
              "\"handshake_rover_cpu_us\":%.1f,\"hello_bytes_plain\":%zu,\"hello_bytes_with_nonce\":%zu,"
              "\"challenge_bytes\":%zu,\"proof_bytes\":%zu,\"handshake_extra_bytes\":%zu}\n",
              seal_one, seal_full, seal_full * kTypicalFrame / kFullSend, link::kSealHeaderBytes + link::kSealTagBytes, kTypicalFrame,
              handshake_ns / 1000, plain_hello, hello.size(), challenge.size(), proof_bytes,
              hello.size() - plain_hello + challenge.size() + proof_bytes + 2 * (link::kSealHeaderBytes + link::kSealTagBytes));
  return 0;
}
