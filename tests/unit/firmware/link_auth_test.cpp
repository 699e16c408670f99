// Link authentication (link_auth.hpp): the primitives each end uses, then the
// emitter against a loopback relay that knows its key, one that does not,
// and one that does not ask.

#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>
#include <rover_alerts/link_auth.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;

namespace {

link::LinkKey key_of(std::uint8_t seed) {
  link::LinkKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(seed + i);
  return key;
}

std::array<std::uint8_t, 32> session_of(std::uint8_t seed) { return key_of(seed); }

struct Segment {
  std::array<std::uint8_t, link::kSealHeaderBytes> header{};
  std::vector<std::uint8_t> payload;
  link::SealTag tag{};
};

Segment sealed(link::SegmentSeal& seal, std::string_view text) {
  Segment s;
  s.payload.assign(text.begin(), text.end());
  link::write_seal_header(s.header.data(), static_cast<std::uint32_t>(s.payload.size()));
  BOOST_REQUIRE(seal.seal(s.header, s.payload, s.tag));
  return s;
}

bool opens(link::SegmentSeal& seal, const Segment& s) { return seal.open(s.header, s.payload, s.tag); }

AlertSpec alert(std::string_view key) {
  AlertSpec a;
  a.key = key;
  a.priority = Priority::High;
  a.source = "test";
  a.message = "message";
  return a;
}

EmitterConfig keyed_config(std::uint16_t port, const link::LinkKey& key) {
  EmitterConfig c;
  c.rover_id = "rover-auth";
  c.relay_port = port;
  c.reconnect_initial_ms = 5;
  c.reconnect_max_ms = 20;
  c.heartbeat_interval_ms = 50;
  c.min_update_interval_ms = 0;
  c.has_link_key = true;
  c.link_key = key;
  return c;
}

bool poll_until(Emitter& e, const std::function<bool()>& done, int timeout_ms = 5000) {
  return LoopbackRelay::wait_for(
      [&] {
        e.poll(5);
        return done();
      },
      timeout_ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_auth)

BOOST_AUTO_TEST_CASE(keys_are_exactly_64_hex_digits) {
  link::LinkKey key = key_of(7);
  const link::LinkKey before = key;
  BOOST_TEST(!link::parse_key_hex("abcd", key));
  BOOST_TEST(!link::parse_key_hex(std::string(63, 'a'), key));
  BOOST_TEST(!link::parse_key_hex(std::string(65, 'a'), key));
  BOOST_TEST(!link::parse_key_hex(std::string(63, 'a') + "g", key));
  BOOST_TEST((key == before));  // untouched by a refusal
  BOOST_TEST(link::parse_key_hex("000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f", key));
  BOOST_TEST((key == key_of(0)));
}

// HMAC-SHA-256(key, label || hello || challenge), checked against Python's hmac.
BOOST_AUTO_TEST_CASE(the_handshake_mac_covers_label_hello_and_challenge) {
  const std::string hello = "hello-frame", challenge = "challenge-frame";
  const auto bytes = [](const std::string& s) { return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
  std::array<std::uint8_t, 32> mac{};
  BOOST_REQUIRE(link::handshake_mac(key_of(0), link::kRoverProofLabel, bytes(hello), bytes(challenge), mac));
  link::LinkKey expected{};
  BOOST_REQUIRE(link::parse_key_hex("33627ed9b4d4eadcecfd7a08ffb5259b6e78351cfbb201f3054804b102525a34", expected));
  BOOST_TEST((mac == expected));
  std::array<std::uint8_t, 32> other{};
  BOOST_REQUIRE(link::handshake_mac(key_of(0), link::kSessionKeyLabel, bytes(hello), bytes(challenge), other));
  BOOST_TEST((other != mac));
  BOOST_REQUIRE(link::handshake_mac(key_of(0), link::kRoverProofLabel, bytes(hello), bytes("challenge-framf"), other));
  BOOST_TEST((other != mac));
  BOOST_REQUIRE(link::handshake_mac(key_of(1), link::kRoverProofLabel, bytes(hello), bytes(challenge), other));
  BOOST_TEST((other != mac));
  BOOST_TEST(link::proofs_equal(expected, mac));
  BOOST_TEST(!link::proofs_equal(expected, std::span(mac).first(31)));
}

// The receiver opens exactly the sender's segments, in order, once each.
BOOST_AUTO_TEST_CASE(a_segment_opens_once_in_order_unchanged_and_only_in_its_direction) {
  link::SegmentSeal sender, receiver, wrong_direction, wrong_key;
  for (auto* s : {&sender, &receiver, &wrong_direction, &wrong_key}) BOOST_REQUIRE(s->init());
  BOOST_REQUIRE(sender.start(session_of(3), link::Direction::RoverToRelay));
  BOOST_REQUIRE(receiver.start(session_of(3), link::Direction::RoverToRelay));
  BOOST_REQUIRE(wrong_direction.start(session_of(3), link::Direction::RelayToRover));
  BOOST_REQUIRE(wrong_key.start(session_of(4), link::Direction::RoverToRelay));
  const Segment first = sealed(sender, "first");
  const Segment second = sealed(sender, "second");
  BOOST_TEST(!opens(wrong_direction, first));
  BOOST_TEST(!opens(wrong_key, first));
  BOOST_TEST(!opens(receiver, second));  // out of order
  Segment flipped = first;
  flipped.payload[0] ^= 1;
  BOOST_TEST(!opens(receiver, flipped));
  flipped = first;
  flipped.header[0] ^= 1;
  BOOST_TEST(!opens(receiver, flipped));
  flipped = first;
  flipped.tag[15] ^= 0x80;
  BOOST_TEST(!opens(receiver, flipped));
  BOOST_TEST(opens(receiver, first));  // failures did not move the counter
  BOOST_TEST(!opens(receiver, first));  // replayed
  BOOST_TEST(opens(receiver, second));
  BOOST_TEST(receiver.segments() == 2u);
  link::SegmentSeal stopped;
  BOOST_REQUIRE(stopped.init());
  link::SealTag tag{};
  BOOST_TEST(!stopped.seal(first.header, first.payload, tag));  // never keyed
}

BOOST_AUTO_TEST_CASE(segment_headers_and_frame_runs_are_bounded) {
  std::array<std::uint8_t, link::kSealHeaderBytes> header{};
  std::uint32_t payload = 0;
  link::write_seal_header(header.data(), 0);
  BOOST_TEST((link::read_seal_header(header.data(), payload) == link::SealHeaderStatus::Empty));
  link::write_seal_header(header.data(), static_cast<std::uint32_t>(link::kMaxSealedPayloadBytes + 1));
  BOOST_TEST((link::read_seal_header(header.data(), payload) == link::SealHeaderStatus::TooLarge));
  link::write_seal_header(header.data(), 100);
  BOOST_TEST((link::read_seal_header(header.data(), payload) == link::SealHeaderStatus::Ok));
  BOOST_TEST(payload == 100u);
  header[5] = 1;
  BOOST_TEST((link::read_seal_header(header.data(), payload) == link::SealHeaderStatus::BadReserved));
  // Whole frames only: three of 12 bytes; a cap and a cut frame stop the run.
  std::vector<std::uint8_t> run;
  for (int i = 0; i < 3; ++i) run.insert(run.end(), {8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
  BOOST_TEST(link::whole_frames_prefix(run) == 36u);
  BOOST_TEST(link::whole_frames_prefix(run, 30) == 24u);
  BOOST_TEST(link::whole_frames_prefix(std::span(run).first(30)) == 24u);
  BOOST_TEST(link::whole_frames_prefix(std::span(run).first(10)) == 0u);
}

BOOST_AUTO_TEST_CASE(an_emitter_with_its_key_streams_sealed_and_survives_a_reconnect) {
  LoopbackRelay relay;
  relay.use_key(key_of(9));
  relay.agree_lz4(true);
  Emitter e;
  BOOST_REQUIRE(e.init(keyed_config(relay.port(), key_of(9))) == Status::Ok);
  for (int i = 0; i < 200; ++i) BOOST_REQUIRE(e.raise(alert("k" + std::to_string(i))) == Status::Ok);
  BOOST_REQUIRE(poll_until(e, [&] { return relay.applied().size() >= 100; }));
  relay.drop();
  for (int i = 200; i < 400; ++i) {
    BOOST_REQUIRE(e.raise(alert("k" + std::to_string(i))) == Status::Ok);
    if (i % 8 == 0) e.poll(1);
  }
  BOOST_REQUIRE(poll_until(e, [&] { return e.drained(); }, 10000));
  BOOST_TEST(relay.applied().size() == 400u);
  BOOST_TEST(relay.proofs_accepted() >= 2u);  // a new handshake after the drop
  BOOST_TEST(relay.segments_refused() == 0u);
  BOOST_TEST(relay.bad_frames() == 0u);
  BOOST_TEST(e.counters().auth_failures == 0u);
  // Relay -> rover is sealed too: an operator ack arrives.
  struct Seen { int acks = 0; } seen;
  e.set_operator_ack_handler([](void* c, const OperatorAckView&) { ++static_cast<Seen*>(c)->acks; }, &seen);
  relay.send_operator_ack("k1", "rover-auth-1", "op", 1);
  BOOST_TEST(poll_until(e, [&] { return seen.acks == 1; }));
}

// A relay that does not hold the rover's key cannot pass for one: the rover
// checks the relay's first sealed segment and never streams to it.
BOOST_AUTO_TEST_CASE(an_emitter_refuses_a_relay_that_cannot_prove_the_key) {
  LoopbackRelay impostor;
  impostor.use_key(key_of(1));
  impostor.impostor(true);
  Emitter e;
  BOOST_REQUIRE(e.init(keyed_config(impostor.port(), key_of(9))) == Status::Ok);
  BOOST_REQUIRE(e.raise(alert("secret-plan")) == Status::Ok);
  BOOST_TEST(poll_until(e, [&] { return e.counters().auth_failures >= 2; }));
  BOOST_TEST(!e.link_up());
  BOOST_TEST(impostor.alerts().empty());
  BOOST_TEST(e.counters().acked_seq == 0u);  // nothing the impostor said was taken for an ack
}

BOOST_AUTO_TEST_CASE(an_emitter_with_a_key_refuses_a_relay_that_does_not_challenge) {
  LoopbackRelay plain;  // no key: answers the hello at once, unsealed
  Emitter e;
  BOOST_REQUIRE(e.init(keyed_config(plain.port(), key_of(9))) == Status::Ok);
  BOOST_REQUIRE(e.raise(alert("k")) == Status::Ok);
  BOOST_TEST(poll_until(e, [&] { return e.counters().auth_failures >= 1; }));
  BOOST_TEST(plain.alerts().empty());
}

// The relay's side: a rover with the wrong key is refused, and backs off
// (its reconnect backoff is not reset by a refused connection).
BOOST_AUTO_TEST_CASE(a_rover_with_the_wrong_key_is_refused_and_backs_off) {
  LoopbackRelay relay;
  relay.use_key(key_of(1));
  EmitterConfig c = keyed_config(relay.port(), key_of(9));
  c.reconnect_initial_ms = 20;
  c.reconnect_max_ms = 400;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  BOOST_REQUIRE(e.raise(alert("k")) == Status::Ok);
  BOOST_TEST(poll_until(e, [&] { return relay.proofs_refused() >= 3; }));
  const auto refused = relay.proofs_refused();
  poll_until(e, [] { return false; }, 1000);
  // Backing off 20, 40, ... 400 ms: a handful of tries in the next second, not fifty.
  BOOST_TEST(relay.proofs_refused() - refused <= 8u);
  BOOST_TEST(relay.alerts().empty());
  BOOST_TEST(!e.link_up());
}

BOOST_AUTO_TEST_SUITE_END()
