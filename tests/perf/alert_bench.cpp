// alert-bench: throughput and footprint figures of the relay's building blocks.
//
//   alert-bench --suite store [--json] [--alerts N]
//   alert-bench --suite emitter [--json]     (the firmware emitter; emitter_suite.hpp)
//   alert-bench --suite delivery [--json] [--quick] [--only RUN] [--cpus split|shared]
//       (the real alert-relay serving 1 to 1000 clients run by alert-load-clients
//       in another process: fan-out, critical and ack latency; delivery_suite.hpp.
//       --quick shortens every run, for a smoke check; --only runs one of them,
//       for a profiler: fanout_1|10|100|1000, critical_100, critical_100_idle,
//       critical_10, ack_fanout, stalled_client, encodings. --cpus split, the
//       default when two CPUs are free to use: the relay on the first CPU this
//       process may use and its clients on the second, each alone, as screens
//       on other machines would be; --cpus shared: where the scheduler puts them)
//
// Prints one JSON object with --json (otherwise one `name value` per line).
// Exits 1 when a delivery run could not be done (`runs_failed`): the CTest
// delivery_bench_smoke runs the quick suite so that the bench cannot break
// unnoticed (it once did, when per-address client caps came in).
// Figures are measured, never asserted: build in Release (-O2) for numbers
// worth comparing. Targets on a 2-core machine: ingest >= 1 000 000 alerts/s
// in memory and >= 300 000 alerts/s durable, <= 300 bytes per active alert,
// restart with 1 000 000 alerts <= 3000 ms, a client resyncing 10 000 missed
// alerts over a real WebSocket (sync_10k_ms) <= 50 ms.

#include "auth/token_file.hpp"
#include "delivery_suite.hpp"
#include "emitter_suite.hpp"
#include "relay_server.hpp"
#include "store/alert_journal.hpp"
#include "store/alert_store.hpp"
#include "support/cpu_affinity.hpp"
#include "support/temp_dir.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <csignal>
#include <thread>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

using namespace rover_alerts::relay;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resident set size in bytes, from /proc/self/statm (second field, pages).
std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// A rover raise shaped like rover-sim's waypoint alerts: new key each time.
struct EventSource {
  RoverEvent event;
  EventSource() {
    event.kind = RoverEventKind::Raise;
    event.priority = Priority::Info;
    event.source = "navigation";
    event.title = "Waypoint Reached";
    event.raised_at_ms = 1'700'000'000'000ull;
  }
  const RoverEvent& next(std::uint64_t i) {
    event.key = "navigation/waypoint-" + std::to_string(i);
    event.message = "Reached waypoint " + std::to_string(i);
    event.last_seen_ms = event.raised_at_ms + i;
    return event;
  }
};

constexpr std::uint64_t kBoot = 0x1234abcd5678ef00ull;
// Frames a link session applies per io-loop turn (one 64 KiB read of ~250-byte
// frames). After each turn the relay polls the journal and hands it the next
// batch if its writer is idle, so a batch is whatever arrived meanwhile.
constexpr std::uint64_t kFramesPerTurn = 256;

struct StoreFigures {
  double ingest_memory = 0;
  double ingest_durable = 0;
  double bytes_per_alert = 0;
  double restart_ms = 0;
  std::uint64_t commits = 0;  // group commits during the durable ingest
  std::uint64_t db_bytes = 0;
};

StoreFigures run_store_suite(std::uint64_t alerts) {
  StoreFigures f;
  EventSource source;
  {
    const std::uint64_t rss_before = resident_bytes();
    AlertStore store(std::string(32, '0'));
    const auto start = Clock::now();
    for (std::uint64_t i = 1; i <= alerts; ++i) store.apply_rover_event("rover-bench", kBoot, i, source.next(i));
    f.ingest_memory = static_cast<double>(alerts) / seconds_since(start);
    f.bytes_per_alert = static_cast<double>(resident_bytes() - rss_before) / static_cast<double>(alerts);
  }

  const rover_alerts::testing::TempDir dir("bench-store");
  const fs::path db = dir.path / "alerts.db";
  {
    AlertStore store(std::string(), HistoryLimits{});
    auto journal = AlertJournal::open(db, JournalOptions{}, store);
    store.set_recorder(journal.get());
    const auto start = Clock::now();
    for (std::uint64_t i = 1; i <= alerts; ++i) {
      store.apply_rover_event("rover-bench", kBoot, i, source.next(i));
      if (i % kFramesPerTurn == 0) {
        journal->poll();
        journal->start_flush();
      }
    }
    journal->flush();
    f.ingest_durable = static_cast<double>(alerts) / seconds_since(start);
    f.commits = journal->counters().commits;
    store.set_recorder(nullptr);
  }
  f.db_bytes = fs::file_size(db);
  {
    const auto start = Clock::now();
    AlertStore store(std::string(), HistoryLimits{});
    auto journal = AlertJournal::open(db, JournalOptions{}, store);
    f.restart_ms = seconds_since(start) * 1000.0;
    if (store.size() != alerts) std::cerr << "alert-bench: restart found " << store.size() << " alerts\n";
  }
  return f;
}


