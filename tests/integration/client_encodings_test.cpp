// What a client negotiates, over real sockets against the real relay:
// lz4-compressed batches (binary frames in the LZ4 frame format) and
// FlatBuffers-encoded changes decode to the same changes a plain client gets;
// permessage-deflate, as browsers offer it, is agreed and carries the stream.

#include "relay_under_test.hpp"
#include "support/ws_probe.hpp"

#include <rover_alerts/ground/frame_decoding.hpp>

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <utility>

using namespace rover_alerts::testing;
using rover_alerts::ground::decode_client_frame;
using rover_alerts::ground::is_client_frame;
using rover_alerts::ground::lz4_frame_decode;

namespace {

constexpr int kAlerts = 300;
// The sims below get an outbox (--queue-capacity) that holds all kAlerts (the
// default, 256, does not): on a loaded machine the link may not drain it as
// fast as the sim raises, and a lost alert would leave the client waiting.

WsProbeOptions probe_options(bool offer_deflate) {
  WsProbeOptions options;
  options.timeout_ms = 20000;
  options.offer_deflate = offer_deflate;
  return options;
}

// A client with permessage-deflate offered or not, that reads lz4 frames.
class Client {
 public:
  Client(const Endpoint& at, bool offer_deflate) : probe_(at, probe_options(offer_deflate)) {}
  void send(const std::string& text) { probe_.send_text(text); }
  // The next message, as text (an lz4 frame decoded), and whether it came binary.
  std::pair<std::string, bool> read() {
    const auto [bytes, binary] = read_raw();
    if (!binary) return {bytes, false};
    const auto text = lz4_frame_decode(bytes);
    BOOST_REQUIRE_MESSAGE(text, "a binary frame that is not an LZ4 frame");
    return {*text, true};
  }
  // The next message as it came: its bytes and whether it was binary. Fails
  // the test when none comes within 20 s.
  std::pair<std::string, bool> read_raw() {
    auto frame = probe_.read_frame();
    BOOST_REQUIRE_MESSAGE(frame, "no message within 20 s: " << probe_.last_error().message());
    return {std::move(*frame), probe_.last_binary()};
  }
  const std::string& agreed_extensions() const { return probe_.agreed_extensions(); }

