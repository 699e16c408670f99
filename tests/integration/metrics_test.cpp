// GET /metrics of the real relay after real traffic (rover-sim's alerts, a
// subscriber, an ack, a bad request) under Prometheus' own linter
// (`promtool check metrics`: format, # HELP and # TYPE, naming, units), its key
// series present, and get_stats carrying the same delivery figures.

#include "relay_under_test.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rover_alerts::testing;

namespace {

struct ProgramResult {
  int status = -1;  // exit status; -1: killed by a signal or after the time limit
  std::string output;  // stdout and stderr
};

// Runs `argv` with the file `input` on its stdin; bounded by `limit_ms`.
ProgramResult run_with_input(std::vector<std::string> argv, const std::filesystem::path& input,
                             int limit_ms = 60000) {
  ProgramResult result;
  int out[2];
  BOOST_REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    const int in = ::open(input.c_str(), O_RDONLY);
    if (in < 0) _exit(126);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(out[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    char chunk[4096];
    const ssize_t n = ::read(out[0], chunk, sizeof chunk);
    if (n <= 0) break;  // the program closed its output: it is exiting
    result.output.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The exposition as a reader sees it: # HELP and # TYPE per family, the value of each series.
struct Exposition {
  std::map<std::string, std::string> help;
  std::map<std::string, std::string> type;
  std::map<std::string, double> series;  // `name{labels}` -> value, in the text's order of labels

  explicit Exposition(const std::string& text) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || (line.starts_with("#") && !line.starts_with("# HELP ") && !line.starts_with("# TYPE ")))
        continue;
      std::istringstream words(line);
      if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
        std::string hash, kind, name, rest;
        words >> hash >> kind >> name;
        std::getline(words, rest);
        (kind == "HELP" ? help : type)[name] = rest.empty() ? rest : rest.substr(1);
        continue;
      }
      const std::size_t space = line.rfind(' ');
      BOOST_REQUIRE_MESSAGE(space != std::string::npos, "not a sample: " << line);
      series[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
  }

  // The family a series belongs to (a histogram's _bucket, _sum and _count are its own).
  std::string family_of(const std::string& series_name) const {
    const std::string name = series_name.substr(0, series_name.find('{'));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!name.ends_with(suffix)) continue;
      const std::string base = name.substr(0, name.size() - std::string(suffix).size());
      if (const auto it = type.find(base); it != type.end() && it->second == "histogram") return base;
    }
    return name;
  }

  double at(const std::string& name) const {
    const auto it = series.find(name);
    BOOST_REQUIRE_MESSAGE(it != series.end(), "no series " << name);
    return it->second;
  }
};

boost::json::object read_until(WsProbe& client, const std::function<bool(const boost::json::object&)>& wanted,
                               const std::string& what) {
  for (;;) {
    const auto message = client.read();
    BOOST_REQUIRE_MESSAGE(message, "no " << what);
    auto object = parse_object(message);
    if (wanted(object)) return object;
  }
}

bool is_response(const boost::json::object& m, const char* req_id) {
  return m.at("type") == "response" && m.at("reqId") == req_id;
}

// A relay that has served some traffic of every kind: a subscriber got
// rover-sim's five alerts (one of each priority), acknowledged one and sent a
// request it refused.
struct TrafficFixture {
  RelayUnderTest relay;
  WsProbe client{relay.http()};

