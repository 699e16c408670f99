#include "test_alerts.hpp"

#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/link_auth.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace rover_alerts;
using rover_alerts::testing::encoded_alert;
using rover_alerts::testing::largest_alert;

BOOST_AUTO_TEST_SUITE(frame_encoder)

BOOST_AUTO_TEST_CASE(largest_alert_round_trips_through_the_verifier) {
  const AlertRecord r = largest_alert();
  const auto bytes = encoded_alert(r, 7, 123);
  BOOST_TEST(bytes.size() <= kMaxAlertFrameBytes);
  const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
  BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  const auto* f = decoded.frame;
  BOOST_TEST(f->seq() == 7u);
  BOOST_TEST(f->sent_at_ms() == 123u);
  const auto* e = f->payload_as_AlertEvent();
  BOOST_REQUIRE(e);
  BOOST_TEST((e->kind() == link::EventKind::Update));
  BOOST_TEST((e->priority() == link::Priority::High));
  BOOST_TEST(e->key()->string_view() == r.key.view());
  BOOST_TEST(e->message()->string_view() == r.message.view());
  BOOST_TEST(e->title()->string_view() == r.title.view());
  BOOST_TEST(e->group_id()->string_view() == r.group_id.view());
  BOOST_TEST(e->persistent());
  BOOST_TEST(!e->closable());
  BOOST_TEST(e->occurrences() == 42u);
  BOOST_TEST(e->expires_at_ms() == r.expires_at_ms);
  BOOST_TEST(e->last_seen_ms() == r.last_seen_ms);
  BOOST_REQUIRE(e->action());
  BOOST_TEST(e->action()->parameters()->size() == limits::kActionParams);
  BOOST_TEST(e->metadata()->size() == limits::kMetadataPairs);
  BOOST_TEST(e->metadata()->Get(3)->value()->string_view() == r.metadata[3].value.view());
}

BOOST_AUTO_TEST_CASE(optional_fields_are_absent_when_empty) {
  AlertRecord r;
  r.key.assign("k");
  r.source.assign("s");
  r.message.assign("m");
  const auto bytes = encoded_alert(r, 1, 0);
  const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
  BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  const auto* e = decoded.frame->payload_as_AlertEvent();
  BOOST_TEST(!e->title());
  BOOST_TEST(!e->action());
  BOOST_TEST(!e->metadata());
  BOOST_TEST(!e->group_id());
  BOOST_TEST(e->closable());
}

BOOST_AUTO_TEST_CASE(encoder_is_reusable_and_each_frame_stands_alone) {
  FrameEncoder enc;
  BOOST_REQUIRE(enc.init());
  const std::array<std::uint64_t, kPriorityCount> lost{};
  for (std::uint64_t seq = 1; seq <= 100; ++seq) {
    const auto bytes = seq % 2 ? enc.encode_heartbeat(seq, lost, 0, 0, 0, 0)
                               : enc.encode_hello("rover-7", 99, seq, seq, false, {}, 0);
    const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
    BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
    const auto* heartbeat = decoded.frame->payload_as_Heartbeat();
    const auto* hello = decoded.frame->payload_as_Hello();
    BOOST_REQUIRE((heartbeat != nullptr) == (seq % 2 == 1));
    BOOST_TEST((heartbeat ? heartbeat->latest_seq() : hello->latest_seq()) == seq);
  }
}

BOOST_AUTO_TEST_CASE(control_frames_fit_the_control_builder) {
  FrameEncoder enc;
  BOOST_REQUIRE(enc.init(FrameEncoder::kControlBuilderBytes));
  // The largest hello: the longest rover id and a nonce (Emitter keeps a copy of it, kMaxHelloBytes).
  const link::LinkNonce nonce{};
  const auto hello = enc.encode_hello(std::string(limits::kRoverIdBytes, 'r'), 5, 1, 9, true, nonce, 77);
  BOOST_TEST(hello.size() <= FrameEncoder::kControlBuilderBytes);
  auto decoded = link::verify_prefixed_frame(hello.data(), hello.size());
  BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  BOOST_TEST(decoded.frame->payload_as_Hello()->latest_seq() == 9u);
  BOOST_TEST(decoded.frame->payload_as_Hello()->lz4());
  BOOST_TEST(decoded.frame->payload_as_Hello()->nonce()->size() == link::kNonceBytes);
  const link::LinkProof mac{};
  const auto proof = enc.encode_proof(mac, 0);
  decoded = link::verify_prefixed_frame(proof.data(), proof.size());
  BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  BOOST_TEST(decoded.frame->payload_as_Proof()->mac()->size() == link::kProofBytes);
  const std::array<std::uint64_t, kPriorityCount> lost{1, 2, 3, 4, 5};
  const auto hb = enc.encode_heartbeat(9, lost, 6, 7, 8, 0);
  decoded = link::verify_prefixed_frame(hb.data(), hb.size());
  BOOST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  const auto* h = decoded.frame->payload_as_Heartbeat();
  BOOST_TEST(h->lost_by_priority()->Get(4) == 5u);
  BOOST_TEST(h->truncated_fields() == 6u);
  BOOST_TEST(h->ring_gap_frames() == 7u);
}

BOOST_AUTO_TEST_CASE(verifier_rejects_damaged_frames) {
  const std::vector<std::uint8_t> good = encoded_alert(largest_alert(), 3, 0);

  // Truncated anywhere: rejected, never read past the end.
  for (std::size_t cut = 0; cut < good.size(); cut += 37)
    BOOST_TEST((link::verify_prefixed_frame(good.data(), cut).status != link::FrameStatus::Ok));
  // Prefix over the cap.
  BOOST_TEST((link::verify_prefixed_frame(good.data(), good.size(), 64).status == link::FrameStatus::TooLarge));
  // Zero length.
  const std::uint8_t zero[4] = {0, 0, 0, 0};
  BOOST_TEST((link::verify_prefixed_frame(zero, 4).status == link::FrameStatus::Empty));
  // Wrong identifier.
  auto bad_id = good;
  bad_id[link::kPrefixBytes + 4] ^= 0xFF;
  BOOST_TEST((link::verify_prefixed_frame(bad_id.data(), bad_id.size()).status == link::FrameStatus::BadIdentifier));
  // A root offset pointing outside the buffer.
  auto bad_root = good;
  bad_root[link::kPrefixBytes + 2] = 0x7F;
  BOOST_TEST((link::verify_prefixed_frame(bad_root.data(), bad_root.size()).status != link::FrameStatus::Ok));
}

BOOST_AUTO_TEST_SUITE_END()
