// kill -9 of the relay mid-stream: nothing it acknowledged is lost, and no
// client keeps a change the crash undid.
//
// A real alert-relay with a fixed --data folder takes a stream of alerts from
// rover-sim while a WebSocket client records every change it is sent. The
// relay publishes routine changes only after the journal committed them;
// critical ones go out before their commit, within the journal's durable rev
// reservation (AlertJournal::reserved_rev()). The relay is killed with
// SIGKILL, restarted on the same data where the rover cannot reach it (so
// nothing changes the recovered state): it comes back in a NEW epoch (every
// client discards its state), at a rev at or past every rev the client saw
// (none is used again), and its snapshot holds every alert the client saw
// with the same rev and data, or a later one - only a critical change shown
// before its commit may be missing. Then it is killed again and restarted on
// the rover's port: the rover replays what was not acknowledged and must end
// with nothing lost, and the relay must hold exactly the alerts the rover
// raised. An operator's ack that was confirmed before the kill survives it. A
// client that resyncs as the protocol says (a new epoch: from nothing) ends
// with exactly the relay's state.

#include "support/child_process.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/ws_test_client.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace json = boost::json;
namespace fs = std::filesystem;
using rover_alerts::testing::ChildProcess;
using rover_alerts::testing::kill_hard;
using rover_alerts::testing::TempDir;
using rover_alerts::testing::TestFleet;
using rover_alerts::testing::start_relay;
using Relay = rover_alerts::testing::RelayProcess;
using rover_alerts::testing::WsTestClient;

namespace {

constexpr int kRate = 100;
constexpr int kCount = 1000;
constexpr int kKillAfterMessages = 150;
constexpr int kScenarioKinds = 5;  // firmware/sim/scenario.cpp: four recurring keys + one waypoint per round

// One alert as a client holds it.
struct Held {
  std::uint64_t rev = 0;
  std::string data;  // the serialized inner `data` object
  bool critical = false;
};

// A client's view: the alerts it holds, and the highest rev it has seen.
struct ClientState {
  std::map<std::string, Held> alerts;
  std::uint64_t rev = 0;
  std::size_t messages = 0;

  // Applies one AlertWebSocketMessage (or sync entry) {id, type, rev, data}.
  void apply(const json::object& change) {
    const std::string id(change.at("id").as_string());
    const std::string type(change.at("type").as_string());
    const auto change_rev = change.at("rev").to_number<std::uint64_t>();
    if (type == "remove" || type == "clear") {
      alerts.erase(id);
    } else {
      alerts[id] = Held{change_rev, json::serialize(change.at("data")), change.at("priority") == "critical"};
    }
    rev_seen(change_rev);
  }
  void rev_seen(std::uint64_t r) { rev = std::max(rev, r); }

