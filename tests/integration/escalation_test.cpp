// Escalation end to end: the real relay with a config file of policies, real
// HTTP receivers started by the test (one that answers 200, one 500, one that
// never answers), real WebSocket clients. Every screen is told of each
// escalation, the receivers get the POSTs (the failing and the hanging one
// retried, then given up), the relay keeps serving meanwhile, an
// acknowledgement past its timeout is taken back, and the audit trail has
// every escalation and every webhook attempt.

#include "relay_under_test.hpp"
#include "support/http_receiver.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/ws_test_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

using namespace rover_alerts::testing;
namespace json = boost::json;

namespace {

// The receivers, on their own io thread.
struct Receivers {
  boost::asio::io_context io;
  HttpReceiver ok{io, 200};
  HttpReceiver failing{io, 500};
  HttpReceiver hanging{io, 0};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Receivers() {
    io.stop();
    thread.join();
  }
};

std::string config_for(const Receivers& r) {
  const auto url = [](const HttpReceiver& h) { return "http://127.0.0.1:" + std::to_string(h.port()) + "/hook"; };
  return R"({"escalation":{"webhooks":[)"
         R"({"name":"ops","url":")" + url(r.ok) + R"(","headers":{"Authorization":"Bearer hook-token"}},)"
         R"({"name":"down","url":")" + url(r.failing) + R"(","maxAttempts":2,"backoffMs":50},)"
         R"({"name":"stuck","url":")" + url(r.hanging) + R"(","maxAttempts":2,"backoffMs":50,"timeoutMs":500}],)"
         R"("policies":{)"
         R"("critical":{"afterSeconds":1,"repeatSeconds":1,"maxEscalations":2,"webhook":"ops","ackTimeoutSeconds":2},)"
         R"("high":{"afterSeconds":1,"webhook":"stuck"},)"
         R"("medium":{"afterSeconds":1,"webhook":"down"}}}})";
}

// A signed-in client that sees every message as the relay sent it.
struct Session {
  WsTestClient ws;
  std::vector<json::object> seen;  // what arrived while waiting for something else
  Session(const Endpoint& at, const std::string& token) : ws(at.host, at.port, "/", 10000) {
    ws.set_raw(true);
    ws.send(R"({"type":"auth","token":")" + token + R"("})");
    BOOST_REQUIRE(wait_for([](const json::object& m) { return m.at("type") == "welcome"; }));
  }
  // Reads until a message matches (kept ones first); nullopt after `limit`.
  std::optional<json::object> wait_for(const std::function<bool(const json::object&)>& match,
                                       std::chrono::seconds limit = std::chrono::seconds(15)) {
    for (auto it = seen.begin(); it != seen.end(); ++it) {
      if (match(*it)) {
        json::object m = std::move(*it);
        seen.erase(it);
        return m;
      }
    }
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < give_up) {
      const auto text = ws.read();
      if (!text) continue;
      json::object m = json::parse(*text).as_object();
      if (match(m)) return m;
      seen.push_back(std::move(m));
    }
    return std::nullopt;
  }
  json::object request(const std::string& text) {
    const std::string id(json::parse(text).at("reqId").as_string());
    ws.send(text);
    const auto answer = wait_for([&](const json::object& m) {
      return m.at("type") == "response" && m.contains("reqId") && m.at("reqId") == id.c_str();
    });
    BOOST_REQUIRE_MESSAGE(answer, "no answer to " << text);
    return *answer;
  }
};

bool escalation_of(const json::object& m, const std::string& id, std::int64_t level) {
  return m.at("type") == "alert_escalation" && m.at("alertId") == id.c_str() && m.at("level").as_int64() == level;
}

