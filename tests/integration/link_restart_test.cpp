// The link across relay crashes: kill -9 and restart the relay (same --data,
// same link port) while rover-sim raises, then check what arrived.
//
// rover-sim raises one alert per key ("load/alert-<i>", one priority, so the
// link keeps raise order) and prints progress lines; the test kills the relay
// at given points. When the rover is done (everything it framed acknowledged,
// a final heartbeat sent) a WebSocket client syncs the relay's whole state and
// the test checks, from the relay's alert ids (<rover>-<boot>-<seq>) and revs:
//   - every frame the rover framed (seq 1..sent) is there exactly once;
//   - in order: store revs and raise numbers both increase with seq;
//   - exactly once: no key and no id twice;
//   - the alerts that are missing are exactly the ones the rover counted as
//     lost (lost= plus gap=), and the relay's get_stats for the rover agrees.
// A second case shrinks the rover's replay ring and outbox and keeps the
// relay down until the rover reports losses, so a real gap is checked.
// No wall-clock figure is asserted; waits have upper bounds only.

#include "support/child_process.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/ws_test_client.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

// Relay start-up reloads the journal (up to 100 000 alerts; slow under ASan).
constexpr int kRelayStartTimeoutMs = 120000;
constexpr int kSimLineTimeoutMs = 120000;
// The rover replays up to 100 000 alerts as fast as the link takes them, and
// holds them all: no quota of the relay's may stand in the way.
const std::vector<std::string> kRoverUnlimited{"--rover-rate", "10000000", "--rover-max-alerts", "1000000"};

// rover-sim's stdout: its boot line, progress lines, the summary.
struct Progress {
  std::uint64_t raised = 0;
  std::uint64_t lost = 0;
};
struct Summary {
  std::uint64_t accepted = 0, sent = 0, acked = 0, lost = 0, connects = 0, gap = 0;
};

class Sim {
 public:
  Sim(const std::string& rover_id, unsigned short link_port, int count, int rate, std::vector<std::string> tuning)
      : rover_id_(rover_id) {
    std::vector<std::string> args{ROVER_SIM_PATH, "--key-file", TestFleet::get().key_file().string(), "--relay", "127.0.0.1:" + std::to_string(link_port),
                                  "--rover-id", rover_id, "--rate", std::to_string(rate), "--count",
                                  std::to_string(count), "--distinct-keys", "--drain-timeout-ms", "120000"};
    args.insert(args.end(), tuning.begin(), tuning.end());
    process_ = std::make_unique<ChildProcess>(args);
    BOOST_REQUIRE(process_->started());
    const auto line = process_->read_line(kSimLineTimeoutMs);
    BOOST_REQUIRE(line);
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(
        std::regex_match(*line, m, std::regex("^rover-sim rover=" + rover_id + " boot=([0-9a-f]{16})$")),
        "unexpected rover-sim line: " << *line);
    boot_ = m[1];
  }

  const std::string& boot() const { return boot_; }

  // Reads progress lines until `done(progress)`; the summary must not come first.
  Progress wait_progress(const std::function<bool(const Progress&)>& done) {
    static const std::regex pattern(R"(^rover-sim progress raised=(\d+) lost=(\d+)$)");
    for (;;) {
      const auto line = process_->read_line(kSimLineTimeoutMs);
      BOOST_REQUIRE_MESSAGE(line, "rover-sim went quiet");
      std::smatch m;
      BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, pattern), "expected a progress line, got: " << *line);
      const Progress p{std::stoull(m[1]), std::stoull(m[2])};
      if (done(p)) return p;
    }
  }

  // Skips the remaining progress lines; the summary and the exit status.
  Summary finish(int& exit_status) {
    static const std::regex pattern(
        R"(^rover-sim done accepted=(\d+) sent=(\d+) acked=(\d+) lost=(\d+) truncated=\d+ connects=(\d+) gap=(\d+) .*$)");
    for (;;) {
      const auto line = process_->read_line(kSimLineTimeoutMs);
      BOOST_REQUIRE_MESSAGE(line, "rover-sim did not finish");
      std::smatch m;
      if (!std::regex_match(*line, m, pattern)) continue;
      BOOST_TEST_MESSAGE(*line);
      exit_status = process_->wait_exit(30000);
      return Summary{std::stoull(m[1]), std::stoull(m[2]), std::stoull(m[3]),
                     std::stoull(m[4]), std::stoull(m[5]), std::stoull(m[6])};
    }
  }

 private:
  std::string rover_id_;
  std::string boot_;
  std::unique_ptr<ChildProcess> process_;
};

json::object read_object(WsTestClient& client) {
  const auto text = client.read();
  BOOST_REQUIRE_MESSAGE(text, "no answer from the relay: " << client.last_error().message());
  return json::parse(*text).as_object();
}