  // Applies a relay message; returns false for messages that are not alert changes.
  bool apply_message(const std::string& text) {
    const auto value = json::parse(text);
    const auto& object = value.as_object();
    const auto type = object.at("type").as_string();
    if (type == "alert") {
      apply(object.at("data").as_object());
    } else if (type == "alert_batch") {
      for (const auto& change : object.at("data").as_array()) apply(change.as_object());
    } else {
      return false;
    }
    ++messages;
    return true;
  }
};

struct Welcome {
  std::string epoch;
  std::uint64_t rev = 0;
};

Welcome authenticate(WsTestClient& client) {
  client.send(R"({"type":"auth","token":"demo-operator-token"})");
  const auto welcome = client.read();
  BOOST_REQUIRE(welcome);
  const auto w = json::parse(*welcome).as_object();
  BOOST_REQUIRE_EQUAL(w.at("type").as_string(), "welcome");
  return Welcome{std::string(w.at("epoch").as_string()), w.at("rev").to_number<std::uint64_t>()};
}

void subscribe(WsTestClient& client) {
  client.send(R"({"type":"alert_subscribe","reqId":"sub"})");
  const auto response = client.read();
  BOOST_REQUIRE(response);
  const auto r = json::parse(*response).as_object();
  BOOST_REQUIRE_EQUAL(r.at("type").as_string(), "response");
  BOOST_REQUIRE(r.at("ok").as_bool());
}

// The relay's current alerts, as a new subscriber's snapshot. A second
// subscribe is answered (refused) after the snapshot, in order: the end mark.
ClientState snapshot_of(const Relay& relay, Welcome& welcome) {
  WsTestClient client(relay.http.host, relay.http.port, "/", 10000);
  welcome = authenticate(client);
  subscribe(client);
  client.send(R"({"type":"alert_subscribe","reqId":"end-of-snapshot"})");
  ClientState state;
  for (;;) {
    const auto message = client.read();
    BOOST_REQUIRE_MESSAGE(message, "snapshot did not end");
    if (state.apply_message(*message)) continue;
    const auto object = json::parse(*message).as_object();
    if (object.contains("reqId") && object.at("reqId") == "end-of-snapshot") break;
  }
  return state;
}

std::string read_boot(ChildProcess& sim, const std::string& rover_id) {
  const auto line = sim.read_line();
  BOOST_REQUIRE(line);
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, std::regex("^rover-sim rover=" + rover_id + " boot=([0-9a-f]{16})$")),
                        "unexpected rover-sim line: " << *line);
  return m[1];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crash_recovery)