 private:
  WsProbe probe_;
};

// Subscribes with `options`, raises kAlerts rover alerts and collects every
// change until all are in: id -> rev. Counts binary frames.
std::map<std::string, std::uint64_t> collect(RelayUnderTest& relay, Client& client, const std::string& options,
                                             const std::string& rover, std::size_t& binary_frames) {
  client.send(R"({"type":"auth","token":"demo-viewer-token"})");
  BOOST_REQUIRE(client.read().first.find("welcome") != std::string::npos);
  client.send(R"({"type":"alert_subscribe","reqId":"s","sources":["load-test"])" + options + "}");
  BOOST_REQUIRE(parse_object(client.read().first).at("ok").as_bool());
  ChildProcess sim({ROVER_SIM_PATH, "--key-file", TestFleet::get().key_file().string(), "--relay", relay.link().host + ":" + std::to_string(relay.link().port),
                    "--rover-id", rover, "--rate", "5000", "--count", std::to_string(kAlerts), "--distinct-keys",
                    "--queue-capacity", "8192", "--staging-capacity", "512"});
  BOOST_REQUIRE(sim.started());
  std::map<std::string, std::uint64_t> seen;
  while (seen.size() < static_cast<std::size_t>(kAlerts)) {
    const auto [text, binary] = client.read();
    const auto message = parse_object(text);
    if (binary) {
      ++binary_frames;
      BOOST_TEST_REQUIRE(message.at("type").as_string() == "alert_batch");
    }
    if (message.at("type") != "alert_batch") continue;
    for (const auto& change : message.at("data").as_array())
      seen[std::string(change.at("data").at("key").as_string())] = change.at("rev").to_number<std::uint64_t>();
  }
  BOOST_REQUIRE_EQUAL(sim.wait_exit(60000), 0);
  return seen;
}

// The changes of a plain client catching up from rev 0: key -> rev.
std::map<std::string, std::uint64_t> plain_catch_up(RelayUnderTest& relay) {
  Client plain(relay.http(), false);
  plain.send(R"({"type":"auth","token":"demo-viewer-token"})");
  plain.read();
  plain.send(R"({"type":"alert_subscribe","reqId":"s","sources":["load-test"],"sinceRev":0})");
  plain.read();
  std::map<std::string, std::uint64_t> expected;
  for (bool done = false; !done;) {
    const auto [text, binary] = plain.read();
    BOOST_TEST_REQUIRE(!binary);
    const auto message = parse_object(text);
    done = message.at("type") == "catch_up_complete";
    if (message.at("type") != "alert_batch") continue;
    for (const auto& change : message.at("data").as_array())
      expected[std::string(change.at("data").at("key").as_string())] = change.at("rev").to_number<std::uint64_t>();
  }
  return expected;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_encodings)

BOOST_AUTO_TEST_CASE(flatbuffers_frames_verify_and_carry_every_alert_a_plain_client_gets) {
  RelayUnderTest relay;
  Client client(relay.http(), false);
  client.send(R"({"type":"auth","token":"demo-viewer-token"})");
  const auto welcome = client.read_raw();
  BOOST_TEST_REQUIRE(!welcome.second);  // everything but alert changes stays JSON text
  BOOST_TEST_REQUIRE(welcome.first.find("welcome") != std::string::npos);
  client.send(
      R"({"type":"alert_subscribe","reqId":"s","sources":["load-test"],"encoding":"flatbuffers","batchSize":100})");
  const auto subscribed = client.read_raw();
  BOOST_TEST_REQUIRE(!subscribed.second);
  BOOST_REQUIRE(parse_object(subscribed.first).at("ok").as_bool());
  ChildProcess sim({ROVER_SIM_PATH, "--key-file", TestFleet::get().key_file().string(), "--relay", relay.link().host + ":" + std::to_string(relay.link().port),
                    "--rover-id", "rover-fb", "--rate", "5000", "--count", std::to_string(kAlerts), "--distinct-keys",
                    "--queue-capacity", "8192", "--staging-capacity", "512"});
  BOOST_REQUIRE(sim.started());
  std::map<std::string, std::uint64_t> seen;
  std::size_t frames = 0;
  std::size_t batches = 0;
  while (seen.size() < static_cast<std::size_t>(kAlerts)) {
    const auto [bytes, binary] = client.read_raw();
    if (!binary) {
      // catch_up_complete and the like; never an alert change.
      const auto type = std::string(parse_object(bytes).at("type").as_string());
      BOOST_TEST_REQUIRE((type != "alert" && type != "alert_batch"), "a change as JSON: " << type);
      continue;
    }
    ++frames;
    BOOST_TEST_REQUIRE(is_client_frame(bytes), "a binary frame without the RVCL identifier");
    std::string error;
    const auto frame = decode_client_frame(bytes, error);
    BOOST_TEST_REQUIRE(frame.has_value(), error);
    if (frame->batch) ++batches;
    for (const auto& change : frame->changes) {
      BOOST_TEST_REQUIRE(!change.at("id").as_string().empty());
      BOOST_TEST(change.at("data").at("source") == "load-test");
      BOOST_TEST(change.at("data").at("rover") == "rover-fb");
      BOOST_TEST(change.at("type") == "new");
      BOOST_TEST(change.at("rev").to_number<std::uint64_t>() > 0u);
      seen[std::string(change.at("data").at("key").as_string())] = change.at("rev").to_number<std::uint64_t>();
    }
  }
  BOOST_REQUIRE_EQUAL(sim.wait_exit(60000), 0);
  BOOST_TEST(frames > 0u);
  BOOST_TEST(batches > 0u);

  // A plain client catching up from rev 0 gets the same alerts at the same revs.
  const auto expected = plain_catch_up(relay);
  BOOST_TEST(expected.size() == static_cast<std::size_t>(kAlerts));
  BOOST_TEST((seen == expected));
}

BOOST_AUTO_TEST_CASE(lz4_batches_decode_to_what_a_plain_client_gets) {
  RelayUnderTest relay;
  Client lz4(relay.http(), false);
  std::size_t lz4_binary = 0;
  const auto compressed =
      collect(relay, lz4, R"(,"compression":"lz4","compressionThreshold":256,"batchSize":100)", "rover-lz4", lz4_binary);
  BOOST_TEST(lz4_binary > 0u);
  BOOST_TEST(metric(relay.http(), "delivery_lz4_messages_total") > 0u);
  BOOST_TEST(metric(relay.http(), "delivery_encoded_bytes_total{encoding=\"lz4\"}") > 0u);

  // A plain client catching up from rev 0 gets the same alerts at the same revs.
  BOOST_TEST((compressed == plain_catch_up(relay)));
}

BOOST_AUTO_TEST_CASE(an_unknown_compression_is_refused) {
  RelayUnderTest relay;
  Client client(relay.http(), false);
  client.send(R"({"type":"auth","token":"demo-viewer-token"})");
  client.read();
  client.send(R"({"type":"alert_subscribe","reqId":"s","compression":"zip"})");
  const auto reply = parse_object(client.read().first);
  BOOST_TEST(!reply.at("ok").as_bool());
  BOOST_TEST(error_code_of(reply) == "BAD_REQUEST");
}

BOOST_AUTO_TEST_CASE(permessage_deflate_is_agreed_when_offered_and_carries_the_stream) {
  RelayUnderTest relay;
  Client deflate(relay.http(), true);
  BOOST_TEST(deflate.agreed_extensions().find("permessage-deflate") != std::string::npos);
  std::size_t binary = 0;
  const auto seen = collect(relay, deflate, "", "rover-deflate", binary);
  BOOST_TEST(seen.size() == static_cast<std::size_t>(kAlerts));
  BOOST_TEST(binary == 0u);

  RelayUnderTest without({"--deflate", "off"});
  Client refused(without.http(), true);
  BOOST_TEST(refused.agreed_extensions().empty());
}

BOOST_AUTO_TEST_SUITE_END()
