// rover-sim: a simulated control loop on the firmware emitter.
//
//   rover-sim --relay HOST:PORT --rover-id ID --rate N --count N [tuning options]
//
// A control-loop thread raises the scenario's alerts at --rate per second
// (--count 0: until Ctrl-C); the main thread runs the emitter's link. At the
// end it waits (bounded) until the relay has acknowledged everything and has
// been sent a heartbeat with the final loss counters, prints a summary and
// exits 0 only if nothing was lost.

#include "scenario.hpp"

#include <rover_alerts/clock.hpp>
#include <rover_alerts/emitter.hpp>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8100;
  std::string rover_id = "rover-1";
  double rate = 10.0;
  std::uint64_t count = 0;
  std::uint64_t drain_timeout_ms = 10000;
  bool distinct_keys = false;       // the load mix: one key per raise
  std::uint64_t progress_every = 0; // print a progress line every N raises; 0: never
  rover_alerts::EmitterConfig tuning;  // queue, ring and link sizes; defaults unless given
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: rover-sim --relay HOST:PORT [--rover-id ID] [--rate N] [--count N] [options]\n"
               "  --relay HOST:PORT    the relay's link listener (default 127.0.0.1:8100)\n"
               "  --rover-id ID        this rover's id (default rover-1)\n"
               "  --key-file FILE      this rover's link key: 64 hex digits, the same as its line in the\n"
               "                       relay's --rovers file; owner-only (chmod 600). Without it the link\n"
               "                       is unauthenticated, which only an --insecure-links relay accepts\n"
               "  --rate N             alerts raised per second (default 10)\n"
               "  --count N            alerts to raise, then drain and exit; 0 = until Ctrl-C (default 0)\n"
               "  --drain-timeout-ms N how long to wait for the relay's acks at the end (default 10000)\n"
               "  --distinct-keys      raise 'load/alert-<i>': one key per raise, one priority, in raise order\n"
               "  --progress-every N   print 'rover-sim progress raised=N lost=N' every N raises\n"
               "  --replay-ring-bytes N, --queue-capacity N, --staging-capacity N, --heartbeat-ms N,\n"
               "  --reconnect-max-ms N, --lz4-min-bytes N (0: no lz4)\n"
               "                       emitter configuration (defaults: EmitterConfig)\n");
}

bool parse_number(const char* text, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end != text && *end == '\0' && out >= 0;
}

// A key file: the key as 64 hex digits, blanks around it allowed; refused
// when others than its owner may read it (a rover's secret).
bool read_key_file(const char* path, rover_alerts::link::LinkKey& key) {
  struct stat st {};
  if (::stat(path, &st) != 0) {
    std::fprintf(stderr, "rover-sim: cannot open key file %s\n", path);
    return false;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    std::fprintf(stderr, "rover-sim: key file %s is open to other users: chmod 600\n", path);
    return false;
  }
  std::ifstream in(path);
  std::string text;
  in >> text;
  std::string rest;
  if (!in || (in >> rest) || !rover_alerts::link::parse_key_hex(text, key)) {
    std::fprintf(stderr, "rover-sim: key file %s must hold one key of 64 hex digits\n", path);
    return false;
  }
  return true;
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (arg == "--distinct-keys") {
      o.distinct_keys = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "rover-sim: %s needs a value\n", arg.c_str());
      return false;
    }
    const char* value = argv[++i];
    double number = 0;
    if (arg == "--relay") {
      const std::string v = value;
      const auto colon = v.rfind(':');
      if (colon == std::string::npos || !parse_number(v.c_str() + colon + 1, number) || number < 1 || number > 65535) {
        std::fprintf(stderr, "rover-sim: --relay wants HOST:PORT, got '%s'\n", value);
        return false;
      }
      o.host = v.substr(0, colon);
      o.port = static_cast<std::uint16_t>(number);
    } else if (arg == "--rover-id") {
      o.rover_id = value;
    } else if (arg == "--key-file") {
      if (!read_key_file(value, o.tuning.link_key)) return false;
      o.tuning.has_link_key = true;
    } else if (arg == "--rate" && parse_number(value, number) && number > 0) {
      o.rate = number;
    } else if (arg == "--count" && parse_number(value, number)) {
      o.count = static_cast<std::uint64_t>(number);
    } else if (arg == "--drain-timeout-ms" && parse_number(value, number)) {
      o.drain_timeout_ms = static_cast<std::uint64_t>(number);
    } else if (arg == "--progress-every" && parse_number(value, number)) {
      o.progress_every = static_cast<std::uint64_t>(number);
    } else if (arg == "--replay-ring-bytes" && parse_number(value, number)) {
      o.tuning.replay_ring_bytes = static_cast<std::size_t>(number);
    } else if (arg == "--queue-capacity" && parse_number(value, number)) {
      o.tuning.queue_capacity = static_cast<std::size_t>(number);
    } else if (arg == "--staging-capacity" && parse_number(value, number)) {
      o.tuning.staging_capacity = static_cast<std::size_t>(number);
    } else if (arg == "--heartbeat-ms" && parse_number(value, number) && number >= 1) {
      o.tuning.heartbeat_interval_ms = static_cast<std::uint32_t>(number);
    } else if (arg == "--lz4-min-bytes" && parse_number(value, number)) {
      o.tuning.lz4_min_batch_bytes = static_cast<std::size_t>(number);
    } else if (arg == "--reconnect-max-ms" && parse_number(value, number) && number >= 1) {
      o.tuning.reconnect_max_ms = static_cast<std::uint32_t>(number);
    } else {
      std::fprintf(stderr, "rover-sim: bad option or value: %s %s\n", arg.c_str(), value);
      return false;
    }
  }
  return true;
}