BOOST_AUTO_TEST_CASE(kill_9_loses_nothing_acknowledged) {
  const TempDir data_dir("crash");

  // ---- run 1: a stream of alerts, killed in the middle ----------------------
  Relay first = start_relay(data_dir.path, 0);
  const unsigned short link_port = first.link.port;
  ClientState seen;
  Welcome before;
  {
    WsTestClient watcher(first.http.host, first.http.port, "/", 10000);
    before = authenticate(watcher);
    BOOST_TEST(before.rev == 0u);
    subscribe(watcher);

    // The rover keeps running through both restarts.
    auto sim = std::make_unique<ChildProcess>(std::vector<std::string>{
        ROVER_SIM_PATH, "--key-file", TestFleet::get().key_file().string(), "--relay", "127.0.0.1:" + std::to_string(link_port), "--rover-id", "rover-crash", "--rate",
        std::to_string(kRate), "--count", std::to_string(kCount)});
    BOOST_REQUIRE(sim->started());
    read_boot(*sim, "rover-crash");

    while (seen.messages < static_cast<std::size_t>(kKillAfterMessages)) {
      const auto message = watcher.read();
      BOOST_REQUIRE_MESSAGE(message, "the relay went quiet after " << seen.messages << " alerts");
      seen.apply_message(*message);
    }
    // An operator's acknowledgement, confirmed before the kill, must survive it.
    const std::string acked_id = seen.alerts.begin()->first;
    watcher.send(R"({"type":"alert_ack","reqId":"ack-before-kill","alertId":")" + acked_id + R"("})");
    for (;;) {
      const auto message = watcher.read();
      BOOST_REQUIRE_MESSAGE(message, "no answer to the ack");
      if (seen.apply_message(*message)) continue;
      const auto object = json::parse(*message).as_object();
      if (object.contains("reqId") && object.at("reqId") == "ack-before-kill") {
        BOOST_REQUIRE(object.at("ok").as_bool());
        break;
      }
    }
    kill_hard(first);
    // Whatever the relay managed to send before it died was committed.
    while (const auto message = watcher.read()) seen.apply_message(*message);
    BOOST_TEST_MESSAGE("client saw " << seen.messages << " alerts up to rev " << seen.rev << " before the kill");

    // ---- run 2: recovered state, with the rover shut out -------------------
    Relay second = start_relay(data_dir.path, 0);
    BOOST_REQUIRE(second.link.port != link_port);
    Welcome after;
    const ClientState recovered = snapshot_of(second, after);
    // A kill -9 renews the epoch (clients start over) and no rev comes back.
    BOOST_TEST(after.epoch != before.epoch);
    BOOST_TEST(after.rev >= seen.rev);

    std::size_t same_rev = 0;
    for (const auto& [id, held] : seen.alerts) {
      const auto it = recovered.alerts.find(id);
      if (it == recovered.alerts.end()) {
        BOOST_TEST(held.critical, "routine alert " << id << " (rev " << held.rev << ") was lost");
        continue;
      }
      BOOST_TEST(it->second.rev >= held.rev, id);
      if (it->second.rev == held.rev) {
        ++same_rev;
        BOOST_TEST(it->second.data == held.data, id);
      }
    }
    BOOST_TEST(same_rev > 0u);
    const auto acked = recovered.alerts.find(acked_id);
    BOOST_TEST_REQUIRE((acked != recovered.alerts.end()), "the acknowledged alert was lost");
    const auto acked_data = json::parse(acked->second.data).as_object();
    BOOST_TEST(acked_data.at("acknowledged").as_bool());
    BOOST_TEST(acked_data.at("acknowledgedBy").as_string() == "oscar");
    kill_hard(second);

    // ---- run 3: the rover comes back and finishes ---------------------------
    Relay third = start_relay(data_dir.path, link_port);
    const auto summary = sim->read_line(60000);
    BOOST_REQUIRE_MESSAGE(summary, "rover-sim did not finish");
    BOOST_TEST_MESSAGE(*summary);
    BOOST_TEST(summary->find("lost=0") != std::string::npos, *summary);
    BOOST_TEST(sim->wait_exit() == 0);  // everything raised was acknowledged

    Welcome final_welcome;
    const ClientState final_state = snapshot_of(third, final_welcome);
    BOOST_TEST(final_welcome.epoch != before.epoch);
    BOOST_TEST(final_welcome.epoch != after.epoch);
    std::set<std::string> keys;
    for (const auto& [id, held] : final_state.alerts) {
      const auto data = json::parse(held.data).as_object();
      keys.insert(std::string(data.at("key").as_string()));
    }
    // One alert per recurring key plus one per waypoint: nothing acknowledged was lost.
    BOOST_TEST(keys.size() == static_cast<std::size_t>(4 + kCount / kScenarioKinds));
    for (int n = 1; n <= kCount / kScenarioKinds; ++n)
      BOOST_TEST(keys.count("navigation/waypoint-" + std::to_string(n)) == 1u, n);

    // ---- a client that resyncs from where it was ---------------------------
    WsTestClient resync(third.http.host, third.http.port, "/", 10000);
    ClientState mine = seen;
    std::uint64_t since = seen.rev;
    if (authenticate(resync).epoch != before.epoch) {
      // What the protocol asks of a client that sees a new epoch.
      mine.alerts.clear();
      since = 0;
    }
    for (int page = 0; page < 1000; ++page) {
      resync.send(R"({"type":"alert_sync","reqId":"s","includeAcknowledged":true,"maxCount":100,"sinceRev":)" +
                  std::to_string(since) + "}");
      const auto answer = resync.read();
      BOOST_REQUIRE(answer);
      const auto r = json::parse(*answer).as_object();
      BOOST_REQUIRE_MESSAGE(r.at("ok").as_bool(), *answer);
      const auto& result = r.at("result").as_object();
      if (result.at("reset").as_bool()) mine.alerts.clear();
      for (const auto& change : result.at("alerts").as_array()) mine.apply(change.as_object());
      since = result.at("rev").to_number<std::uint64_t>();
      if (!result.at("more").as_bool()) break;
    }
    BOOST_TEST(since == final_welcome.rev);
    BOOST_TEST(mine.alerts.size() == final_state.alerts.size());
    for (const auto& [id, held] : final_state.alerts) {
      const auto it = mine.alerts.find(id);
      BOOST_TEST_REQUIRE((it != mine.alerts.end()), "resync missed " << id);
      BOOST_TEST(it->second.rev == held.rev, id);
      BOOST_TEST(it->second.data == held.data, id);
    }
    BOOST_TEST(third.process->terminate() == 0);
    sim.reset();
  }
}

