// lz4 batches on the link: the encoder, the receiver's checks (lz4_batch.hpp)
// and the negotiation in hello, end to end over a loopback socket.

#include "loopback_relay.hpp"
#include "test_alerts.hpp"
#include "support/lz4_block.hpp"

#include <rover_alerts/emitter.hpp>
#include <rover_alerts/lz4_batch.hpp>
#include <rover_alerts/lz4_batch_encoder.hpp>

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;
using rover_alerts::testing::ReceivedFrame;

namespace {

// `count` alert frames back to back, as the replay ring holds them.
std::vector<std::uint8_t> alert_frames(int count) {
  std::vector<std::uint8_t> raw;
  AlertRecord r;
  r.source.assign("drive-system");
  r.title.assign("Motor Over-Temperature");
  for (int i = 0; i < count; ++i) {
    r.key.assign("drive/motor-" + std::to_string(i));
    r.message.assign("Left rear drive motor at " + std::to_string(90 + i % 9) + " C (limit 85 C)");
    const auto frame = rover_alerts::testing::encoded_alert(r, static_cast<std::uint64_t>(i) + 1, 1700000000000);
    raw.insert(raw.end(), frame.begin(), frame.end());
  }
  return raw;
}

// An Lz4Batch frame with whatever raw size and block a test wants to claim.
std::vector<std::uint8_t> batch_frame(std::uint32_t declared_raw_size, const std::vector<char>& block) {
  flatbuffers::FlatBufferBuilder b;
  const auto data = b.CreateVector(reinterpret_cast<const std::uint8_t*>(block.data()), block.size());
  link::FinishSizePrefixedFrameBuffer(
      b, link::CreateFrame(b, 0, 0, link::Payload::Lz4Batch, link::CreateLz4Batch(b, declared_raw_size, data).Union()));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

using rover_alerts::testing::lz4_compress;

// Receiver side, as the relay runs it: verify the outer frame, decompress,
// verify every inner frame. Returns the status and the inner frames' seqs.
struct Unpacked {
  link::BatchStatus status = link::BatchStatus::Ok;
  std::vector<std::uint64_t> seqs;
};
Unpacked unpack(const std::vector<std::uint8_t>& frame) {
  std::vector<std::uint64_t> aligned((frame.size() + 7) / 8);
  std::memcpy(aligned.data(), frame.data(), frame.size());
  const auto decoded = link::verify_prefixed_frame(reinterpret_cast<const std::uint8_t*>(aligned.data()), frame.size());
  BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  const auto* batch = decoded.frame->payload_as_Lz4Batch();
  BOOST_REQUIRE(batch != nullptr);
  std::vector<std::uint64_t> raw(link::kMaxLz4BatchRawBytes / 8);
  auto* bytes = reinterpret_cast<std::uint8_t*>(raw.data());
  Unpacked out;
  std::size_t raw_size = 0;
  out.status = link::decompress_batch(*batch, bytes, raw.size() * 8, raw_size);
  if (out.status != link::BatchStatus::Ok) return out;
  out.status = link::for_each_inner_frame(bytes, raw_size, link::kMaxFrameBytes, [&](const link::Frame& f) {
    out.seqs.push_back(f.seq());
    return true;
  });
  return out;
}

EmitterConfig lz4_config(std::uint16_t port) {
  EmitterConfig c;
  c.rover_id = "rover-lz4";
  c.relay_port = port;
  c.reconnect_initial_ms = 5;
  c.reconnect_max_ms = 20;
  c.heartbeat_interval_ms = 50;
  c.min_update_interval_ms = 0;
  c.staging_capacity = 256;
  c.queue_capacity = 512;
  return c;
}

bool poll_until(Emitter& e, const std::function<bool()>& done) {
  return LoopbackRelay::wait_for([&] {
    e.poll(5);
    return done();
  });
}

// Raises `count` distinct alerts while the relay holds its hello reply, so
// they are all framed in one go once it answers: a run worth a batch.
void raise_burst(Emitter& e, LoopbackRelay& relay, int count) {
  relay.hold_hello_replies(true);
  BOOST_REQUIRE(poll_until(e, [&] { return !relay.of_type(link::Payload::Hello).empty(); }));
  for (int i = 0; i < count; ++i) {
    AlertSpec a;
    const std::string key = "burst/alert-" + std::to_string(i);
    const std::string message = "Burst alert number " + std::to_string(i) + " with a message like a real one";
    a.key = key;
    a.source = "load-test";
    a.message = message;
    a.priority = Priority::Medium;
    BOOST_REQUIRE(accepted(e.raise(a)));
    if (i % 100 == 99) e.poll(0);  // staging -> outbox; nothing is framed yet
  }
  e.poll(0);
  relay.hold_hello_replies(false);
  BOOST_REQUIRE(poll_until(e, [&] { return e.drained(); }));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lz4_batch)

BOOST_AUTO_TEST_CASE(encoder_round_trip_gives_back_every_frame) {
  Lz4BatchEncoder encoder;
  BOOST_REQUIRE(encoder.init());
  const auto raw = alert_frames(40);
  const auto frame = encoder.encode(raw, 1700000000000);
  BOOST_REQUIRE(!frame.empty());
  BOOST_TEST(frame.size() < raw.size() / 2);  // alike alerts compress well
  const auto unpacked = unpack({frame.begin(), frame.end()});
  BOOST_TEST((unpacked.status == link::BatchStatus::Ok));
  BOOST_REQUIRE(unpacked.seqs.size() == 40u);
  for (std::size_t i = 0; i < unpacked.seqs.size(); ++i) BOOST_TEST(unpacked.seqs[i] == i + 1);
}

BOOST_AUTO_TEST_CASE(incompressible_input_is_not_batched) {
  Lz4BatchEncoder encoder;
  BOOST_REQUIRE(encoder.init());
  std::vector<std::uint8_t> noise(2048);
  std::uint32_t x = 2463534242u;
  for (auto& b : noise) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  BOOST_TEST(encoder.encode(noise, 0).empty());
  BOOST_TEST(encoder.encode(std::vector<std::uint8_t>(link::kMaxLz4BatchRawBytes + 8), 0).empty());  // over the bound
}

BOOST_AUTO_TEST_CASE(a_lying_raw_size_is_rejected) {
  const auto raw = alert_frames(10);
  const auto block = lz4_compress(raw);
  const auto size = static_cast<std::uint32_t>(raw.size());
  BOOST_TEST((unpack(batch_frame(size, block)).status == link::BatchStatus::Ok));
  // Claims more than it holds: decompression comes up short.
  BOOST_TEST((unpack(batch_frame(size + 8, block)).status == link::BatchStatus::SizeMismatch));
  // Claims less: decompression would overrun the claim and stops.
  BOOST_TEST((unpack(batch_frame(size - 8, block)).status == link::BatchStatus::Corrupt));
  // Claims more than any batch may hold, or nothing: refused before decompressing.
  BOOST_TEST((unpack(batch_frame(link::kMaxLz4BatchRawBytes + 1, block)).status == link::BatchStatus::BadRawSize));
  BOOST_TEST((unpack(batch_frame(0, block)).status == link::BatchStatus::BadRawSize));
}

BOOST_AUTO_TEST_CASE(a_corrupt_block_is_rejected) {
  const auto raw = alert_frames(10);
  auto block = lz4_compress(raw);
  const auto size = static_cast<std::uint32_t>(raw.size());
  auto truncated = block;
  truncated.resize(block.size() / 2);
  BOOST_TEST((unpack(batch_frame(size, truncated)).status != link::BatchStatus::Ok));
  // A match offset pointing before the start of the output.
  const std::vector<char> bad_offset{static_cast<char>(0x1F), 'a', static_cast<char>(0xFF), static_cast<char>(0xFF),
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  BOOST_TEST((unpack(batch_frame(64, bad_offset)).status == link::BatchStatus::Corrupt));
}

BOOST_AUTO_TEST_CASE(inner_frames_are_verified_and_batches_do_not_nest) {
  // Well-compressed garbage: decompresses fine, is no frame.
  std::vector<std::uint8_t> garbage(256, 0x41);
  BOOST_TEST((unpack(batch_frame(256, lz4_compress(garbage))).status == link::BatchStatus::BadInnerFrame));
  // A whole frame followed by a cut one.
  auto raw = alert_frames(2);
  raw.resize(raw.size() - 16);
  BOOST_TEST((unpack(batch_frame(static_cast<std::uint32_t>(raw.size()), lz4_compress(raw))).status ==
              link::BatchStatus::BadInnerFrame));
  // A batch inside a batch.
  const auto inner = batch_frame(static_cast<std::uint32_t>(alert_frames(2).size()), lz4_compress(alert_frames(2)));
  BOOST_TEST((unpack(batch_frame(static_cast<std::uint32_t>(inner.size()), lz4_compress(inner))).status ==
              link::BatchStatus::NestedBatch));
}

// Both sides agree: a burst goes out as batches, and the relay gets every
// alert once, in order, as if it had come frame by frame.
BOOST_AUTO_TEST_CASE(agreed_lz4_batches_a_burst_and_loses_nothing) {
  LoopbackRelay relay;
  relay.agree_lz4(true);
  Emitter e;
  BOOST_REQUIRE(e.init(lz4_config(relay.port())) == Status::Ok);
  raise_burst(e, relay, 300);
  const auto hellos = relay.of_type(link::Payload::Hello);
  BOOST_REQUIRE(!hellos.empty());
  BOOST_TEST(hellos[0].lz4);
  const auto applied = relay.applied();
  BOOST_REQUIRE(applied.size() == 300u);
  std::size_t in_batches = 0;
  for (std::size_t i = 0; i < applied.size(); ++i) {
    BOOST_TEST(applied[i].seq == i + 1);
    BOOST_TEST(applied[i].key == "burst/alert-" + std::to_string(i));
    in_batches += applied[i].lz4;
  }
  BOOST_TEST(in_batches > 0u);
  BOOST_TEST(relay.bad_frames() == 0u);
  const auto c = e.counters();
  BOOST_TEST(c.lz4_batches == relay.lz4_batches());
  BOOST_TEST(c.lz4_batches > 0u);
  BOOST_TEST(c.lz4_batch_bytes < c.lz4_raw_bytes);
  // Every byte sent arrives; a heartbeat sent after the last alert may still
  // be on its way (the emitter is not polled any more, so the count is final).
  BOOST_TEST(LoopbackRelay::wait_for([&] { return relay.bytes_received() == c.bytes_sent; }));
  BOOST_TEST_MESSAGE("lz4: " << c.lz4_batches << " batches, " << c.lz4_raw_bytes << " frame bytes in "
                             << c.lz4_batch_bytes << " on the wire");
}

// The relay says no: the same burst goes frame by frame.
BOOST_AUTO_TEST_CASE(no_batches_when_the_relay_declines) {
  LoopbackRelay relay;
  relay.agree_lz4(false);
  Emitter e;
  BOOST_REQUIRE(e.init(lz4_config(relay.port())) == Status::Ok);
  raise_burst(e, relay, 300);
  BOOST_TEST(relay.of_type(link::Payload::Hello).at(0).lz4);  // offered
  BOOST_TEST(relay.applied().size() == 300u);
  for (const auto& f : relay.alerts()) BOOST_TEST(!f.lz4);
  BOOST_TEST(e.counters().lz4_batches == 0u);
  BOOST_TEST(relay.lz4_batches() == 0u);
}

// The rover does not offer lz4 (threshold 0): no batches even if the relay would.
BOOST_AUTO_TEST_CASE(no_batches_when_the_rover_does_not_offer) {
  LoopbackRelay relay;
  relay.agree_lz4(true);
  auto c = lz4_config(relay.port());
  c.lz4_min_batch_bytes = 0;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  BOOST_TEST(Emitter::reserved_bytes(c) < Emitter::reserved_bytes(lz4_config(relay.port())));  // nothing reserved for it
  raise_burst(e, relay, 300);
  BOOST_TEST(!relay.of_type(link::Payload::Hello).at(0).lz4);
  BOOST_TEST(relay.applied().size() == 300u);
  for (const auto& f : relay.alerts()) BOOST_TEST(!f.lz4);
  BOOST_TEST(e.counters().lz4_batches == 0u);
}

// A batch cut by a dropped link is not lost: its frames are still in the
// ring, and the reconnect replays them.
BOOST_AUTO_TEST_CASE(batched_frames_are_replayed_after_a_drop) {
  LoopbackRelay relay;
  relay.agree_lz4(true);
  Emitter e;
  BOOST_REQUIRE(e.init(lz4_config(relay.port())) == Status::Ok);
  BOOST_REQUIRE(poll_until(e, [&] { return e.link_up(); }));
  relay.hold_acks(true);
  for (int i = 0; i < 200; ++i) {
    AlertSpec a;
    const std::string key = "held/alert-" + std::to_string(i);
    a.key = key;
    a.source = "load-test";
    a.message = "Held alert with a message like a real one";
    BOOST_REQUIRE(accepted(e.raise(a)));
  }
  BOOST_REQUIRE(poll_until(e, [&] { return relay.alerts().size() == 200u; }));
  relay.hold_acks(false);
  relay.drop();
  BOOST_REQUIRE(poll_until(e, [&] { return e.drained(); }));
  const auto applied = relay.applied();
  BOOST_REQUIRE(applied.size() == 200u);
  for (std::size_t i = 0; i < applied.size(); ++i) BOOST_TEST(applied[i].key == "held/alert-" + std::to_string(i));
  BOOST_TEST(e.counters().frames_replayed == 200u);
  BOOST_TEST(e.counters().lz4_batches > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
