// One alert end to end: rover-sim -> link -> alert-relay -> WebSocket client.
// Real processes on ephemeral loopback ports; the client authenticates,
// subscribes and checks the exact JSON of every alert that arrives.

#include "support/child_process.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/raw_connection.hpp"
#include "support/ws_test_client.hpp"

#include <rover_alerts/link_framing.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

namespace json = boost::json;
namespace fs = std::filesystem;
using rover_alerts::testing::ChildProcess;
using rover_alerts::testing::TempDir;
using rover_alerts::testing::TestFleet;
using rover_alerts::testing::WsTestClient;

namespace {

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// The emitter stamps alerts with the kernel's tick clock, which lags the
// precise one by up to a tick: a lower bound for its timestamps must come
// from the same clock (and it is below any precise reading taken later).
std::uint64_t tick_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

using rover_alerts::testing::Endpoint;
using rover_alerts::testing::parse_endpoint;

// A relay on ephemeral ports with its own data folder, stopped at the end.
struct RelayFixture {
  TempDir data_dir{"it"};
  std::unique_ptr<ChildProcess> relay;
  Endpoint http;
  Endpoint link;

  RelayFixture() {
    relay = std::make_unique<ChildProcess>(std::vector<std::string>{
        ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
        data_dir.path.string(), "--tokens", DEMO_TOKENS_PATH, "--rovers", TestFleet::get().rovers_file().string()});
    BOOST_REQUIRE(relay->started());
    const auto line = relay->read_line();
    BOOST_REQUIRE_MESSAGE(line, "relay printed no listening line");
    std::smatch m;
    const std::regex pattern(R"(^listening http=(\S+) link=(\S+)$)");
    BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, pattern), "unexpected first line: " << *line);
    http = parse_endpoint(m[1]);
    link = parse_endpoint(m[2]);
    BOOST_REQUIRE(http.port != 0);
    BOOST_REQUIRE(link.port != 0);
  }
  ~RelayFixture() {
    BOOST_CHECK_EQUAL(relay->terminate(), 0);  // SIGTERM is a clean shutdown
  }

  std::unique_ptr<WsTestClient> subscribed_client(const std::string& token) {
    auto client = std::make_unique<WsTestClient>(http.host, http.port, "/");
    client->send(R"({"type":"auth","token":")" + token + R"("})");
    const auto welcome = client->read();
    BOOST_REQUIRE(welcome);
    const auto w = json::parse(*welcome).as_object();
    BOOST_REQUIRE_EQUAL(w.at("type").as_string(), "welcome");
    client->send(R"({"type":"alert_subscribe","reqId":"sub-1"})");
    const auto response = client->read();
    BOOST_REQUIRE(response);
    const auto r = json::parse(*response).as_object();
    BOOST_REQUIRE_EQUAL(r.at("type").as_string(), "response");
    BOOST_REQUIRE_EQUAL(r.at("reqId").as_string(), "sub-1");
    BOOST_REQUIRE(r.at("ok").as_bool());
    return client;
  }

  std::unique_ptr<ChildProcess> rover(const std::string& rover_id, int count) {
    auto sim = std::make_unique<ChildProcess>(std::vector<std::string>{
        ROVER_SIM_PATH, "--key-file", TestFleet::get().key_file().string(), "--relay", link.host + ":" + std::to_string(link.port), "--rover-id", rover_id, "--rate",
        "50", "--count", std::to_string(count)});
    BOOST_REQUIRE(sim->started());
    return sim;
  }
};

std::string boot_id_of(ChildProcess& sim, const std::string& rover_id) {
  const auto line = sim.read_line();
  BOOST_REQUIRE(line);
  std::smatch m;
  const std::regex pattern("^rover-sim rover=" + rover_id + " boot=([0-9a-f]{16})$");
  BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, pattern), "unexpected rover-sim line: " << *line);
  return m[1];
}