// Waits (bounded) for a condition a background party makes true.
bool eventually(const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!done() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return done();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(escalation)

BOOST_AUTO_TEST_CASE(escalations_reach_every_screen_and_the_webhooks_and_nobody_waits_for_a_bad_receiver) {
  Receivers receivers;
  TempDir dir("escalation");
  const auto config = dir.path / "relay.json";
  std::ofstream(config) << config_for(receivers);
  RelayUnderTest relay({"--config", config.string()});
  Session viewer(relay.http(), "demo-viewer-token");
  Session admin(relay.http(), "demo-admin-token");
  BOOST_TEST(viewer.request(R"({"type":"alert_subscribe","reqId":"s"})").at("ok").as_bool());
  const auto create = [&](const std::string& priority) {
    const auto r = admin.request(R"({"type":"alert_create","reqId":"c-)" + priority + R"(","priority":")" + priority +
                                 R"(","source":"pump","message":"stalled"})");
    return std::string(r.at("result").at("alertId").as_string());
  };
  const std::string critical = create("critical");
  const std::string high = create("high");
  const std::string medium = create("medium");

  // Every screen: each escalation, the critical one twice (its maximum).
  for (const auto& [id, level] : std::vector<std::pair<std::string, int>>{{critical, 1}, {high, 1}, {medium, 1}, {critical, 2}}) {
    const auto notice = viewer.wait_for([&](const json::object& m) { return escalation_of(m, id, level); });
    BOOST_TEST_REQUIRE(notice.has_value(), "no escalation " << level << " of " << id);
    BOOST_TEST(notice->at("message").as_string() == "stalled");
  }
  // The relay answers at once while the hanging receiver holds its attempt.
  BOOST_TEST(admin.request(R"({"type":"get_stats","reqId":"busy"})").at("ok").as_bool());

  // The good receiver got both, with the alert and the configured header.
  BOOST_TEST_REQUIRE(eventually([&] { return receivers.ok.count() == 2; }));
  std::set<std::int64_t> levels;
  for (const auto& request : receivers.ok.requests()) {
    const json::object body = json::parse(request.body()).as_object();
    BOOST_TEST(body.at("type").as_string() == "alert_escalation");
    BOOST_TEST(body.at("alert").at("id").as_string() == critical);
    BOOST_TEST(request["Authorization"] == "Bearer hook-token");
    levels.insert(body.at("level").as_int64());
  }
  BOOST_TEST((levels == std::set<std::int64_t>{1, 2}));
  // The failing and the hanging receiver: tried twice each, then given up.
  BOOST_TEST(eventually([&] { return receivers.failing.count() == 2 && receivers.hanging.count() == 2; }));

  // Acknowledged, still active: past the 2 s timeout the ack is taken back.
  BOOST_TEST(admin.request(R"({"type":"alert_ack","reqId":"a","alertId":")" + critical + R"("})").at("ok").as_bool());
  const auto taken_back = viewer.wait_for([&](const json::object& m) {
    if (m.at("type") != "alert_batch" && m.at("type") != "alert") return false;
    const auto& changes = m.at("type") == "alert" ? json::array{m.at("data")} : m.at("data").as_array();
    for (const auto& c : changes)
      if (c.at("id") == critical.c_str() && c.at("data").at("state") == "active_unacked" &&
          c.at("rev").as_int64() > 4)
        return true;
    return false;
  });
  BOOST_TEST(taken_back.has_value());

  // The audit trail: every escalation, every attempt with its outcome.
  bool complete = false;
  std::multiset<std::string> entries;
  for (int round = 0; round < 100 && !complete; ++round) {
    entries.clear();
    const auto page = admin.request(R"({"type":"audit_query","reqId":"q)" + std::to_string(round) + R"(","maxCount":500})");
    for (const auto& e : page.at("result").at("entries").as_array()) {
      const auto& o = e.as_object();
      const std::string alert = o.contains("alertId") ? std::string(o.at("alertId").as_string()) : "";
      const std::string who = alert == critical ? "critical" : alert == high ? "high" : alert == medium ? "medium" : "-";
      entries.insert(std::string(o.at("action").as_string()) + "/" + who + "/" + std::string(o.at("outcome").as_string()));
    }
    complete = entries.count("webhook/high/failed") == 1 && entries.count("webhook/medium/failed") == 1 &&
               entries.count("ack_expired/critical/ok") == 1;
    if (!complete) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(entries.count("escalation/critical/ok") >= 2u);
  BOOST_TEST(entries.count("escalation/high/ok") == 1u);
  BOOST_TEST(entries.count("webhook/critical/delivered") == 2u);
  BOOST_TEST(entries.count("webhook/medium/retrying") == 1u);
  BOOST_TEST(entries.count("webhook/medium/failed") == 1u);
  BOOST_TEST(entries.count("webhook/high/retrying") == 1u);
  BOOST_TEST(entries.count("webhook/high/failed") == 1u);
  BOOST_TEST(entries.count("ack_expired/critical/ok") == 1u);
  BOOST_TEST(relay.alive());
}

// The journal brings the alert back without a change: it is still owed its
// escalation, counted from the restart.
BOOST_AUTO_TEST_CASE(an_alert_left_unacknowledged_across_a_restart_still_escalates) {
  TempDir dir("escalation-restart");
  const auto config = dir.path / "relay.json";
  std::ofstream(config) << R"({"escalation":{"policies":{"critical":{"afterSeconds":3}}}})";
  const std::vector<std::string> args{"--config", config.string()};
  std::string id;
  {
    RelayProcess first = start_relay(dir.path / "data", 0, 20000, args);
    Session admin(first.http, "demo-admin-token");
    const auto created = admin.request(
        R"({"type":"alert_create","reqId":"c","priority":"critical","source":"pump","message":"stalled"})");
    id = std::string(created.at("result").at("alertId").as_string());
    BOOST_TEST(first.process->terminate() == 0);  // well before its 3 s
  }
  RelayProcess second = start_relay(dir.path / "data", 0, 20000, args);
  Session viewer(second.http, "demo-viewer-token");
  BOOST_TEST(viewer.request(R"({"type":"alert_subscribe","reqId":"s"})").at("ok").as_bool());
  BOOST_TEST(viewer.wait_for([&](const json::object& m) { return escalation_of(m, id, 1); }).has_value());
  BOOST_TEST(second.process->terminate() == 0);
}

BOOST_AUTO_TEST_CASE(a_config_file_the_relay_cannot_follow_stops_it_at_start) {
  TempDir dir("escalation-bad");
  const auto config = dir.path / "relay.json";
  std::ofstream(config) << R"({"escalation":{"policies":{"critical":{"afterSeconds":0}}}})";
  ChildProcess relay({ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
                      (dir.path / "data").string(), "--tokens", DEMO_TOKENS_PATH, "--insecure-links", "--config",
                      config.string()});
  BOOST_TEST(relay.wait_exit(20000) == 2);
  ChildProcess missing({ALERT_RELAY_PATH, "--tokens", DEMO_TOKENS_PATH, "--config", (dir.path / "none").string()});
  BOOST_TEST(missing.wait_exit(20000) == 2);
  // An https webhook whose CAs cannot be read: refused at start, not at its first escalation.
  const auto tls_config = dir.path / "tls.json";
  std::ofstream(tls_config) << R"({"escalation":{"webhooks":[{"name":"pager","url":"https://127.0.0.1:1/h","caFile":")" +
                                   (dir.path / "no-ca.pem").string() + R"("}]}})";
  ChildProcess bad_ca({ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
                       (dir.path / "data-tls").string(), "--tokens", DEMO_TOKENS_PATH, "--insecure-links", "--config",
                       tls_config.string()});
  BOOST_TEST(bad_ca.wait_exit(20000) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
