// What a buggy or compromised rover (one that holds its key) and a stranger
// who only opens connections can no longer do to a real relay process: send
// text that breaks every client, poison a boot's sequence numbers, clear
// another boot's alerts, hold connections without saying Hello, open
// connections without bound, or make the relay allocate what a length prefix
// announces. What a stranger without the key cannot do: link_auth_test.
// Each case checks the refusal is counted on /metrics and that a bystander
// rover is still served.

#include "link_client.hpp"

#include <rover_alerts/link_framing.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace json = boost::json;
namespace wire = rover_alerts::link;
using namespace rover_alerts::testing;

namespace {

constexpr std::uint64_t kBoot = kTestBoot;

std::vector<std::uint8_t> event(std::uint64_t seq, const std::string& key, const std::string& message,
                                wire::EventKind kind = wire::EventKind::Raise) {
  flatbuffers::FlatBufferBuilder b(256);
  const auto e = wire::CreateAlertEventDirect(b, kind, key.c_str(), wire::Priority::Critical, "probe", nullptr,
                                              message.c_str());
  return finish_link_frame(b, seq, wire::Payload::AlertEvent, e.Union());
}

std::uint64_t rejected(const Endpoint& http, const std::string& reason) {
  return metric(http, "link_frames_rejected_total{reason=\"" + reason + "\"}");
}

// A subscriber's next alert change (skipping other messages).
json::object next_alert(WsProbe& client) {
  for (;;) {
    const auto text = client.read();
    BOOST_REQUIRE_MESSAGE(text, "no alert came");
    // The relay's JSON must be valid UTF-8: Boost.JSON's parser refuses anything else.
    const auto message = parse_object(text);
    if (message.at("type") == "alert") return message.at("data").as_object();
  }
}

std::unique_ptr<WsProbe> subscriber(const Endpoint& http) {
  auto client = std::make_unique<WsProbe>(http);
  client->auth("demo-viewer-token");
  client->send_text(R"({"type":"alert_subscribe","reqId":"sub"})");
  BOOST_REQUIRE(parse_object(client->read()).at("ok").as_bool());
  return client;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_hardening)

BOOST_AUTO_TEST_CASE(invalid_utf8_from_a_rover_reaches_clients_as_replacement_characters) {
  RelayUnderTest relay;
  auto watcher = subscriber(relay.http());
  LinkClient rover(relay.link());
  BOOST_REQUIRE(rover.authenticate("rover-utf8", kFleetKeyHex, 0));
  rover.send(event(1, "probe/bad-text", std::string("temp \xFF\xFE sensor \xC3")));
  BOOST_TEST(rover.acked(1));
  const auto change = next_alert(*watcher);
  BOOST_TEST(change.at("data").at("message").as_string() == "temp \xEF\xBF\xBD\xEF\xBF\xBD sensor \xEF\xBF\xBD");
  BOOST_TEST(metric(relay.http(), "link_fields_repaired_total{reason=\"invalid_utf8\"}") == 1u);
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));
}

// A seq far past what the boot announced would make every later real event a
// "duplicate": it is refused and never recorded, so the rover's next events
// (on a new connection, same boot) are applied.
BOOST_AUTO_TEST_CASE(a_sequence_far_past_what_the_boot_announced_is_refused_and_not_recorded) {
  RelayUnderTest relay;
  auto watcher = subscriber(relay.http());
  {
    LinkClient buggy(relay.link());
    BOOST_REQUIRE(buggy.authenticate("rover-seq", kFleetKeyHex, 3));
    buggy.send(event(std::uint64_t{1} << 62, "probe/poison", "poison"));
    BOOST_TEST(buggy.closed_by_peer());
  }
  BOOST_TEST(rejected(relay.http(), "seq_out_of_range") == 1u);
  LinkClient rover(relay.link());
  BOOST_REQUIRE(rover.authenticate("rover-seq", kFleetKeyHex, 3));
  rover.send(event(1, "probe/real", "real alert"));
  BOOST_TEST(rover.acked(1));
  const auto change = next_alert(*watcher);
  BOOST_TEST(change.at("data").at("key").as_string() == "probe/real");
  BOOST_TEST(metric(relay.http(), "rover_events_applied_total{rover=\"rover-seq\"}") == 1u);
}