// The exact JSON the relay must send for the scenario's first five raises.
// `T` stands for the rover's raise time, which the test reads from the message.
std::string expected_alert(int n, const std::string& id_prefix) {
  const std::string id = id_prefix + std::to_string(n + 1);
  const std::string head = R"J({"type":"alert","data":{"id":")J" + id + R"J(","type":"new","priority":")J";
  const std::string rev = std::to_string(n + 1);
  switch (n) {
    case 0:
      return head + R"J(critical","timestamp":T,"rev":)J" + rev +
             R"J(,"data":{"title":"Emergency Stop","message":"Rover emergency stop activated","source":"rover-control","key":"safety/estop","rover":"rover-it","state":"active_unacked","active":true,"acknowledged":false,"persistent":true,"closable":false,"occurrences":1,"firstSeen":T,"lastSeen":T,"metadata":{"trigger":"bumper-front"}}}})J";
    case 1:
      return head + R"J(high","timestamp":T,"rev":)J" + rev +
             R"J(,"data":{"title":"Battery Low","message":"Battery at 18%: return to base recommended","source":"power-management","key":"power/battery-low","rover":"rover-it","state":"active_unacked","active":true,"acknowledged":false,"persistent":false,"closable":true,"occurrences":1,"firstSeen":T,"lastSeen":T,"action":{"label":"Return to Base","actionType":"navigation.return_to_base","parameters":{"reason":"low_battery"}},"metadata":{"stateOfChargePercent":"18"}}}})J";
    case 2:
      return head + R"J(medium","timestamp":T,"rev":)J" + rev +
             R"J(,"data":{"title":"Motor Over-Temperature","message":"Left rear drive motor at 92 °C (limit 85 °C)","source":"drive-system","key":"drive/motor-left-rear-overtemp","rover":"rover-it","state":"active_unacked","active":true,"acknowledged":false,"persistent":false,"closable":true,"occurrences":1,"firstSeen":T,"lastSeen":T,"metadata":{"motor":"left-rear","temperatureC":"92"},"groupId":"drive-thermal"}}})J";
    case 3:
      return head + R"J(low","timestamp":T,"rev":)J" + rev +
             R"J(,"data":{"title":"Comms Degraded","message":"Radio link quality 41% (RSSI -97 dBm)","source":"comms","key":"comms/link-degraded","rover":"rover-it","state":"active_unacked","active":true,"acknowledged":false,"persistent":false,"closable":true,"occurrences":1,"firstSeen":T,"lastSeen":T,"metadata":{"rssiDbm":"-97"}}}})J";
    default:
      return head + R"J(info","timestamp":T,"rev":)J" + rev +
             R"J(,"data":{"title":"Waypoint Reached","message":"Reached waypoint 1","source":"navigation","key":"navigation/waypoint-1","rover":"rover-it","state":"active_unacked","active":true,"acknowledged":false,"persistent":false,"closable":true,"occurrences":1,"firstSeen":T,"lastSeen":T}}})J";
  }
}

// Replaces every occurrence of the message's own timestamp by "T", after checking
// it is a plausible raise time.
std::string with_time_placeholder(const std::string& text, std::uint64_t not_before, std::uint64_t not_after) {
  const auto v = json::parse(text);
  const auto t = v.at("data").at("timestamp").to_number<std::uint64_t>();
  BOOST_TEST(t >= not_before);
  BOOST_TEST(t <= not_after);
  return std::regex_replace(text, std::regex(":" + std::to_string(t) + "([,}])"), ":T$1");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(end_to_end)

BOOST_FIXTURE_TEST_CASE(relay_answers_health_checks, RelayFixture) {
  BOOST_TEST(rover_alerts::testing::http_request(http, "/healthz").status == 200);
  BOOST_TEST(rover_alerts::testing::http_request(http, "/no-such-page").status == 404);
}

BOOST_FIXTURE_TEST_CASE(rover_alerts_reach_a_subscribed_client_exactly, RelayFixture) {
  auto client = subscribed_client("demo-operator-token");
  const auto started = tick_clock_ms();
  auto sim = rover("rover-it", 5);
  const std::string boot = boot_id_of(*sim, "rover-it");
  const std::string id_prefix = "rover-it-" + boot + "-";

  for (int n = 0; n < 5; ++n) {
    const auto message = client->read();
    BOOST_REQUIRE_MESSAGE(message, "alert " << n << " did not arrive: " << client->last_error().message());
    BOOST_TEST(with_time_placeholder(*message, started, now_ms()) == expected_alert(n, id_prefix));
  }
  // rover-sim exits 0 only when the relay acknowledged all five.
  const auto summary = sim->read_line();
  BOOST_REQUIRE(summary);
  BOOST_TEST(summary->find("accepted=5 sent=5 acked=5 lost=0") != std::string::npos, *summary);
  BOOST_TEST(sim->wait_exit() == 0);
}

BOOST_FIXTURE_TEST_CASE(unauthenticated_clients_get_nothing, RelayFixture) {
  WsTestClient client(http.host, http.port, "/");
  client.send(R"({"type":"auth","token":"not-a-token"})");
  const auto reply = client.read();
  BOOST_REQUIRE(reply);
  const auto r = json::parse(*reply).as_object();
  BOOST_TEST(r.at("type").as_string() == "error");  // no reqId: a plain error message
  BOOST_TEST(r.at("error").at("code").as_string() == "UNAUTHENTICATED");
  BOOST_TEST(!client.read());  // and the relay closes the connection
}

BOOST_FIXTURE_TEST_CASE(garbage_on_the_link_is_refused_and_harms_no_one, RelayFixture) {
  auto client = subscribed_client("demo-viewer-token");
  {
    // A peer that speaks nonsense: a length prefix over the cap, then junk.
    rover_alerts::testing::RawConnection junk(link);
    const std::uint8_t garbage[] = {0xFF, 0xFF, 0xFF, 0x7F, 'n', 'o', 'p', 'e'};
    junk.send(garbage, sizeof garbage);
    BOOST_TEST(junk.closed_by_peer());  // the relay hangs up
  }
  auto sim = rover("rover-it", 1);
  boot_id_of(*sim, "rover-it");
  const auto message = client->read();
  BOOST_REQUIRE(message);
  BOOST_TEST(json::parse(*message).at("data").at("priority").as_string() == "critical");
  BOOST_TEST(sim->wait_exit() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
