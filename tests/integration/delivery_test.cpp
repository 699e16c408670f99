// The delivery engine against the real relay and rover-sim: a client that
// stops reading while a rover floods neither grows the relay nor delays the
// critical alerts of others, and ends as specified; a subscriber to 100 000
// active alerts gets all of them.

#include "relay_under_test.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

using namespace rover_alerts::testing;

namespace {

constexpr int kFloodCount = 100000;

// rover-sim raising `count` distinct low alerts as fast as the link takes them.
std::unique_ptr<ChildProcess> start_flood(const Endpoint& link, const std::string& rover_id, int count) {
  auto sim = std::make_unique<ChildProcess>(std::vector<std::string>{
      ROVER_SIM_PATH, "--key-file", TestFleet::get().key_file().string(), "--relay", link.host + ":" + std::to_string(link.port), "--rover-id", rover_id, "--rate",
      "50000", "--count", std::to_string(count), "--distinct-keys", "--staging-capacity", "512", "--queue-capacity",
      "8192", "--replay-ring-bytes", "33554432", "--drain-timeout-ms", "60000"});
  BOOST_REQUIRE(sim->started());
  return sim;
}

void subscribe(WsProbe& client, const std::string& extra = {}) {
  client.send_text(R"({"type":"alert_subscribe","reqId":"sub")" + extra + "}");
  const auto reply = parse_object(client.read());
  BOOST_REQUIRE_MESSAGE(reply.at("ok").as_bool(), boost::json::serialize(reply));
}

std::string create_critical(int i) {
  return R"({"type":"alert_create","reqId":"c)" + std::to_string(i) +
         R"(","priority":"critical","source":"ground-safety","title":"Geofence","message":"breach )" +
         std::to_string(i) + R"("})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery)

// The flood rover may send as fast as it can and hold every alert it raises.
const std::vector<std::string> kUnthrottledRover{"--rover-rate", "1000000", "--rover-max-alerts", "200000"};

BOOST_AUTO_TEST_CASE(a_stalled_client_neither_grows_the_relay_nor_keeps_critical_alerts_from_others) {
  std::vector<std::string> args = kUnthrottledRover;
  args.insert(args.end(), {"--journal-max-backlog", "8192"});  // see the memory bound below
  RelayUnderTest relay(args);
  WsProbe stalled(relay.http(), 10000, 4096);
  stalled.auth("demo-viewer-token");
  subscribe(stalled);
  WsProbe watcher(relay.http(), 20000);
  watcher.auth("demo-operator-token");
  subscribe(watcher, R"(,"priorities":["critical"])");
  WsProbe admin(relay.http());
  admin.auth("demo-admin-token");

  auto sim = start_flood(relay.link(), "rover-flood", kFloodCount);
  // Critical alerts raised during the flood reach the watcher, each one.
  for (int i = 0; i < 5; ++i) {
    admin.send_text(create_critical(i));
    bool got = false;
    while (!got) {
      const auto message = watcher.read();
      BOOST_REQUIRE_MESSAGE(message, "the watcher was not sent critical alert " << i);
      const auto object = parse_object(message);
      got = object.at("type") == "alert" &&
            object.at("data").at("data").at("message").as_string() == "breach " + std::to_string(i);
    }
  }
  BOOST_REQUIRE_EQUAL(sim->wait_exit(120000), 0);  // every alert raised was acknowledged

  // The stalled client's queue stopped at its high-water mark (2 MiB by
  // default, plus the batch that crossed it): low alerts past it were dropped.
  // Queued without limit (tried), its 100 000 changes took 35 MB and the
  // relay 132 MiB of its own.
  const std::uint64_t queued = metric(relay.http(), "delivery_queued_bytes");
  BOOST_TEST_MESSAGE("bytes queued for the stalled client: " << queued);
  BOOST_TEST(queued <= 3ull * 1024 * 1024);
  // And the relay's memory says the same: the store's 100 000 alerts (about
  // 40 MiB, measured) and that queue. Its own memory (RssAnon), not the pages
  // of its binary and libraries; the journal's backlog is capped low so that
  // a slow disk on a busy host (fsyncs late, changes pile up) adds little.
  const std::uint64_t bound = 64ull * 1024 * 1024;
  BOOST_TEST_MESSAGE("relay RSS after the flood: " << relay.rss_bytes() / (1024 * 1024) << " MiB, "
                                                   << relay.rss_bytes("RssAnon") / (1024 * 1024) << " MiB its own");
  BOOST_TEST(relay.rss_bytes("RssAnon") < bound);
  BOOST_TEST(metric(relay.http(), "delivery_dropped_total") > 0u);

  // As specified for low alerts: dropped for it, and once it reads again it
  // is told to resync from before the first one it missed.
  std::optional<std::uint64_t> resync_rev;
  std::size_t changes = 0;
  while (!resync_rev) {
    const auto message = stalled.read();
    BOOST_REQUIRE_MESSAGE(message, "no resync_required after " << changes << " changes");
    const auto object = parse_object(message);
    if (object.at("type") == "resync_required") resync_rev = object.at("rev").to_number<std::uint64_t>();
    if (object.at("type") == "alert") ++changes;
  }
  BOOST_TEST(changes < static_cast<std::size_t>(kFloodCount));
  BOOST_TEST(*resync_rev < static_cast<std::uint64_t>(kFloodCount));
  BOOST_TEST(relay.alive());
}

BOOST_AUTO_TEST_CASE(a_client_that_does_not_take_high_alerts_in_time_is_closed_with_a_reason) {
  RelayUnderTest relay({"--stall-deadline", "1", "--rate-limit", "100000/100000"});
  WsProbe stalled(relay.http(), 20000, 4096);
  stalled.auth("demo-viewer-token");
  subscribe(stalled);
  WsProbe admin(relay.http());
  admin.auth("demo-admin-token");
  const std::string text(2000, 'x');
  for (int i = 0; i < 4000; ++i)
    admin.send_text(R"({"type":"alert_create","priority":"high","source":"ground","message":")" + text + R"("})");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  BOOST_TEST(stalled.read_until_closed().reason == "client too slow: high/medium alerts not taken in time");
  BOOST_TEST(metric(relay.http(), "delivery_slow_closes_total") == 1u);
}

BOOST_AUTO_TEST_CASE(a_subscriber_to_100000_active_alerts_gets_every_one) {
  RelayUnderTest relay(kUnthrottledRover);
  auto sim = start_flood(relay.link(), "rover-many", kFloodCount);
  BOOST_REQUIRE_EQUAL(sim->wait_exit(120000), 0);

  WsProbe client(relay.http(), 30000);
  client.auth("demo-viewer-token");
  subscribe(client);
  std::set<std::string> ids;
  std::size_t pages = 0;
  for (bool complete = false; !complete;) {
    const auto object = parse_object(client.read_frame());
    complete = object.at("type") == "catch_up_complete";
    if (object.at("type") != "alert_batch") continue;
    ++pages;
    for (const auto& change : object.at("data").as_array()) {
      BOOST_TEST_REQUIRE(change.at("type").as_string() == "new");
      ids.insert(std::string(change.at("id").as_string()));
    }
  }
  BOOST_TEST(ids.size() == static_cast<std::size_t>(kFloodCount));
  BOOST_TEST(pages >= 100u);
  BOOST_TEST(metric(relay.http(), "delivery_slow_closes_total") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