// Every action answered before the crash is in the audit trail after it,
// refusals included; the audit trail reads the same on the relay that came back.
BOOST_AUTO_TEST_CASE(the_audit_trail_survives_kill_9) {
  rover_alerts::testing::TempDir data_dir("audit-crash");
  Relay first = start_relay(data_dir.path, 0);
  const auto request = [](WsTestClient& client, const std::string& token, const std::string& message) {
    client.send(R"({"type":"auth","token":")" + token + R"("})");
    BOOST_REQUIRE(client.read());  // welcome (or, for a bad token, the error)
    client.send(message);
    const auto answer = client.read();
    BOOST_REQUIRE(answer);
    return json::parse(*answer).as_object();
  };
  {
    WsTestClient admin(first.http.host, first.http.port, "/", 10000);
    const auto created = request(admin, "demo-admin-token",
                                 R"({"type":"alert_create","reqId":"c","priority":"high","source":"s","message":"m"})");
    BOOST_REQUIRE(created.at("ok").as_bool());
    const std::string id(created.at("result").at("alertId").as_string());
    WsTestClient viewer(first.http.host, first.http.port, "/", 10000);
    BOOST_REQUIRE(!request(viewer, "demo-viewer-token", R"({"type":"alert_clear","reqId":"x","ids":[")" + id + R"("]})")
                       .at("ok").as_bool());
    WsTestClient stranger(first.http.host, first.http.port, "/", 10000);
    stranger.send(R"({"type":"auth","token":"not-a-token"})");
    BOOST_REQUIRE(stranger.read());
    // The ack is answered once committed, and with it everything recorded before it.
    WsTestClient op(first.http.host, first.http.port, "/", 10000);
    BOOST_REQUIRE(request(op, "demo-operator-token",
                          R"({"type":"alert_ack","reqId":"a","alertId":")" + id + R"(","comment":"before the crash"})")
                      .at("ok").as_bool());
  }
  // A refused token just before the crash, with nothing after it to commit it:
  // killed as soon as the refusal is read.
  WsTestClient last(first.http.host, first.http.port, "/", 10000);
  last.send(R"({"type":"auth","token":"another-stranger"})");
  BOOST_REQUIRE(last.read());
  kill_hard(first);

  Relay second = start_relay(data_dir.path, 0);
  WsTestClient auditor(second.http.host, second.http.port, "/", 10000);
  const auto page = request(auditor, "demo-admin-token", R"({"type":"audit_query","reqId":"q","maxCount":500})");
  BOOST_REQUIRE_MESSAGE(page.at("ok").as_bool(), json::serialize(page));
  std::map<std::string, int> seen;
  for (const auto& e : page.at("result").at("entries").as_array()) {
    const auto& o = e.as_object();
    seen[std::string(o.at("action").as_string()) + "/" + std::string(o.at("outcome").as_string()) + "/" +
         std::string(o.at("user").as_string())]++;
    if (o.at("action").as_string() == "alert_ack") BOOST_TEST(o.at("detail").as_string() == "before the crash");
  }
  for (const char* expected : {"alert_create/ok/ada", "alert_ack/ok/oscar", "alert_clear/refused/vera",
                               "auth/ok/ada", "auth/ok/oscar", "auth/ok/vera"})
    BOOST_TEST(seen.count(expected) == 1u, expected);
  BOOST_TEST(seen["auth/refused/"] == 2);  // both strangers
  BOOST_TEST(second.process->terminate() == 0);
}