  TrafficFixture() {
    client.auth("demo-operator-token");
    client.send_text(R"({"type":"alert_subscribe","reqId":"sub"})");
    BOOST_REQUIRE(read_until(client, [](const auto& m) { return is_response(m, "sub"); }, "subscription")
                      .at("ok")
                      .as_bool());
    BOOST_REQUIRE(run_rover_sim(relay.link(), "rover-m", 5));
    std::string battery;
    for (std::set<std::string> keys; keys.size() < 5;) {
      const auto change = read_until(client, [](const auto& m) { return m.at("type") == "alert"; }, "alert");
      const auto& data = change.at("data");
      keys.insert(std::string(data.at("data").at("key").as_string()));
      if (data.at("data").at("key") == "power/battery-low") battery = std::string(data.at("id").as_string());
    }
    BOOST_REQUIRE(!battery.empty());
    client.send_text(R"({"type":"alert_ack","reqId":"ack","alertId":")" + battery + R"("})");
    // The answer, the notice to every subscriber and the change itself.
    bool answered = false, noticed = false, changed = false;
    while (!answered || !noticed || !changed) {
      const auto m = read_until(client, [](const auto&) { return true; }, "ack answer, notice and change");
      answered = answered || is_response(m, "ack");
      noticed = noticed || m.at("type") == "alert_ack";
      changed = changed || (m.at("type") == "alert" && m.at("data").at("data").at("acknowledged").as_bool());
    }
    client.send_text(R"({"type":"no_such_request","reqId":"bad"})");
    BOOST_REQUIRE(error_code_of(read_until(client, [](const auto& m) { return is_response(m, "bad"); }, "refusal")) ==
                  "BAD_REQUEST");
  }

