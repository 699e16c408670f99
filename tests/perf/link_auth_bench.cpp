// link-auth-bench: what authenticating the rover link costs, on the machine
// it runs on (the ARM figures under qemu-user; docs/performance.md):
//   link-auth-bench
//   link-auth-bench --relay HOST:PORT --rover-id ID --key HEX   (also: handshakes with a real relay)
// Prints the time to seal one segment (a lone alert frame; a full segment,
// 64 KiB, as a saturated link sends them), the rover's handshake
// computation, and the bytes the handshake and each segment add. Measured,
// never asserted.

#include <rover_alerts/emitter.hpp>
#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/link_auth.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
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

// Median time from a fresh emitter's first poll to its link being up (TCP
// connect, Hello, Challenge, Proof, sealed HelloReply) against a real relay.
double handshake_us(const std::string& host, std::uint16_t port, const std::string& rover, const link::LinkKey& key,
                    int count) {
  std::vector<double> times;
  for (int i = 0; i < count; ++i) {
    EmitterConfig c;
    c.rover_id = rover;
    c.relay_host = host.c_str();
    c.relay_port = port;
    c.has_link_key = true;
    c.link_key = key;
    Emitter e;
    if (e.init(c) != Status::Ok) return -1;
    const auto t0 = Clock::now();
    while (!e.link_up()) {
      e.poll(1);
      if (Clock::now() - t0 > std::chrono::seconds(5)) return -1;
    }
    times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string relay, rover = "rover-1";
  link::LinkKey relay_key{};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--relay")) relay = argv[i + 1];
    else if (!std::strcmp(argv[i], "--rover-id")) rover = argv[i + 1];
    else if (!std::strcmp(argv[i], "--key") && link::parse_key_hex(argv[i + 1], relay_key)) continue;
    else {
      std::fprintf(stderr, "usage: link-auth-bench [--relay HOST:PORT --rover-id ID --key HEX]\n");
      return 2;
    }
  }
  constexpr std::size_t kTypicalFrame = 320;    // a typical alert frame (docs/performance.md)
  constexpr std::size_t kFullSend = 64 * 1024;  // a full segment: what a saturated link sends
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

  double handshake_real_us = -1;
  if (const auto colon = relay.rfind(':'); colon != std::string::npos)
    handshake_real_us = handshake_us(relay.substr(0, colon), static_cast<std::uint16_t>(std::stoi(relay.substr(colon + 1))),
                                     rover, relay_key, 50);
  std::printf("{\"suite\":\"link_auth\",\"handshake_us_p50_real_relay\":%.0f,\"seal_ns_one_frame\":%.0f,\"seal_ns_64KiB\":%.0f,"
              "\"seal_ns_per_frame_in_64KiB\":%.0f,\"segment_overhead_bytes\":%zu,\"typical_frame_bytes\":%zu,"
              "\"handshake_rover_cpu_us\":%.1f,\"hello_bytes_plain\":%zu,\"hello_bytes_with_nonce\":%zu,"
              "\"challenge_bytes\":%zu,\"proof_bytes\":%zu,\"handshake_extra_bytes\":%zu}\n",
              handshake_real_us, seal_one, seal_full, seal_full * kTypicalFrame / kFullSend, link::kSealHeaderBytes + link::kSealTagBytes, kTypicalFrame,
              handshake_ns / 1000, plain_hello, hello.size(), challenge.size(), proof_bytes,
              hello.size() - plain_hello + challenge.size() + proof_bytes + 2 * (link::kSealHeaderBytes + link::kSealTagBytes));
  return 0;
}