// A shelf (on the alert and its key) and an out-of-service rule answered
// before the crash are in force after it: the alert is still shelved, with
// who, why and until when, and the key shelf and the rule are listed.
BOOST_AUTO_TEST_CASE(shelves_and_out_of_service_survive_kill_9) {
  rover_alerts::testing::TempDir data_dir("shelf-crash");
  Relay first = start_relay(data_dir.path, 0);
  const auto request = [](WsTestClient& client, const std::string& message) {
    client.send(message);
    for (;;) {  // past alert changes and notices, to the answer
      const auto text = client.read();
      BOOST_REQUIRE(text);
      auto object = json::parse(*text).as_object();
      if (object.at("type") == "response" || object.at("type") == "error") return object;
    }
  };
  const auto login = [](WsTestClient& client, const std::string& token) {
    client.send(R"({"type":"auth","token":")" + token + R"("})");
    BOOST_REQUIRE(client.read());
  };
  std::string id;
  {
    WsTestClient admin(first.http.host, first.http.port, "/", 10000);
    login(admin, "demo-admin-token");
    id = request(admin, R"({"type":"alert_create","reqId":"c","priority":"critical","source":"s","message":"m"})")
             .at("result").at("alertId").as_string();
    BOOST_REQUIRE(request(admin, R"({"type":"alert_shelve","reqId":"s","alertId":")" + id +
                                     R"(","scope":"key","durationSeconds":3600,"reason":"pump swap"})")
                      .at("ok").as_bool());
    BOOST_REQUIRE(request(admin, R"({"type":"out_of_service","reqId":"o","scope":"rover","value":"rover-9","reason":"parked"})")
                      .at("ok").as_bool());
    WsTestClient viewer(first.http.host, first.http.port, "/", 10000);
    login(viewer, "demo-viewer-token");
    BOOST_REQUIRE(!request(viewer, R"({"type":"alert_shelve","reqId":"v","alertId":")" + id +
                                       R"(","durationSeconds":60,"reason":"mine"})")
                       .at("ok").as_bool());
  }
  kill_hard(first);

  Relay second = start_relay(data_dir.path, 0);
  WsTestClient viewer(second.http.host, second.http.port, "/", 10000);
  login(viewer, "demo-viewer-token");
  const auto page = request(viewer, R"({"type":"alert_sync","reqId":"q","maxCount":10})");
  const auto& alerts = page.at("result").at("alerts").as_array();
  BOOST_REQUIRE_EQUAL(alerts.size(), 1u);
  const auto& shelf = alerts[0].at("data").at("shelved").as_object();
  BOOST_TEST(shelf.at("by").as_string() == "ada");
  BOOST_TEST(shelf.at("reason").as_string() == "pump swap");
  BOOST_TEST(shelf.at("scope").as_string() == "key");
  BOOST_TEST(shelf.at("until").to_number<std::uint64_t>() > shelf.at("at").to_number<std::uint64_t>() + 3'599'000);
  const auto list = request(viewer, R"({"type":"suppression_list","reqId":"l"})");
  BOOST_TEST(list.at("result").at("keyShelves").as_array().size() == 1u);
  BOOST_TEST(list.at("result").at("outOfService").at(0).at("reason").as_string() == "parked");
  // And the audit trail says who did it, why, the refusal included.
  WsTestClient auditor(second.http.host, second.http.port, "/", 10000);
  login(auditor, "demo-operator-token");
  std::set<std::string> actions;
  const json::object audit = request(auditor, R"({"type":"audit_query","reqId":"a","maxCount":500})");
  for (const auto& e : audit.at("result").at("entries").as_array())
    actions.insert(std::string(e.at("action").as_string()) + "/" + std::string(e.at("outcome").as_string()) + "/" +
                   std::string(e.at("user").as_string()));
  for (const char* expected : {"alert_shelve/ok/ada", "out_of_service/ok/ada", "alert_shelve/refused/vera"})
    BOOST_TEST(actions.count(expected) == 1u, expected);
  BOOST_TEST(second.process->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