void print_operator_ack(void*, const rover_alerts::OperatorAckView& ack) {
  std::fprintf(stderr, "rover-sim: operator %.*s acknowledged %.*s\n", static_cast<int>(ack.acknowledged_by.size()),
               ack.acknowledged_by.data(), static_cast<int>(ack.alert_id.size()), ack.alert_id.data());
}

std::uint64_t total_lost(const rover_alerts::Emitter& emitter) {
  std::uint64_t lost = 0;
  for (auto n : emitter.counters().lost_by_priority) lost += n;
  return lost;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_args(argc, argv, options)) {
    usage(stderr);
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  rover_alerts::EmitterConfig config = options.tuning;
  config.reconnect_initial_ms = std::min(config.reconnect_initial_ms, config.reconnect_max_ms);
  config.rover_id = options.rover_id;
  config.relay_host = options.host.c_str();
  config.relay_port = options.port;
  rover_alerts::Emitter emitter;
  if (const auto s = emitter.init(config); s != rover_alerts::Status::Ok) {
    std::fprintf(stderr, "rover-sim: emitter init failed: %s\n", rover_alerts::to_string(s));
    return 1;
  }
  emitter.set_operator_ack_handler(print_operator_ack, nullptr);
  std::printf("rover-sim rover=%s boot=%016" PRIx64 "\n", options.rover_id.c_str(), emitter.boot_id());
  std::fflush(stdout);

  std::atomic<bool> raising_done{false};
  std::thread control_loop([&] {
    rover_sim::ScenarioAlert alert;
    const auto period_us = static_cast<std::uint64_t>(1e6 / options.rate);
    const auto start = rover_alerts::monotonic_ms();
    for (std::uint64_t i = 0; (options.count == 0 || i < options.count) && !g_stop.load(); ++i) {
      // Paced against the start time so a slow iteration does not drift the rate.
      const auto due_ms = start + i * period_us / 1000;
      while (rover_alerts::monotonic_ms() < due_ms && !g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (options.distinct_keys) rover_sim::make_distinct_alert(i, alert);
      else rover_sim::make_scenario_alert(i, alert);
      const auto status = emitter.raise(alert.spec);
      if (!rover_alerts::accepted(status) && !options.distinct_keys)  // the load mix would flood stderr
        std::fprintf(stderr, "rover-sim: raise %s: %s\n", alert.key.c_str(), rover_alerts::to_string(status));
      if (options.progress_every != 0 && (i + 1) % options.progress_every == 0) {
        std::printf("rover-sim progress raised=%" PRIu64 " lost=%" PRIu64 "\n", i + 1, total_lost(emitter));
        std::fflush(stdout);
      }
    }
    raising_done.store(true);
  });

  // Drain: everything acknowledged, then one more heartbeat written after
  // that, so the relay's view of the losses is the final one.
  std::uint64_t drain_deadline = 0;
  std::uint64_t heartbeats_at_drain = 0;
  bool drained = false;
  for (;;) {
    emitter.poll(20);
    if (!raising_done.load()) continue;
    if (g_stop.load()) break;
    if (!drained && emitter.drained()) {
      drained = true;
      heartbeats_at_drain = emitter.counters().heartbeats_sent;
    }
    if (drained && emitter.counters().heartbeats_sent > heartbeats_at_drain) break;
    const auto now = rover_alerts::monotonic_ms();
    if (drain_deadline == 0) drain_deadline = now + options.drain_timeout_ms;
    if (now >= drain_deadline) break;
  }
  control_loop.join();

  const auto c = emitter.counters();
  const std::uint64_t lost = total_lost(emitter);
  std::printf("rover-sim done accepted=%" PRIu64 " sent=%" PRIu64 " acked=%" PRIu64 " lost=%" PRIu64
              " truncated=%" PRIu64 " connects=%" PRIu64 " gap=%" PRIu64 " wire_bytes=%" PRIu64
              " lz4_batches=%" PRIu64 " lz4_raw_bytes=%" PRIu64 " lz4_batch_bytes=%" PRIu64 " refused=%" PRIu64
              " auth_failures=%" PRIu64 "\n",
              c.accepted, c.latest_seq, c.acked_seq, lost, c.truncated_fields, c.connects, c.ring_gap_frames,
              c.bytes_sent, c.lz4_batches, c.lz4_raw_bytes, c.lz4_batch_bytes, c.relay_refused, c.auth_failures);
  std::fflush(stdout);
  const bool complete = emitter.drained() && lost == 0;
  return complete || g_stop.load() ? 0 : 1;
}