void authenticate(WsTestClient& client) {
  client.send(R"({"type":"auth","token":"demo-operator-token"})");
  BOOST_REQUIRE_EQUAL(read_object(client).at("type").as_string(), "welcome");
}

// One alert as the relay's sync reports it.
struct Arrived {
  std::uint64_t rev = 0;
  std::uint64_t raise_number = 0;  // i of "load/alert-<i>"
  std::string id;
};

// The relay's whole state by alert_sync from rev 0, keyed by the rover's seq
// (from the id). Every alert must be this boot's and appear once.
std::map<std::uint64_t, Arrived> sync_all(const Relay& relay, const std::string& rover, const std::string& boot) {
  WsTestClient client(relay.http.host, relay.http.port, "/", 30000);
  authenticate(client);
  const std::string id_prefix = rover + "-" + boot + "-";
  const std::string key_prefix = "load/alert-";
  std::map<std::uint64_t, Arrived> by_seq;
  std::set<std::string> keys;
  std::uint64_t since = 0;
  for (int page = 0;; ++page) {
    BOOST_REQUIRE(page < 10000);
    client.send(R"({"type":"alert_sync","reqId":"s","includeAcknowledged":true,"maxCount":1000,"sinceRev":)" +
                std::to_string(since) + "}");
    const auto answer = read_object(client);
    BOOST_REQUIRE_MESSAGE(answer.at("ok").as_bool(), json::serialize(answer));
    const auto& result = answer.at("result").as_object();
    BOOST_REQUIRE(!result.at("reset").as_bool());
    for (const auto& entry : result.at("alerts").as_array()) {
      const auto& change = entry.as_object();
      const std::string id(change.at("id").as_string());
      const std::string type(change.at("type").as_string());
      BOOST_REQUIRE_MESSAGE(type != "remove" && type != "clear", "alert " << id << " was removed");
      BOOST_REQUIRE_MESSAGE(id.rfind(id_prefix, 0) == 0, "alert " << id << " is not from boot " << boot);
      const std::string key(change.at("data").as_object().at("key").as_string());
      BOOST_REQUIRE_MESSAGE(key.rfind(key_prefix, 0) == 0, "unexpected key " << key);
      BOOST_REQUIRE_MESSAGE(keys.insert(key).second, "key " << key << " arrived twice");
      const std::uint64_t seq = std::stoull(id.substr(id_prefix.size()));
      const Arrived arrived{change.at("rev").to_number<std::uint64_t>(), std::stoull(key.substr(key_prefix.size())),
                            id};
      BOOST_REQUIRE_MESSAGE(by_seq.emplace(seq, arrived).second, "alert id " << id << " arrived twice");
    }
    since = result.at("rev").to_number<std::uint64_t>();
    if (!result.at("more").as_bool()) break;
  }
  return by_seq;
}

struct RelayRoverStats {
  std::uint64_t latest_seq = 0, lost = 0, gap = 0;
};

std::optional<RelayRoverStats> rover_stats(WsTestClient& client, const std::string& rover) {
  client.send(R"({"type":"get_stats","reqId":"st"})");
  const auto answer = read_object(client);
  BOOST_REQUIRE_MESSAGE(answer.at("ok").as_bool(), json::serialize(answer));
  const auto& rovers = answer.at("result").as_object().at("rovers").as_object();
  const auto* r = rovers.if_contains(rover);
  if (r == nullptr) return std::nullopt;
  RelayRoverStats stats;
  stats.latest_seq = r->as_object().at("latestSeq").to_number<std::uint64_t>();
  stats.gap = r->as_object().at("ringGapFrames").to_number<std::uint64_t>();
  for (const auto& [priority, n] : r->as_object().at("lostByPriority").as_object()) {
    (void)priority;
    stats.lost += n.to_number<std::uint64_t>();
  }
  return stats;
}

// What a test run does to the relay.
struct Scenario {
  std::string rover_id;
  int count = 0;
  int rate = 0;
  std::vector<std::string> tuning;           // rover-sim emitter options
  std::vector<std::uint64_t> kill_at_raised;  // kill -9 once rover-sim has raised this many
  bool stay_down_until_loss = false;          // restart only once the rover reports new losses
};

struct Outcome {
  Summary summary;
  std::size_t arrived = 0;
};