BOOST_AUTO_TEST_CASE(a_connection_that_says_no_hello_is_closed_after_the_hello_timeout) {
  RelayUnderTest relay({"--link-hello-timeout", "1"});
  LinkClient silent(relay.link());
  BOOST_TEST(silent.closed_by_peer());
  BOOST_TEST(metric(relay.http(), "link_hello_timeouts_total") == 1u);
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));
}

BOOST_AUTO_TEST_CASE(link_connections_are_capped_in_all_and_per_address) {
  RelayUnderTest relay({"--max-links", "4", "--max-links-per-address", "2"});
  std::vector<std::unique_ptr<LinkClient>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<LinkClient>(relay.link(), "127.0.0.2"));
    BOOST_REQUIRE(held.back()->authenticate("rover-held-" + std::to_string(i)));
  }
  LinkClient third_from_same(relay.link(), "127.0.0.2");
  BOOST_TEST(third_from_same.closed_by_peer());
  BOOST_TEST(metric(relay.http(), "link_connections_refused_total{reason=\"address_cap\"}") == 1u);
  // Another address still gets in, up to the total.
  held.push_back(std::make_unique<LinkClient>(relay.link(), "127.0.0.3"));
  BOOST_REQUIRE(held.back()->authenticate("rover-held-3"));
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));  // the fourth connection
  held.push_back(std::make_unique<LinkClient>(relay.link(), "127.0.0.4"));
  held.push_back(std::make_unique<LinkClient>(relay.link(), "127.0.0.5"));
  BOOST_TEST(held.back()->closed_by_peer());
  BOOST_TEST(metric(relay.http(), "link_connections_refused_total{reason=\"total_cap\"}") >= 1u);
}

// Announcing a 60 KB frame and sending 10 bytes of it costs the relay one
// read piece (4 KiB), not the 60 KB announced: the relay's own count of its
// link read buffers says so (the process's RSS would not, under ASan).
BOOST_AUTO_TEST_CASE(a_frame_buffer_grows_only_as_its_bytes_arrive) {
  constexpr int kConnections = 400;
  constexpr std::uint32_t kAnnounced = 60000;
  RelayUnderTest relay({"--max-links", "1000", "--max-links-per-address", "1000"});
  std::vector<std::unique_ptr<LinkClient>> held;
  // After the handshake (a rover of its own: a newer connection of one rover
  // closes the older one), a segment that announces kAnnounced bytes and sends 10.
  const auto partial = [&] {
    std::vector<std::uint8_t> bytes(wire::kSealHeaderBytes);
    wire::write_seal_header(bytes.data(), kAnnounced);
    bytes.resize(bytes.size() + 10, 'x');
    return bytes;
  };
  const auto connected = [&] {
    const std::string text = metrics_request(relay.http()).body;
    std::uint64_t n = 0;
    for (std::size_t at = 0; (at = text.find("rover_link_connected{rover=\"rover-big-", at)) != std::string::npos; ++at)
      n += text.compare(text.find('}', at), 3, "} 1") == 0 ? 1 : 0;
    return n;
  };
  const std::uint64_t rss_before = relay.rss_bytes();
  for (int i = 0; i < kConnections; ++i) {
    held.push_back(std::make_unique<LinkClient>(relay.link()));
    BOOST_REQUIRE(held.back()->authenticate("rover-big-" + std::to_string(i)));
    held.back()->send_raw(partial());
  }
  // Every rover admitted: the relay then reads the header and the 10 bytes behind it.
  for (int tries = 0; connected() < static_cast<std::uint64_t>(kConnections) && tries < 100; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_REQUIRE(connected() == static_cast<std::uint64_t>(kConnections));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::uint64_t buffers = metric(relay.http(), "link_read_buffer_bytes");
  BOOST_TEST_MESSAGE("link read buffers: " << buffers / 1024 << " KiB for " << kConnections << " connections (RSS grew "
                                           << (relay.rss_bytes() - std::min(rss_before, relay.rss_bytes())) / 1024
                                           << " KiB)");
  // What each prefix announced would be 400 x 60 KB = 24 MB.
  BOOST_TEST(buffers >= std::uint64_t{kConnections} * 10);
  BOOST_TEST(buffers <= std::uint64_t{kConnections} * 2 * (4096 + wire::kSealHeaderBytes));
  held.clear();  // the relay gives the buffers back as the connections go
  for (int tries = 0; metric(relay.http(), "link_read_buffer_bytes") != 0 && tries < 100; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(metric(relay.http(), "link_read_buffer_bytes") == 0u);
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));
}

