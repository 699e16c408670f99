#pragma once
// The relay's side of the link handshake and segment sealing, for the test
// relays (tests/unit/firmware/loopback_relay.hpp) and the bench's sink: the
// same steps host/relay/link/link_session.cpp takes, over link_auth.hpp.

#include <rover_alerts/link_auth.hpp>

#include <span>
#include <vector>

namespace rover_alerts::testing {

// [header][payload][tag] for one segment, sealed by `seal`.
inline std::vector<std::uint8_t> sealed_segment(link::SegmentSeal& seal, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> segment(link::kSealHeaderBytes);
  link::write_seal_header(segment.data(), static_cast<std::uint32_t>(payload.size()));
  link::SealTag tag{};
  if (!seal.seal(std::span<const std::uint8_t>(segment), payload, tag)) return {};
  segment.insert(segment.end(), payload.begin(), payload.end());
  segment.insert(segment.end(), tag.begin(), tag.end());
  return segment;
}

class RelayHandshake {
 public:
  explicit RelayHandshake(const link::LinkKey& key) : key_(key) {}

  // The Challenge frame answering `hello` (the hello frame as it came).
  std::vector<std::uint8_t> challenge(std::span<const std::uint8_t> hello) {
    hello_.assign(hello.begin(), hello.end());
    link::LinkNonce nonce{};
    link::fill_random(nonce);
    flatbuffers::FlatBufferBuilder b;
    link::FinishSizePrefixedFrameBuffer(
        b, link::CreateFrame(b, 0, 0, link::Payload::Challenge,
                             link::CreateChallenge(b, b.CreateVector(nonce.data(), nonce.size())).Union()));
    challenge_.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    return challenge_;
  }

  // Checks the proof (unless `trust_any`) and keys both directions' seals.
  bool accept(const link::Proof& proof, link::SegmentSeal& from_rover, link::SegmentSeal& to_rover,
              bool trust_any = false) {
    link::LinkProof expected{};
    std::array<std::uint8_t, 32> session{};
    if (!link::handshake_mac(key_, link::kRoverProofLabel, hello_, challenge_, expected)) return false;
    if (!trust_any && !link::proofs_equal(expected, {proof.mac()->data(), proof.mac()->size()})) return false;
    return link::handshake_mac(key_, link::kSessionKeyLabel, hello_, challenge_, session) &&
           from_rover.start(session, link::Direction::RoverToRelay) && to_rover.start(session, link::Direction::RelayToRover);
  }

 private:
  link::LinkKey key_;
  std::vector<std::uint8_t> hello_, challenge_;
};

}  // namespace rover_alerts::testing
