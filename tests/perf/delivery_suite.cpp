// The relay's delivery suite; see delivery_suite.hpp.
//
// ALERT_RELAY_PATH and ALERT_LOAD_CLIENTS_PATH come from CMake: the programs
// built beside alert-bench.

#include "delivery_suite.hpp"

#include "admin_load.hpp"
#include "bench_process.hpp"
#include "encoding_figures.hpp"
#include "relay_metrics.hpp"
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace rover_alerts::bench {

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ChildProcess;

// The run's users, in the tokens file's format: <role> <user> <token>.
constexpr std::string_view kTokensFile =
    "admin bench-admin bench-admin-token\n"
    "viewer bench-viewer bench-viewer-token\n";
constexpr const char* kAdminToken = "bench-admin-token";
constexpr const char* kViewerToken = "bench-viewer-token";

constexpr std::array<std::size_t, 4> kFanoutClients{1, 10, 100, 1000};
// alert_create requests the flooding admin keeps outstanding: enough that the
// relay never waits for the next one, pipelined on one connection.
constexpr std::size_t kFloodWindow = 256;
constexpr double kBackgroundPerS = 5000;
constexpr auto kCriticalEvery = 20ms;
// Between a creation and its acknowledgement, and between acknowledgements:
// the previous change has reached every client before the next is timed. The
// acked alert is routine, so its change goes out in a batch up to the batch
// timeout (BatchLimits, 20 ms by default) after its commit: the gap is well
// past that, or each ack would race the previous change's batch writes.
constexpr auto kAckGap = 50ms;
constexpr std::size_t kAckClients = 100;

// Sessions not yet authenticated the relay admits at once: more than the
// load clients' connect window (64), which all come from one address.
constexpr std::size_t kUnauthenticated = 128;
// A thousand clients connect and subscribe before their run starts.
constexpr int kReadyTimeoutMs = 60'000;
constexpr int kReportTimeoutMs = 10'000;
constexpr int kRelayStartTimeoutMs = 10'000;

struct Settings {
  std::chrono::milliseconds warmup;
  std::chrono::milliseconds measure;
  // The latency runs measure longer: a p99 over 100 clients is set by the
  // slowest 1 % of criticals, and in 3 s (150 criticals) that was one or two
  // of them, so one stall of the host moved it by milliseconds.
  std::chrono::milliseconds latency_measure;
  std::chrono::milliseconds drain;  // longest wait for a latency run's last deliveries
  std::size_t acks;  // timed, 50 ms apart: as many for the same reason
  // Acks made before the timed ones, as the other runs warm up: the first
  // fan-out to freshly connected sessions pays for their cold write paths.
  std::size_t warmup_acks;
  std::uint64_t stalled_alerts;  // created while a client is stalled
  int floor_rounds;              // alert-loopback-floor's rounds, 20 ms apart
  Placement placement;
};

Settings settings(bool quick, Placement placement) {
  Settings s = quick ? Settings{300ms, 1000ms, 1000ms, 3000ms, 10, 2, 20'000, 60, {}}
                     : Settings{1000ms, 3000ms, 10000ms, 10000ms, 150, 5, 100'000, 300, {}};
  s.placement = placement;
  return s;
}

double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double number(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_number() ? value->to_number<double>() : 0.0;
}

// The next JSON object the clients' process prints; nullopt if none comes.
std::optional<json::object> read_report(ChildProcess& clients, int timeout_ms) {
  while (auto line = clients.read_line(timeout_ms)) {
    boost::system::error_code ec;
    auto value = json::parse(*line, ec);
    if (!ec && value.is_object()) return std::move(value.as_object());
  }
  return std::nullopt;
}

// The client port from `listening http=HOST:PORT link=HOST:PORT`; 0 if it is not that line.
unsigned short http_port(const std::optional<std::string>& line) {
  if (!line || line->rfind("listening http=", 0) != 0) return 0;
  const std::string http = line->substr(0, line->find(' ', 15));
  try {
    return static_cast<unsigned short>(std::stoul(http.substr(http.rfind(':') + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

// One run's processes: a relay on a fresh data folder, `count` subscribed
// clients in their own process, a connected admin. Destroyed in reverse:
// admins, clients, relay (each stopped), then the folder.
struct Run {
  testing::TempDir dir{"bench-delivery"};
  std::unique_ptr<ChildProcess> relay;
  unsigned short port = 0;  // the relay's client port
  std::unique_ptr<ChildProcess> clients;
  std::unique_ptr<AdminLoad> admin;
  // Critical alerts go on a connection of their own (add_critical_sender()):
  // behind the routine load on one connection they would measure that
  // connection's queue, not the relay's delivery.
  std::unique_ptr<AdminLoad> critical_sender;
  std::string failure;  // why the run could not be set up; empty when it was

  // `stalled` of the `count` clients stop reading once subscribed.
  Run(std::size_t count, const Placement& placement, std::size_t stalled = 0) {
    std::ofstream(dir.path / "tokens") << kTokensFile;
    std::filesystem::permissions(dir.path / "tokens",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // One more session than the clients: the admin.
    const std::size_t max_clients = std::max<std::size_t>(1000, count + 100);
    relay = start_logging_to({ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
                              (dir.path / "data").string(), "--tokens", (dir.path / "tokens").string(),
                              "--max-clients", std::to_string(max_clients), "--rate-limit", "1000000/1000000",
                              // Every client comes from 127.0.0.1: the per-address caps, meant
                              // for a stranger opening connections, would refuse most of them.
                              "--max-clients-per-address", std::to_string(max_clients), "--max-unauthenticated",
                              std::to_string(kUnauthenticated) + "/" + std::to_string(kUnauthenticated)},
                             dir.path / "relay.log", placement.relay);
    port = http_port(relay->started() ? relay->read_line(kRelayStartTimeoutMs) : std::nullopt);
    if (port == 0) {
      failure = "relay did not start: " + last_line(dir.path / "relay.log");
      return;
    }
    clients = start_logging_to({ALERT_LOAD_CLIENTS_PATH, "--port", std::to_string(port), "--token", kViewerToken,
                                "--clients", std::to_string(count), "--stalled", std::to_string(stalled)},
                               dir.path / "clients.log", placement.clients);
    const auto ready = read_report(*clients, kReadyTimeoutMs);
    if (!ready) {
      failure = "load clients never became ready: " + last_line(dir.path / "clients.log");
      return;
    }
    if (const auto subscribed = static_cast<std::size_t>(number(*ready, "subscribed")); subscribed != count) {
      const auto* reasons = ready->if_contains("failures");
      failure = std::to_string(subscribed) + " of " + std::to_string(count) +
                " clients subscribed; failures: " + (reasons != nullptr ? json::serialize(*reasons) : "?");
      return;
    }
    admin = std::make_unique<AdminLoad>(port, kAdminToken);
    if (!admin->connected()) failure = admin->error();
  }

  bool add_critical_sender() {
    critical_sender = std::make_unique<AdminLoad>(port, kAdminToken);
    if (!critical_sender->connected()) failure = critical_sender->error();
    return failure.empty();
  }

  std::vector<AdminLoad*> senders() const {
    std::vector<AdminLoad*> all{admin.get()};
    if (critical_sender) all.push_back(critical_sender.get());
    return all;
  }

  // SIGTERM and a wait; the relay's exit status (0: a clean shutdown).
  int stop_relay() {
    critical_sender.reset();
    admin.reset();
    if (clients) clients->terminate(5000);
    return relay->terminate(10000);
  }
};

// What one measured window gave.
struct Window {
  json::object clients;        // the clients' report of the window
  double wall_s = 0;           // as the bench timed it
  double relay_cpu_share = 0;  // the relay's CPU seconds over wall seconds, every thread
  double relay_rss_mb = 0;     // at the window's end
  double relay_peak_rss_mb = 0;  // the most the relay ever held, up to the window's end
  double bench_cpu_share = 0;  // this process (the admins' threads, mostly)
  std::uint64_t answered = 0;  // the admins' requests answered
  std::uint64_t criticals_sent = 0;
  bool drained = true;         // everything sent in the window was delivered before it closed
};

// Waits until the relay and the clients have nothing left to do: neither
// process's CPU time advances by more than a clock tick in 100 ms. False if
// they are still busy at `limit`.
bool wait_until_idle(std::initializer_list<pid_t> pids, std::chrono::milliseconds limit) {
  const double tick = 1.5 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::vector<double> before;
  for (const pid_t pid : pids) before.push_back(process_cpu_seconds(pid));
  for (const auto give_up = Clock::now() + limit; Clock::now() < give_up;) {
    std::this_thread::sleep_for(100ms);
    bool idle = true;
    std::size_t i = 0;
    for (const pid_t pid : pids) {
      const double now = process_cpu_seconds(pid);
      idle = idle && now - before[i] <= tick;
      before[i++] = now;
    }
    if (idle) return true;
  }
  return false;
}

// With the admins' load already started (or started by `during`): lets it run
// `warmup`, then opens the clients' window (SIGUSR1), runs `during`, stops the
// admins and closes the window (SIGTERM: the clients report and exit). With
// `drain`, the admins stop sending but their connections stay until the relay
// and the clients are idle again (at most `drain`), so that alerts sent late
// in the window, or still queued towards the relay, are delivered and counted.
std::optional<Window> measure(Run& run, std::chrono::milliseconds warmup, const std::function<void()>& during,
                              std::optional<std::chrono::milliseconds> drain, std::string& failure) {
  std::this_thread::sleep_for(warmup);
  run.clients->signal(SIGUSR1);
  if (!read_report(*run.clients, kReportTimeoutMs)) {  // the warm-up's counts: not a figure
    failure = "no report from the load clients";
    return std::nullopt;
  }
  const pid_t relay = run.relay->pid();
  const double relay_cpu = process_cpu_seconds(relay);
  const double bench_cpu = own_cpu_seconds();
  const auto answered = [&] {
    std::uint64_t n = 0;
    for (const AdminLoad* sender : run.senders()) n += sender->answered();
    return n;
  };
  const std::uint64_t answered_before = answered();
  const auto start = Clock::now();

  during();

  Window w;
  w.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  w.answered = answered() - answered_before;
  w.relay_cpu_share = (process_cpu_seconds(relay) - relay_cpu) / w.wall_s;
  w.bench_cpu_share = (own_cpu_seconds() - bench_cpu) / w.wall_s;
  w.relay_rss_mb = process_rss_mb(relay);
  w.relay_peak_rss_mb = process_peak_rss_mb(relay);
  if (drain) {
    for (AdminLoad* sender : run.senders()) sender->stop_sending();
    w.drained = wait_until_idle({relay, run.clients->pid()}, *drain);
  }
  for (AdminLoad* sender : run.senders()) {
    sender->stop();
    if (!sender->error().empty()) failure = sender->error();
  }
  if (!failure.empty()) return std::nullopt;
  run.clients->signal(SIGTERM);
  auto report = read_report(*run.clients, kReportTimeoutMs);
  if (!report) {
    failure = "no final report from the load clients";
    return std::nullopt;
  }
  // Criticals sent since the clients' window began, as the clients count them.
  const auto window_start = static_cast<std::uint64_t>(number(*report, "window_start_ns"));
  for (const AdminLoad* sender : run.senders())
    for (const std::uint64_t sent : sender->critical_sent_ns()) w.criticals_sent += sent >= window_start ? 1 : 0;
  w.clients = std::move(*report);
  return w;
}

// Figures every run reports, suffixed with the run's name.
void put_shares(json::object& out, std::string_view run, const Window& w) {
  const std::string suffix(run);
  out["load_clients_cpu_share_" + suffix] = round_to(number(w.clients, "cpu_share"), 2);
  out["relay_cpu_share_" + suffix] = round_to(w.relay_cpu_share, 2);
  out["relay_rss_mb_" + suffix] = round_to(w.relay_rss_mb, 1);
  out["bench_cpu_share_" + suffix] = round_to(w.bench_cpu_share, 2);
  if (const auto* closes = w.clients.if_contains("closes"); closes != nullptr && !closes->as_object().empty())
    out[suffix + "_client_closes"] = *closes;
}

// A run that could not be set up or measured: its figures null, and why.
// A run that could not do what it measures: listed in `runs_failed`, which
// makes alert-bench exit 1 (a slow figure never does).
void put_run_failed(json::object& out, std::string_view run) {
  auto& failed = out["runs_failed"];
  if (!failed.is_array()) failed = json::array();
  failed.as_array().emplace_back(run);
}

void put_failure(json::object& out, std::string_view run, std::initializer_list<std::string> figures,
                 const std::string& why, std::size_t clients) {
  for (const auto& figure : figures) out[figure] = nullptr;
  out[std::string(run) + "_note"] = "with " + std::to_string(clients) + " clients: " + why;
  put_run_failed(out, run);
}

void run_relay_stop(json::object& out, std::string_view run_name, Run& run) {
  if (const int status = run.stop_relay(); status != 0) {
    out[std::string(run_name) + "_relay_exit"] = "relay exit status " + std::to_string(status) + " after SIGTERM";
    put_run_failed(out, run_name);
  }
}

// Fan-out: every client subscribed to everything, the admin flooding.
void fanout(json::object& out, std::size_t clients, const Settings& t) {
  const std::string n = std::to_string(clients);
  const std::string name = "fanout_" + n;
  const std::string figure = "fanout_deliveries_per_s_" + n;
  Run run(clients, t.placement);
  std::optional<Window> w;
  if (run.failure.empty()) {
    run.admin->start_flood(kFloodWindow);
    w = measure(run, t.warmup, [&] { std::this_thread::sleep_for(t.measure); }, std::nullopt, run.failure);
  }
  run_relay_stop(out, name, run);
  if (!w) {
    return put_failure(out, name, {figure}, run.failure, clients);
  }
  const double client_wall = number(w->clients, "wall_s");
  const double delivered_per_s = number(w->clients, "deliveries") / client_wall;
  const double created_per_s = static_cast<double>(w->answered) / w->wall_s;
  out[figure] = static_cast<std::uint64_t>(delivered_per_s);
  out["fanout_created_per_s_" + n] = static_cast<std::uint64_t>(created_per_s);
  out["fanout_delivered_share_" + n] =
      created_per_s > 0 ? round_to(delivered_per_s / (created_per_s * static_cast<double>(clients)), 3) : 0.0;
  const auto& by_type = w->clients.at("messages_by_type").as_object();
  out["fanout_resync_required_" + n] = static_cast<std::uint64_t>(number(by_type, "resync_required"));
  put_shares(out, name, *w);
  // The largest run measured stands for the relay's footprint.
  out["relay_rss_mb"] = round_to(w->relay_rss_mb, 1);
  out["relay_cpu_share"] = round_to(w->relay_cpu_share, 2);
}

// One client that never reads among ten that do, while the admin floods the
// relay with routine alerts: the relay's memory must stay bounded (the
// stalled client's queue is capped, then it is closed as too slow) and the
// readers must get everything.
void stalled_client(json::object& out, const Settings& t) {
  constexpr std::string_view kName = "stalled_client";
  constexpr std::size_t kReaders = 10;
  const std::uint64_t alerts = t.stalled_alerts;
  Run run(kReaders + 1, t.placement, 1);
  std::optional<Window> w;
  if (run.failure.empty()) {
    run.admin->start_flood(kFloodWindow);
    w = measure(
        run, 0ms,
        [&] {
          const auto give_up = Clock::now() + 120s;
          while (run.admin->answered() < alerts && Clock::now() < give_up) std::this_thread::sleep_for(10ms);
        },
        t.drain, run.failure);
  }
  run_relay_stop(out, kName, run);
  if (!w) return put_failure(out, kName, {"relay_rss_mb_stalled_client"}, run.failure, kReaders + 1);
  // How the relay ended the stalled client: its log says why it closed whom.
  std::ifstream log(run.dir.path / "relay.log");
  std::size_t too_slow = 0;
  for (std::string line; std::getline(log, line);) too_slow += line.find("closed: client too slow") != line.npos;
  out["relay_rss_mb_stalled_client"] = round_to(w->relay_peak_rss_mb, 1);
  out["stalled_client_alerts"] = w->answered;
  out["stalled_client_closed_too_slow"] = too_slow;
  out["stalled_client_readers_delivered_share"] =
      w->answered > 0 ? round_to(number(w->clients, "deliveries") /
                                     (static_cast<double>(w->answered) * static_cast<double>(kReaders)),
                                 3)
                      : 0.0;
  put_shares(out, kName, *w);
}

// A latency figure's percentiles over the deliveries expected, a delivery that
// never arrived counting as slower than every one that did: a percentile that
// falls among those is unknown (null), not the largest seen. Writes
// PREFIX_p50/_p99/_max SUFFIX, PREFIX_samples/_expected_samples SUFFIX, and
// RUN_note when deliveries are missing.
void put_latency(json::object& out, std::string_view run, const std::string& prefix, const std::string& suffix,
                 std::vector<std::uint64_t> samples_us, std::uint64_t expected, const Window& w, const Settings& t) {
  std::sort(samples_us.begin(), samples_us.end());
  expected = std::max<std::uint64_t>(expected, samples_us.size());
  const auto percentile = [&](double q) -> json::value {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(expected));
    if (rank >= samples_us.size()) return nullptr;
    return samples_us[rank];
  };
  out[prefix + "_p50" + suffix] = percentile(0.50);
  out[prefix + "_p99" + suffix] = percentile(0.99);
  out[prefix + "_max" + suffix] = samples_us.empty() ? json::value(nullptr) : json::value(samples_us.back());
  out[prefix + "_samples" + suffix] = samples_us.size();
  out[prefix + "_expected_samples" + suffix] = expected;
  const std::uint64_t missing = expected - samples_us.size();
  if (missing == 0 && w.drained) return;
  out[std::string(run) + "_note"] =
      std::to_string(missing) + " of " + std::to_string(expected) + " deliveries missing: " +
      (w.drained ? std::string("the relay and the clients went idle without them")
                 : "the relay was still busy " + std::to_string(t.drain.count()) + " ms after the load stopped");
}

// The relay's own share of a latency run: how long urgent messages (the
// criticals or notices, and the answers to the load's requests) waited in its
// client queues for their writes, from its delivery_urgent_wait_seconds
// histogram (estimated within its buckets). Read before the relay stops.
void put_urgent_wait(json::object& out, const Run& run, const std::string& suffix) {
  const auto metrics = run.relay ? scrape_metrics(run.port, kViewerToken) : std::nullopt;
  for (const auto& [q, name] : {std::pair{0.50, "_p50"}, std::pair{0.99, "_p99"}}) {
    const auto seconds = metrics ? histogram_quantile(*metrics, "delivery_urgent_wait_seconds", q) : std::nullopt;
    out[std::string("relay_urgent_wait_us") + name + suffix] =
        seconds ? json::value(std::llround(*seconds * 1e6)) : json::value(nullptr);
  }
}

// Critical alerts every 20 ms over a paced background of routine ones.
void critical_latency(json::object& out, std::string_view name, std::size_t clients, double background_per_s,
                      std::string_view figure_suffix, const Settings& t) {
  const std::string suffix(figure_suffix);
  const std::string p50 = "critical_latency_us_p50" + suffix;
  const std::string p99 = "critical_latency_us_p99" + suffix;
  Run run(clients, t.placement);
  std::optional<Window> w;
  if (run.failure.empty() && run.add_critical_sender()) {
    if (background_per_s > 0) run.admin->start_paced(background_per_s, std::nullopt);
    run.critical_sender->start_paced(0, kCriticalEvery);
    w = measure(run, t.warmup, [&] { std::this_thread::sleep_for(t.latency_measure); }, t.drain, run.failure);
    if (w) put_urgent_wait(out, run, suffix);
  }
  run_relay_stop(out, name, run);
  if (!w) return put_failure(out, name, {p50, p99}, run.failure, clients);
  std::vector<std::uint64_t> latency_us;
  for (const auto& sample : w->clients.at("critical_latency_us").as_array())
    latency_us.push_back(sample.to_number<std::uint64_t>());
  put_latency(out, name, "critical_latency_us", suffix, std::move(latency_us), w->criticals_sent * clients, *w, t);
  // What the relay answered of the paced load (routine and critical) while it was sent.
  out["paced_answered_per_s" + suffix] = static_cast<std::uint64_t>(static_cast<double>(w->answered) / w->wall_s);
  put_shares(out, name, *w);
}

// One acknowledgement at a time, to every subscribed client.
void ack_fanout(json::object& out, const Settings& t) {
  constexpr std::string_view kName = "ack_fanout";
  Run run(kAckClients, t.placement);
  std::optional<Window> w;
  if (run.failure.empty()) {
    w = measure(
        run, 0ms,
        [&] {
          run.admin->start_acks(t.warmup_acks + t.acks, kAckGap);
          const auto give_up = Clock::now() + 30s;
          while (!run.admin->acks_done() && Clock::now() < give_up) std::this_thread::sleep_for(5ms);
        },
        t.drain, run.failure);
    if (w) put_urgent_wait(out, run, "_ack");
  }
  std::vector<std::uint64_t> latency_us;
  std::uint64_t warmup_max_us = 0;
  if (w) {
    // The warm-up acks are the first sent; their reads are not timed, but the
    // slowest is reported (ack_fanout_us_max_warmup).
    std::vector<std::uint64_t> sent_ns;
    for (const auto& [alert_id, ns] : run.admin->ack_sent_ns()) sent_ns.push_back(ns);
    std::sort(sent_ns.begin(), sent_ns.end());
    const std::uint64_t timed_from = sent_ns.size() > t.warmup_acks ? sent_ns[t.warmup_acks] : ~std::uint64_t{0};
    for (const auto& [alert_id, reads] : w->clients.at("ack_read_ns").as_object()) {
      const auto sent = run.admin->ack_sent_ns().find(std::string_view(alert_id));
      if (sent == run.admin->ack_sent_ns().end()) continue;
      for (const auto& read : reads.as_array()) {
        const auto read_ns = read.to_number<std::uint64_t>();
        if (read_ns < sent->second) continue;
        const std::uint64_t us = (read_ns - sent->second) / 1000;
        if (sent->second >= timed_from) latency_us.push_back(us);
        else warmup_max_us = std::max(warmup_max_us, us);
      }
    }
  }
  run_relay_stop(out, kName, run);
  if (!w) return put_failure(out, kName, {"ack_fanout_us_p50", "ack_fanout_us_p99"}, run.failure, kAckClients);
  put_latency(out, kName, "ack_fanout_us", "", std::move(latency_us), t.acks * kAckClients, *w, t);
  out["ack_fanout_warmup_acks"] = t.warmup_acks;
  out["ack_fanout_us_max_warmup"] = warmup_max_us;
  put_shares(out, kName, *w);
}

// The host's floor (alert-loopback-floor): the same fan-out shapes with no
// relay, so that a latency figure can be read against what this machine
// gives anything. 100 connections from one sending thread and from two, 10
// connections, and 100 WebSocket connections through Beast at both ends.
void loopback_floor(json::object& out, const Settings& t) {
  constexpr std::string_view kName = "loopback_floor";
  struct Shape {
    std::size_t clients;
    int senders;
    bool websocket;
    std::string suffix;
  };
  for (const Shape& shape : {Shape{100, 1, false, "_100"}, Shape{100, 2, false, "_100_2_senders"},
                             Shape{10, 1, false, "_10"}, Shape{100, 1, true, "_100_websocket"}}) {
    const std::string p50 = "loopback_floor_us_p50" + shape.suffix;
    const std::string p99 = "loopback_floor_us_p99" + shape.suffix;
    // Pinned as the relay's runs are: the forwarder on the relay's CPU, the reader on the clients'.
    testing::ChildProcess floor({ALERT_LOOPBACK_FLOOR_PATH, "--clients", std::to_string(shape.clients), "--senders",
                                 std::to_string(shape.senders), "--rounds", std::to_string(t.floor_rounds),
                                 "--websocket", shape.websocket ? "1" : "0", "--reader-cpu",
                                 std::to_string(t.placement.clients)},
                                t.placement.relay);
    const auto line = floor.started() ? floor.read_line(30'000) : std::nullopt;
    const int status = floor.wait_exit(5'000);
    boost::system::error_code ec;
    json::value report;
    if (line) report = json::parse(*line, ec);
    if (status != 0 || !report.is_object()) {
      put_failure(out, kName, {p50, p99}, "alert-loopback-floor failed (exit status " + std::to_string(status) + ")",
                  shape.clients);
      continue;
    }
    out[p50] = report.at("p50_us");
    out[p99] = report.at("p99_us");
  }
}

}  // namespace

json::object run_delivery_suite(bool quick, std::string_view only, Placement placement) {
  const Settings t = settings(quick, placement);
  const auto wanted = [only](std::string_view run) { return only.empty() || only == run; };
  json::object out;
  out["suite"] = "delivery";
  out["quick"] = quick;
  out["cpus_pinned"] = placement.split();
  if (placement.split()) {
    out["relay_cpu"] = placement.relay;
    out["clients_cpu"] = placement.clients;
  }
  out["warmup_ms"] = t.warmup.count();
  out["measure_ms"] = t.measure.count();
  out["latency_measure_ms"] = t.latency_measure.count();
  for (const std::size_t clients : kFanoutClients)
    if (wanted("fanout_" + std::to_string(clients))) fanout(out, clients, t);
  if (wanted("critical_100")) critical_latency(out, "critical_100", 100, kBackgroundPerS, "", t);
  if (wanted("critical_100_idle")) critical_latency(out, "critical_100_idle", 100, 0, "_idle", t);
  if (wanted("critical_10")) critical_latency(out, "critical_10", 10, kBackgroundPerS, "_10_clients", t);
  if (wanted("critical_10_idle")) critical_latency(out, "critical_10_idle", 10, 0, "_10_clients_idle", t);
  if (wanted("ack_fanout")) ack_fanout(out, t);
  if (wanted("stalled_client")) stalled_client(out, t);
  if (wanted("loopback_floor")) loopback_floor(out, t);
  if (wanted("encodings")) put_encoding_figures(out);
  return out;
}

}  // namespace rover_alerts::bench