// A client that missed `alerts` alerts resyncs them over a real WebSocket from
// the relay server (in this process, on loopback): auth, then alert_sync pages
// of 1000 from sinceRev 0 until `more` is false. Returns milliseconds, from the
// first sync request to the last page received.
double measure_sync_ms(std::uint64_t alerts) {
  namespace net = boost::asio;
  namespace websocket = boost::beast::websocket;
  const rover_alerts::testing::TempDir dir("bench-sync");
  {
    // The missed alerts, already in the relay's journal.
    AlertStore store(std::string(), HistoryLimits{});
    auto journal = AlertJournal::open(dir.path / "alerts.db", JournalOptions{}, store);
    store.set_recorder(journal.get());
    EventSource source;
    for (std::uint64_t i = 1; i <= alerts; ++i) store.apply_rover_event("rover-bench", kBoot, i, source.next(i));
    journal->flush();
    store.set_recorder(nullptr);
  }
  TokenFileError token_error;
  auto tokens = TokenFile::parse("viewer bench bench-viewer-token\n", token_error);
  RelayConfig config;
  config.http_listen = {"127.0.0.1", 0};
  config.link_listen = {"127.0.0.1", 0};
  config.data_dir = dir.path;
  double elapsed_ms = -1;
  {
    RelayServer server(config, std::move(*tokens), nullptr);
    server.bind();
    const auto port = server.http_endpoint().port();
    std::thread relay([&] { server.run(); });

    net::io_context io;
    websocket::stream<net::ip::tcp::socket> ws(io);
    ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    ws.next_layer().set_option(net::ip::tcp::no_delay(true));
    ws.read_message_max(64 * 1024 * 1024);
    ws.handshake("127.0.0.1", "/ws");
    boost::beast::flat_buffer buffer;
    ws.write(net::buffer(std::string(R"({"type":"auth","token":"bench-viewer-token"})")));
    ws.read(buffer);
    buffer.clear();
    std::uint64_t since = 0;
    std::uint64_t received = 0;
    const auto start = Clock::now();
    for (bool more = true; more;) {
      ws.write(net::buffer(R"({"type":"alert_sync","reqId":1,"includeAcknowledged":true,"maxCount":1000,"sinceRev":)" +
                           std::to_string(since) + "}"));
      ws.read(buffer);
      // A client that only reads a page once parses it into an arena: one
      // allocation per block instead of one per string and object.
      boost::json::monotonic_resource arena;
      const auto reply = boost::json::parse(boost::beast::buffers_to_string(buffer.data()), &arena);
      buffer.clear();
      const auto& result = reply.at("result");
      received += result.at("alerts").as_array().size();
      since = result.at("rev").to_number<std::uint64_t>();
      more = result.at("more").as_bool();
    }
    elapsed_ms = seconds_since(start) * 1000.0;
    if (received != alerts) std::cerr << "alert-bench: sync received " << received << " alerts\n";
    ws.close(websocket::close_code::normal);
    std::raise(SIGTERM);  // the relay's own shutdown path
    relay.join();
  }
  return elapsed_ms;
}

}  // namespace

int main(int argc, char** argv) {
  std::string suite;
  bool as_json = false;
  bool quick = false;
  std::string cpus = "split";
  std::string only;
  std::uint64_t alerts = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--suite" && i + 1 < argc) {
      suite = argv[++i];
    } else if (arg == "--json") {
      as_json = true;
    } else if (arg == "--quick") {
      quick = true;
    } else if (arg == "--cpus" && i + 1 < argc && (argv[i + 1] == std::string_view("split") ||
                                                    argv[i + 1] == std::string_view("shared"))) {
      cpus = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (arg == "--alerts" && i + 1 < argc) {
      alerts = std::stoull(argv[++i]);
    } else {
      std::cerr << "usage: alert-bench --suite store|emitter|delivery [--json] [--alerts N] [--quick] [--only RUN]"
                   " [--cpus split|shared]\n";
      return 2;
    }
  }
  if (suite == "emitter") {
    // One JSON object either way.
    std::cout << rover_alerts::bench::run_emitter_suite() << std::endl;
    return 0;
  }
  const auto print = [as_json](const boost::json::object& out) {
    if (as_json) {
      std::cout << boost::json::serialize(out) << std::endl;
    } else {
      for (const auto& field : out) std::cout << field.key() << " " << boost::json::serialize(field.value()) << "\n";
    }
  };
  if (suite == "delivery") {
    // Figures are never judged here; a run that could not be done is an error.
    // Split needs two CPUs; with one, every process shares it and the JSON says so.
    rover_alerts::bench::Placement placement;
    const std::vector<int> usable = rover_alerts::testing::usable_cpus();
    if (cpus == "split" && usable.size() >= 2) placement = {usable[0], usable[1]};
    auto out = rover_alerts::bench::run_delivery_suite(quick, only, placement);
    if (cpus == "split" && !placement.split())
      out["cpus_note"] = "--cpus split needs two CPUs and this process may use " + std::to_string(usable.size());
    print(out);
    return out.contains("runs_failed") ? 1 : 0;
  }
  if (suite != "store") {
    std::cerr << "alert-bench: unknown suite `" << suite << "` (known: store, emitter, delivery)\n";
    return 2;
  }
  // Quiet: the journal logs to stderr when it creates/opens its file.
  const StoreFigures f = run_store_suite(alerts);
  boost::json::object out;
  out["suite"] = "store";
  out["alerts"] = alerts;
  out["ingest_alerts_per_s_memory"] = static_cast<std::uint64_t>(f.ingest_memory);
  out["ingest_alerts_per_s_durable"] = static_cast<std::uint64_t>(f.ingest_durable);
  out["bytes_per_active_alert"] = static_cast<std::uint64_t>(f.bytes_per_alert);
  out["restart_ms_1m"] = static_cast<std::uint64_t>(f.restart_ms);
  out["journal_bytes"] = f.db_bytes;
  out["durability"] = "full";
  out["group_commits"] = f.commits;
  out["alerts_per_commit"] = f.commits == 0 ? 0 : alerts / f.commits;
  out["sync_10k_ms"] = static_cast<std::uint64_t>(measure_sync_ms(10'000) + 0.5);
  print(out);
  return 0;
}