// Past its cap a rover's new alerts are acknowledged but not stored; the rover
// learns how many in its acks, operators on /metrics and in get_stats.
BOOST_AUTO_TEST_CASE(a_rover_past_its_alert_cap_is_refused_new_alerts_and_told_so) {
  RelayUnderTest relay({"--rover-max-alerts", "3"});
  auto watcher = subscriber(relay.http());
  LinkClient rover(relay.link());
  BOOST_REQUIRE(rover.authenticate("rover-capped", kFleetKeyHex, 0));
  for (std::uint64_t seq = 1; seq <= 5; ++seq) rover.send(event(seq, "probe/k" + std::to_string(seq), "m"));
  BOOST_TEST_REQUIRE(rover.acked(5));  // every frame acknowledged: nothing is replayed for ever
  BOOST_TEST(rover.refused() == 2u);
  for (int i = 1; i <= 3; ++i)
    BOOST_TEST(next_alert(*watcher).at("data").at("key").as_string() == "probe/k" + std::to_string(i));
  BOOST_TEST(metric(relay.http(), "rover_alerts_refused_total{rover=\"rover-capped\"}") == 2u);
  WsProbe admin(relay.http());
  admin.auth("demo-admin-token");
  admin.send_text(R"({"type":"get_stats","reqId":"s"})");
  const auto stats = parse_object(admin.read());
  BOOST_TEST(stats.at("result").at("rovers").at("rover-capped").at("alertsRefused").to_number<std::uint64_t>() == 2u);
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));  // another rover has its own cap
}

// A rover over its frame quota is not read until the quota refills: nothing
// is lost (every frame is applied in the end), the throttling is counted and
// another rover is served meanwhile.
BOOST_AUTO_TEST_CASE(a_rover_over_its_frame_quota_is_slowed_down_not_cut_off) {
  constexpr std::uint64_t kFrames = 150;
  RelayUnderTest relay({"--rover-rate", "50/20"});
  LinkClient rover(relay.link());
  BOOST_REQUIRE(rover.authenticate("rover-fast", kFleetKeyHex, 0));
  std::vector<std::uint8_t> all;
  for (std::uint64_t seq = 1; seq <= kFrames; ++seq) {
    const auto frame = event(seq, "probe/k" + std::to_string(seq % 7), "m");
    all.insert(all.end(), frame.begin(), frame.end());
  }
  rover.send(all);
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));
  BOOST_TEST(rover.acked(kFrames));
  BOOST_TEST(metric(relay.http(), "link_reads_throttled_total") >= 1u);
  BOOST_TEST(metric(relay.http(), "rover_events_applied_total{rover=\"rover-fast\"}") == kFrames);
}

// The issue's attack: a Clear for a real rover's key from another boot id,
// after which an ack would remove a real emergency stop. Ignored, counted.
BOOST_AUTO_TEST_CASE(a_clear_from_another_boot_changes_nothing) {
  RelayUnderTest relay;
  auto watcher = subscriber(relay.http());
  {
    LinkClient rover(relay.link());
    BOOST_REQUIRE(rover.authenticate("rover-estop", kFleetKeyHex, 0));
    rover.send(event(1, "safety/estop", "emergency stop"));
    BOOST_TEST_REQUIRE(rover.acked(1));
  }
  const auto raised = next_alert(*watcher);
  LinkClient next_boot(relay.link());
  BOOST_REQUIRE(next_boot.authenticate("rover-estop", kFleetKeyHex, 0, kBoot + 1));
  next_boot.send(event(1, "safety/estop", "", wire::EventKind::Clear));
  BOOST_TEST_REQUIRE(next_boot.acked(1));
  BOOST_TEST(metric(relay.http(), "link_events_ignored_total") == 1u);
  WsProbe admin(relay.http());
  admin.auth("demo-admin-token");
  admin.send_text(R"({"type":"alert_sync","reqId":"s","sinceRev":0})");
  const auto sync = parse_object(admin.read());
  const auto& alerts = sync.at("result").at("alerts").as_array();
  BOOST_TEST_REQUIRE(alerts.size() == 1u);
  BOOST_TEST(alerts[0].at("id") == raised.at("id"));
  BOOST_TEST(alerts[0].at("data").at("state").as_string() == "active_unacked");
}

BOOST_AUTO_TEST_SUITE_END()
