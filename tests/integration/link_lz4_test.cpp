// The real relay's side of lz4 batches on the rover link: a batch it agreed to
// is unpacked and every alert in it applied; a batch that lies about its raw
// size, carries a corrupt block or comes without agreement closes the link
// and is counted as link_frames_rejected_total{reason}.

#include "link_client.hpp"
#include "support/lz4_block.hpp"

#include <rover_alerts/link_framing.hpp>
#include <rover_alerts/lz4_batch.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace rover_alerts::testing;
namespace wire = rover_alerts::link;

namespace {

using Bytes = std::vector<std::uint8_t>;

template <class Payload>
Bytes frame(flatbuffers::FlatBufferBuilder& b, wire::Payload type, flatbuffers::Offset<Payload> payload,
            std::uint64_t seq = 0) {
  b.FinishSizePrefixed(wire::CreateFrame(b, seq, 1700000000000, type, payload.Union()), wire::FrameIdentifier());
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

// `count` alert frames back to back, seqs from 1, as a rover's ring holds them.
Bytes alert_frames(int count) {
  Bytes raw;
  for (int i = 1; i <= count; ++i) {
    flatbuffers::FlatBufferBuilder b;
    const auto event = wire::CreateAlertEvent(b, wire::EventKind::Raise, b.CreateString("lz4/alert-" + std::to_string(i)),
                                              wire::Priority::Low, b.CreateString("lz4-test"), 0,
                                              b.CreateString("Batched alert " + std::to_string(i)));
    const auto f = frame(b, wire::Payload::AlertEvent, event, static_cast<std::uint64_t>(i));
    raw.insert(raw.end(), f.begin(), f.end());
  }
  return raw;
}

using rover_alerts::testing::lz4_compress;

Bytes batch(std::uint32_t declared_raw_size, const std::vector<char>& block) {
  flatbuffers::FlatBufferBuilder b;
  const auto data = b.CreateVector(reinterpret_cast<const std::uint8_t*>(block.data()), block.size());
  return frame(b, wire::Payload::Lz4Batch, wire::CreateLz4Batch(b, declared_raw_size, data));
}

std::uint64_t rejected(const Endpoint& http, const std::string& reason) {
  return metric(http, "link_frames_rejected_total{reason=\"" + reason + "\"}");
}

// Sends hello then `bad`; the relay must close the link and count `reason`.
void expect_refused(RelayUnderTest& relay, bool lz4_offered, const Bytes& bad, const std::string& reason) {
  const auto before = rejected(relay.http(), reason);
  LinkClient link(relay.link());
  BOOST_REQUIRE(link.authenticate("rover-lz4-bad", kFleetKeyHex, 0, kTestBoot, lz4_offered));
  link.send(bad);
  BOOST_TEST(link.closed_by_peer());
  BOOST_TEST(rejected(relay.http(), reason) == before + 1);
  BOOST_TEST(relay.alive());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_lz4)

BOOST_AUTO_TEST_CASE(an_agreed_batch_is_unpacked_and_every_alert_applied) {
  RelayUnderTest relay;
  LinkClient link(relay.link());
  BOOST_REQUIRE(link.authenticate("rover-lz4", kFleetKeyHex, 0, kTestBoot, true));
  const auto raw = alert_frames(20);
  const auto b = batch(static_cast<std::uint32_t>(raw.size()), lz4_compress(raw));
  BOOST_TEST_REQUIRE(b.size() < raw.size());
  link.send(b);
  // The relay answers get_stats with what it applied for the rover.
  WsProbe client(relay.http());
  client.auth("demo-viewer-token");
  std::uint64_t applied = 0;
  for (int attempt = 0; attempt < 100 && applied < 20; ++attempt) {
    client.send_text(R"({"type":"get_stats","reqId":"st"})");
    const auto stats = parse_object(client.read());
    const auto& rovers = stats.at("result").as_object().at("rovers").as_object();
    if (const auto* r = rovers.if_contains("rover-lz4")) applied = r->as_object().at("eventsApplied").to_number<std::uint64_t>();
    if (applied < 20) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(applied == 20u);
  BOOST_TEST(rejected(relay.http(), "bad_lz4_batch") == 0u);
}

BOOST_AUTO_TEST_CASE(a_batch_that_lies_or_is_corrupt_or_was_not_agreed_closes_the_link) {
  RelayUnderTest relay;
  const auto raw = alert_frames(10);
  const auto block = lz4_compress(raw);
  const auto size = static_cast<std::uint32_t>(raw.size());
  expect_refused(relay, true, batch(size + 64, block), "bad_lz4_batch");                    // claims more
  expect_refused(relay, true, batch(size - 64, block), "bad_lz4_batch");                    // claims less
  expect_refused(relay, true, batch(wire::kMaxLz4BatchRawBytes + 1, block), "bad_lz4_batch");  // over the bound
  auto corrupt = block;
  corrupt.resize(corrupt.size() / 2);
  expect_refused(relay, true, batch(size, corrupt), "bad_lz4_batch");
  expect_refused(relay, false, batch(size, block), "lz4_not_agreed");
}

BOOST_AUTO_TEST_SUITE_END()
