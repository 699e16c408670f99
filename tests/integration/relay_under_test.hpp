#pragma once
// Helpers for the security integration tests: a real alert-relay process on
// ephemeral loopback ports with extra options, its /metrics counters, and a
// rover-sim run. Raw TCP, HTTP and WebSocket probes come compiled from
// tests/support (rover_alerts_test_net).

#include "support/child_process.hpp"
#include "support/json_message.hpp"
#include "support/raw_connection.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/change_view.hpp"
#include "support/ws_probe.hpp"
#include "support/ws_test_client.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

namespace rover_alerts::testing {

class RelayUnderTest {
 public:
  // The test fleet's rovers (support/test_fleet.hpp) unless `fleet` is false.
  explicit RelayUnderTest(std::vector<std::string> extra_args = {}, bool fleet = true) {
    std::vector<std::string> args{ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0",
                                  "--data", data_dir_.path.string(), "--tokens", DEMO_TOKENS_PATH};
    if (fleet) args.insert(args.end(), {"--rovers", TestFleet::get().rovers_file().string()});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<ChildProcess>(args);
    BOOST_REQUIRE(process_->started());
    const auto line = process_->read_line(20000);
    BOOST_REQUIRE_MESSAGE(line, "relay printed no listening line");
    std::smatch m;
    static const std::regex pattern(R"(^listening http=(\S+) link=(\S+)$)");
    BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, pattern), "unexpected first line: " << *line);
    http_ = parse_endpoint(m[1]);
    link_ = parse_endpoint(m[2]);
  }
  ~RelayUnderTest() {
    BOOST_CHECK_EQUAL(process_->terminate(), 0);  // still alive, and SIGTERM is a clean shutdown
  }
  RelayUnderTest(const RelayUnderTest&) = delete;
  RelayUnderTest& operator=(const RelayUnderTest&) = delete;

  const Endpoint& http() const { return http_; }
  const Endpoint& link() const { return link_; }
  bool alive() { return process_->wait_exit(0) == -1; }
  void signal(int signal) { process_->signal(signal); }
  // The relay's resident memory in bytes: VmRSS (all of it), or RssAnon (its
  // own heap and anonymous maps, without the pages of its binary and libraries,
  // which vary with the build and with what the host has paged in).
  std::uint64_t rss_bytes(const std::string& field = "VmRSS") const {
    std::ifstream status("/proc/" + std::to_string(process_->pid()) + "/status");
    const std::string prefix = field + ":";
    for (std::string line; std::getline(status, line);)
      if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
    return 0;
  }

 private:
  TempDir data_dir_{"sec"};  // first member: removed after the relay has stopped
  std::unique_ptr<ChildProcess> process_;
  Endpoint http_;
  Endpoint link_;
};

// /metrics, with the token it needs.
inline HttpResult metrics_request(const Endpoint& at) {
  return http_request(at, "/metrics", "Authorization: Bearer demo-viewer-token\r\n");
}

// The value of one series (`name` or `name{label="value"}`) on /metrics; 0 when absent.
inline std::uint64_t metric(const Endpoint& at, const std::string& series) {
  const auto result = metrics_request(at);
  BOOST_REQUIRE_EQUAL(result.status, 200);
  std::istringstream lines(result.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stoull(line.substr(series.size() + 1));
  }
  return 0;
}

// Runs rover-sim for `count` alerts to completion; true when all were
// acknowledged. `key_args`: the fleet's key unless told otherwise.
inline bool run_rover_sim(const Endpoint& link, const std::string& rover_id, int count = 1,
                          std::vector<std::string> key_args = fleet_key_args()) {
  std::vector<std::string> args{ROVER_SIM_PATH, "--relay", link.host + ":" + std::to_string(link.port), "--rover-id",
                                rover_id, "--rate", "50", "--count", std::to_string(count)};
  args.insert(args.end(), key_args.begin(), key_args.end());
  ChildProcess sim(args);
  if (!sim.started()) return false;
  return sim.wait_exit(30000) == 0;
}

}  // namespace rover_alerts::testing