Outcome run(const Scenario& s) {
  TempDir data("link-restart");
  Relay relay = start_relay(data.path, 0, kRelayStartTimeoutMs, kRoverUnlimited);
  const unsigned short link_port = relay.link.port;
  Sim sim(s.rover_id, link_port, s.count, s.rate, s.tuning);

  for (const std::uint64_t at : s.kill_at_raised) {
    const Progress before = sim.wait_progress([&](const Progress& p) { return p.raised >= at; });
    kill_hard(relay);
    if (s.stay_down_until_loss)
      sim.wait_progress([&](const Progress& p) { return p.lost > before.lost; });
    relay = start_relay(data.path, link_port, kRelayStartTimeoutMs, kRoverUnlimited);  // same data, same link port: the rover reconnects
    BOOST_TEST_MESSAGE("relay restarted after raise " << before.raised);
  }

  int exit_status = -1;
  const Summary summary = sim.finish(exit_status);
  BOOST_TEST(exit_status == (summary.lost == 0 && summary.gap == 0 ? 0 : 1));
  BOOST_TEST(summary.acked == summary.sent);  // the rover drained: everything framed was acknowledged

  const auto arrived = sync_all(relay, s.rover_id, sim.boot());
  // Every frame the rover framed arrived, once: seqs are exactly 1..sent.
  BOOST_TEST(arrived.size() == summary.sent);
  if (!arrived.empty()) {
    BOOST_TEST(arrived.begin()->first == 1u);
    BOOST_TEST(arrived.rbegin()->first == summary.sent);
  }
  // In order: later seq, later store rev and later raise.
  std::size_t out_of_order = 0;
  const Arrived* previous = nullptr;
  for (const auto& [seq, a] : arrived) {
    if (previous != nullptr && (a.rev <= previous->rev || a.raise_number <= previous->raise_number)) {
      if (out_of_order++ < 5) BOOST_TEST_MESSAGE("out of order at seq " << seq << ": " << a.id);
    }
    previous = &a;
  }
  BOOST_TEST(out_of_order == 0u);
  // What is missing is exactly what the rover reported lost.
  BOOST_TEST(static_cast<std::uint64_t>(s.count) - arrived.size() == summary.lost + summary.gap);

  // The relay's view of the rover agrees (its final heartbeat may still be in flight).
  WsTestClient stats_client(relay.http.host, relay.http.port, "/", 30000);
  authenticate(stats_client);
  std::optional<RelayRoverStats> stats;
  for (int attempt = 0; attempt < 300; ++attempt) {
    stats = rover_stats(stats_client, s.rover_id);
    if (stats && stats->latest_seq == summary.sent && stats->lost == summary.lost && stats->gap == summary.gap) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_REQUIRE_MESSAGE(stats, "the relay has no stats for " << s.rover_id);
  BOOST_TEST(stats->latest_seq == summary.sent);
  BOOST_TEST(stats->lost == summary.lost);
  BOOST_TEST(stats->gap == summary.gap);

  BOOST_TEST(relay.process->terminate(60000) == 0);  // SIGTERM: a clean shutdown (slow under ASan)
  return Outcome{summary, arrived.size()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_restart)

// 100 000 alerts, the relay killed twice mid-stream. The rover's ring is
// sized for the whole run, so normally nothing is lost (staging can still
// overflow if the link thread is starved); whatever is, is counted to the alert.
BOOST_AUTO_TEST_CASE(relay_kill_9_twice_every_alert_that_fit_arrives_once_in_order) {
  Scenario s;
  s.rover_id = "rover-restart";
  s.count = 100000;
  s.rate = 10000;
  // A ring that holds the whole run (the relay may fall behind) and an outbox
  // for most of a second of outage (while the link is down alerts wait there).
  s.tuning = {"--progress-every", "1000", "--staging-capacity", "512", "--queue-capacity", "8192",
              "--replay-ring-bytes", "33554432", "--heartbeat-ms", "100", "--reconnect-max-ms", "200"};
  s.kill_at_raised = {30000, 65000};
  const Outcome o = run(s);
  BOOST_TEST(o.summary.gap == 0u);  // the relay keeps its journal: nothing acknowledged is lost
  BOOST_TEST(o.summary.connects >= 3u);
  BOOST_TEST_MESSAGE("arrived " << o.arrived << " of " << s.count << ", lost " << o.summary.lost);
}

// A replay ring of the minimum size and a small outbox, and the relay held
// down until the rover reports losses: a real gap, and its exact size.
BOOST_AUTO_TEST_CASE(a_small_replay_ring_reports_the_exact_gap) {
  Scenario s;
  s.rover_id = "rover-small-ring";
  s.count = 20000;
  s.rate = 20000;
  s.tuning = {"--progress-every", "250", "--replay-ring-bytes", "4096", "--queue-capacity", "64",
              "--staging-capacity", "256", "--heartbeat-ms", "100", "--reconnect-max-ms", "200"};
  s.kill_at_raised = {5000, 12000};
  s.stay_down_until_loss = true;
  const Outcome o = run(s);
  BOOST_TEST(o.summary.lost > 0u);  // the gap really happened
  BOOST_TEST(o.arrived > 0u);
  BOOST_TEST_MESSAGE("arrived " << o.arrived << " of " << s.count << ", lost " << o.summary.lost);
}

BOOST_AUTO_TEST_SUITE_END()
