#pragma once
// LinkClient: a rover link connection the tests drive frame by frame, from
// any 127.x.y.z address. It can authenticate as a rover (link_auth.hpp: Hello
// with a nonce, Challenge, Proof; the relay's HelloReply and everything after
// it sealed), after which what it sends is sealed too. It keeps every byte it
// sent, so a test can replay a recorded session on a new connection.

#include "relay_under_test.hpp"
#include "support/link_handshake.hpp"
#include "support/test_fleet.hpp"

#include <rover_alerts/link_auth.hpp>
#include <rover_alerts/link_framing.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::testing {

inline constexpr std::uint64_t kTestBoot = 0x1234abcd5678ef01ull;

inline std::vector<std::uint8_t> finish_link_frame(flatbuffers::FlatBufferBuilder& b, std::uint64_t seq,
                                                   link::Payload type, flatbuffers::Offset<void> payload) {
  b.FinishSizePrefixed(link::CreateFrame(b, seq, 1, type, payload), link::FrameIdentifier());
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

// A Hello; `nonce` empty: an unauthenticated one.
inline std::vector<std::uint8_t> hello_frame(const std::string& rover, std::uint64_t latest_seq,
                                             std::uint64_t boot = kTestBoot, std::span<const std::uint8_t> nonce = {},
                                             bool lz4 = false) {
  flatbuffers::FlatBufferBuilder b(160);
  const auto id = b.CreateString(rover);
  const auto n = nonce.empty() ? flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>>()
                               : b.CreateVector(nonce.data(), nonce.size());
  const auto h = link::CreateHello(b, 1, id, boot, latest_seq == 0 ? 0 : 1, latest_seq, lz4, n);
  return finish_link_frame(b, 0, link::Payload::Hello, h.Union());
}

inline link::LinkKey key_from_hex(std::string_view hex) {
  link::LinkKey key{};
  BOOST_REQUIRE(link::parse_key_hex(hex, key));
  return key;
}

class LinkClient {
 public:
  explicit LinkClient(const Endpoint& relay, const std::string& local = "127.0.0.1") : connection_(relay, 10000, local) {
    BOOST_REQUIRE(outbound_.init() && inbound_.init());
  }

  // Says Hello as `rover` with a nonce and proves `key`; true once the
  // relay's sealed HelloReply checked. False when the relay hung up instead.
  bool authenticate(const std::string& rover, std::string_view key_hex = kFleetKeyHex, std::uint64_t latest_seq = 0,
                    std::uint64_t boot = kTestBoot, bool lz4 = false) {
    link::LinkNonce nonce{};
    BOOST_REQUIRE(link::fill_random(nonce));
    const auto hello = hello_frame(rover, latest_seq, boot, nonce, lz4);
    send(hello);
    const auto challenge = read_frame();
    if (!challenge) return false;
    const auto decoded = link::verify_prefixed_frame(challenge->data(), challenge->size());
    BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
    BOOST_REQUIRE(decoded.frame->payload_type() == link::Payload::Challenge);
    const auto key = key_from_hex(key_hex);
    link::LinkProof proof{};
    std::array<std::uint8_t, 32> session{};
    BOOST_REQUIRE(link::handshake_mac(key, link::kRoverProofLabel, hello, *challenge, proof));
    BOOST_REQUIRE(link::handshake_mac(key, link::kSessionKeyLabel, hello, *challenge, session));
    flatbuffers::FlatBufferBuilder b(96);
    send(finish_link_frame(b, 0, link::Payload::Proof, link::CreateProof(b, b.CreateVector(proof.data(), proof.size())).Union()));
    BOOST_REQUIRE(outbound_.start(session, link::Direction::RoverToRelay));
    BOOST_REQUIRE(inbound_.start(session, link::Direction::RelayToRover));
    const auto reply = read_frame();
    if (!reply) return false;
    const auto r = link::verify_prefixed_frame(reply->data(), reply->size());
    return r.status == link::FrameStatus::Ok && r.frame->payload_type() == link::Payload::HelloReply;
  }

  // Whole frames: sealed in one segment once authenticated, as they are before.
  void send(const std::vector<std::uint8_t>& frames) {
    if (!outbound_.active()) return send_raw(frames);
    const auto segment = sealed_segment(outbound_, frames);
    BOOST_REQUIRE(!segment.empty());
    send_raw(segment);
  }
  // Bytes as they are, whatever the session's state.
  void send_raw(const std::vector<std::uint8_t>& bytes) {
    sent_.insert(sent_.end(), bytes.begin(), bytes.end());
    connection_.send(bytes.data(), bytes.size());
  }
  // Every byte sent on this connection so far.
  const std::vector<std::uint8_t>& sent() const { return sent_; }

  // The next frame from the relay (its segment's tag checked once sealed), or
  // nothing once it closed, went quiet or sent a segment that fails.
  std::optional<std::vector<std::uint8_t>> read_frame() {
    if (!inbound_.active()) return read_plain_frame();
    std::array<std::uint8_t, link::kSealHeaderBytes> header{};
    std::uint32_t payload = 0;
    if (!connection_.read_exact(header.data(), header.size()) ||
        link::read_seal_header(header.data(), payload) != link::SealHeaderStatus::Ok)
      return std::nullopt;
    std::vector<std::uint8_t> body(payload + link::kSealTagBytes);
    if (!connection_.read_exact(body.data(), body.size())) return std::nullopt;
    const std::span<const std::uint8_t> all(body);
    if (!inbound_.open(header, all.first(payload), all.last(link::kSealTagBytes))) return std::nullopt;
    body.resize(payload);
    return body;
  }
  // True when the relay hangs up (EOF or reset) within the socket timeout.
  bool closed_by_peer() { return connection_.closed_by_peer(); }
  // Waits for the relay's LinkAck up to `seq`.
  bool acked(std::uint64_t seq) {
    while (const auto frame = read_frame()) {
      const auto decoded = link::verify_prefixed_frame(frame->data(), frame->size());
      if (decoded.status != link::FrameStatus::Ok) return false;
      if (const auto* ack = decoded.frame->payload_as_LinkAck(); ack != nullptr && ack->acked_seq() >= seq) {
        refused_ = ack->refused_alerts();
        return true;
      }
    }
    return false;
  }
  // What the latest LinkAck said the relay refused.
  std::uint64_t refused() const { return refused_; }

 private:
  std::optional<std::vector<std::uint8_t>> read_plain_frame() {
    std::vector<std::uint8_t> frame(link::kPrefixBytes);
    if (!connection_.read_exact(frame.data(), frame.size())) return std::nullopt;
    frame.resize(link::kPrefixBytes + link::read_length_prefix(frame.data()));
    if (!connection_.read_exact(frame.data() + link::kPrefixBytes, frame.size() - link::kPrefixBytes))
      return std::nullopt;
    return frame;
  }

  RawConnection connection_;
  link::SegmentSeal outbound_;
  link::SegmentSeal inbound_;
  std::vector<std::uint8_t> sent_;
  std::uint64_t refused_ = 0;
};

}  // namespace rover_alerts::testing