  std::string metrics_text() {
    const auto result = metrics_request(relay.http());
    BOOST_REQUIRE_EQUAL(result.status, 200);
    return result.body;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_FIXTURE_TEST_CASE(metrics_pass_promtool_and_carry_every_key_series, TrafficFixture) {
  const std::string text = metrics_text();
  TempDir dir("metrics");
  const auto file = dir.path / "metrics.txt";
  std::ofstream(file) << text;
  const ProgramResult lint = run_with_input({PROMTOOL_PROGRAM, "check", "metrics"}, file);
  BOOST_TEST(lint.status == 0, "promtool check metrics: " << lint.output << "\n" << text);

  const Exposition metrics(text);
  BOOST_TEST(!metrics.series.empty());
  for (const auto& [series, value] : metrics.series) {
    const std::string family = metrics.family_of(series);
    BOOST_TEST(metrics.help.contains(family), "no # HELP for " << series);
    // Every family is in the relay's table of metrics, with a help of its own.
    if (const auto help = metrics.help.find(family); help != metrics.help.end())
      BOOST_TEST(help->second != "Count of events of this kind.", "no help of its own: " << family);
    BOOST_TEST(metrics.type.contains(family), "no # TYPE for " << series);
  }
  for (const char* cls : {"urgent", "kept", "droppable"}) {
    const std::string label = std::string("{class=\"") + cls + "\"}";
    BOOST_TEST(metrics.series.contains("delivery_changes_total" + label), cls);
    BOOST_TEST(metrics.series.contains("delivery_messages_total" + label), cls);
    BOOST_TEST(metrics.series.contains(std::string("delivery_bytes_total{class=\"") + cls + "\"}"),
               cls);
  }
  // The subscriber's routine changes, each written once: high, medium, low,
  // info and the ack's change (a write holding a kept change counts as kept).
  BOOST_TEST(metrics.at("delivery_changes_total{class=\"kept\"}") +
                 metrics.at("delivery_changes_total{class=\"droppable\"}") ==
             5);
  BOOST_TEST(metrics.at("delivery_messages_total{class=\"urgent\"}") > 0);  // the critical alert, answers, notice
  BOOST_TEST(metrics.at("delivery_bytes_total{class=\"kept\"}") > 0);
  BOOST_TEST(metrics.at("delivery_encoded_bytes_total{encoding=\"json\"}") > 0);
  BOOST_TEST(metrics.at("delivery_encoded_bytes_total{encoding=\"lz4\"}") == 0);
  for (const char* priority : {"critical", "high", "medium", "low", "info"})
    BOOST_TEST(metrics.at(std::string("alerts{priority=\"") + priority + "\"}") == 1, priority);
  BOOST_TEST(metrics.at("alerts{state=\"active_acked\"}") >= 1);
  BOOST_TEST(metrics.at("store_rev") >= 6);  // five raises and an ack
  BOOST_TEST(metrics.at("delivery_subscribers") == 1);
  BOOST_TEST(metrics.at("delivery_publications_total") > 0);
  BOOST_TEST(metrics.type.at("delivery_publish_to_write_seconds") == "histogram");
  BOOST_TEST(metrics.at("delivery_publish_to_write_seconds_bucket{le=\"+Inf\"}") > 0);
  BOOST_TEST(metrics.at("delivery_publish_to_write_seconds_count") ==
             metrics.at("delivery_publish_to_write_seconds_bucket{le=\"+Inf\"}"));
  BOOST_TEST(metrics.at("delivery_batch_changes_count") > 0);
  // The critical alert and the ack notice each waited for their write.
  BOOST_TEST(metrics.type.at("delivery_urgent_wait_seconds") == "histogram");
  BOOST_TEST(metrics.at("delivery_urgent_wait_seconds_count") > 0);
  BOOST_TEST(metrics.at("delivery_urgent_wait_seconds_count") ==
             metrics.at("delivery_urgent_wait_seconds_bucket{le=\"+Inf\"}"));
  BOOST_TEST(metrics.at("ws_requests_rejected_total{code=\"BAD_REQUEST\"}") == 1);
  // Ingest and link per rover; the journal's commit latency.
  BOOST_TEST(metrics.at("rover_events_applied_total{rover=\"rover-m\"}") == 5);
  BOOST_TEST(metrics.at("rover_link_connections_total{rover=\"rover-m\"}") == 1);
  BOOST_TEST(metrics.series.contains("rover_link_connected{rover=\"rover-m\"}"));
  BOOST_TEST(metrics.series.contains("rover_events_duplicate_total{rover=\"rover-m\"}"));
  for (const char* priority : {"critical", "high", "medium", "low", "info"})
    BOOST_TEST(metrics.series.contains(std::string("rover_lost_alerts{rover=\"rover-m\",priority=\"") + priority +
                                       "\"}"),
               priority);
  BOOST_TEST(metrics.type.at("journal_commit_seconds") == "histogram");
  BOOST_TEST(metrics.at("journal_commit_seconds_count") > 0);
  BOOST_TEST(metrics.at("journal_commit_seconds_count") == metrics.at("journal_commits_total"));
  BOOST_TEST(metrics.at("journal_commit_seconds_sum") > 0);
  for (const char* name : {"delivery_dropped_total", "delivery_slow_closes_total", "delivery_resyncs_total",
                           "delivery_coalesced_total", "delivery_queued_routine_changes", "ws_sessions"})
    BOOST_TEST(metrics.series.contains(name), name);
}

BOOST_FIXTURE_TEST_CASE(get_stats_carries_the_delivery_figures_of_metrics, TrafficFixture) {
  client.send_text(R"({"type":"get_stats","reqId":"st"})");
  const auto reply = read_until(client, [](const auto& m) { return is_response(m, "st"); }, "stats");
  BOOST_REQUIRE(reply.at("ok").as_bool());
  const Exposition metrics(metrics_text());  // after the stats: only their own answer was written since
  const auto& d = reply.at("result").at("delivery").as_object();
  const auto n = [](const boost::json::value& v) { return v.to_number<double>(); };

  for (const char* cls : {"urgent", "kept", "droppable"})
    BOOST_TEST(n(d.at("changes").at(cls)) == metrics.at(std::string("delivery_changes_total{class=\"") + cls + "\"}"),
               cls);
  for (const char* cls : {"kept", "droppable"}) {
    BOOST_TEST(n(d.at("messages").at(cls)) == metrics.at(std::string("delivery_messages_total{class=\"") + cls + "\"}"),
               cls);
    BOOST_TEST(n(d.at("bytes").at(cls)) ==
                   metrics.at(std::string("delivery_bytes_total{class=\"") + cls + "\"}"),
               cls);
  }
  // The stats answer itself is the one urgent message written after them.
  BOOST_TEST(n(d.at("messages").at("urgent")) + 1 == metrics.at("delivery_messages_total{class=\"urgent\"}"));
  BOOST_TEST(n(d.at("batchWrites").at("shared")) == metrics.at("delivery_batch_writes_total{kind=\"shared\"}"));
  BOOST_TEST(n(d.at("batchWrites").at("assembled")) == metrics.at("delivery_batch_writes_total{kind=\"assembled\"}"));
  const std::pair<const char*, const char*> counters[] = {
      {"coalesced", "delivery_coalesced_total"},         {"dropped", "delivery_dropped_total"},
      {"resyncs", "delivery_resyncs_total"},             {"slowCloses", "delivery_slow_closes_total"},
      {"catchUpPages", "delivery_catch_up_pages_total"}, {"catchUpChanges", "delivery_catch_up_changes_total"},
      {"publications", "delivery_publications_total"},   {"subscribers", "delivery_subscribers"},
  };
  for (const auto& [key, series] : counters) BOOST_TEST(n(d.at(key)) == metrics.at(series), key);
  BOOST_TEST(n(d.at("lz4").at("messages")) == metrics.at("delivery_lz4_messages_total"));
  BOOST_TEST(n(d.at("lz4").at("inputBytes")) == metrics.at("delivery_lz4_input_bytes_total"));
  BOOST_TEST(n(d.at("lz4").at("outputBytes")) == metrics.at("delivery_lz4_output_bytes_total"));
  BOOST_TEST(n(d.at("queued").at("routineChanges")) == 0);  // everything was taken

  // Histograms: the same buckets, µs in get_stats and seconds on /metrics.
  const auto& batch = d.at("batchChanges").as_object();
  BOOST_TEST(n(batch.at("count")) == metrics.at("delivery_batch_changes_count"));
  BOOST_TEST(n(batch.at("sum")) == metrics.at("delivery_batch_changes_sum"));
  for (const auto& bucket : batch.at("buckets").as_array()) {
    const std::string le = boost::json::serialize(bucket.at("le"));
    BOOST_TEST(n(bucket.at("count")) == metrics.at("delivery_batch_changes_bucket{le=\"" + le + "\"}"), le);
  }
  const auto& latency = d.at("publishToWriteUs").as_object();
  BOOST_TEST(n(latency.at("count")) == metrics.at("delivery_publish_to_write_seconds_count"));
  BOOST_TEST(n(latency.at("sum")) / 1e6 == metrics.at("delivery_publish_to_write_seconds_sum"),
             boost::test_tools::tolerance(1e-9));
  const auto& buckets = latency.at("buckets").as_array();
  BOOST_TEST(buckets.size() == 10u);
  BOOST_TEST(n(buckets.back().at("count")) <= n(latency.at("count")));
  BOOST_TEST(n(d.at("urgentWaitUs").at("count")) == metrics.at("delivery_urgent_wait_seconds_count"));

  const auto& journal = reply.at("result").at("journal").as_object();
  BOOST_TEST(n(journal.at("commits")) == metrics.at("journal_commits_total"));
  BOOST_TEST(n(journal.at("commitUs").at("count")) == metrics.at("journal_commit_seconds_count"));
  BOOST_TEST(n(journal.at("commitUs").at("sum")) / 1e6 == metrics.at("journal_commit_seconds_sum"),
             boost::test_tools::tolerance(1e-9));

  const auto& c = reply.at("result").at("connection").as_object();
  // No batchSize asked for: the smallest until a pong gave an RTT, then from
  // it (this blocking client answers pings late, so it may look slow).
  if (c.contains("rttMs")) {
    BOOST_TEST(n(c.at("batchSize")) >= 10);
    BOOST_TEST(n(c.at("batchSize")) <= 100);
  } else {
    BOOST_TEST(n(c.at("batchSize")) == 10);
  }
  BOOST_TEST(n(c.at("batchTimeoutMs")) == 20);
  BOOST_TEST(n(c.at("queuedRoutine")) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
