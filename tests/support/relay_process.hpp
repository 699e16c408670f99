#pragma once
// The real alert-relay as a child process: started on a --data folder with
// its link port given (0: ephemeral), its endpoints read from the one
// `listening http=HOST:PORT link=HOST:PORT` line it prints, killed hard when
// a test wants a crash. ALERT_RELAY_PATH and DEMO_TOKENS_PATH come from CMake.
// Its rovers are the test fleet's (support/test_fleet.hpp); a --rovers in
// `extra_args` comes later and wins.

#include "support/child_process.hpp"
#include "support/endpoint.hpp"
#include "support/test_fleet.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace rover_alerts::testing {

struct RelayProcess {
  std::unique_ptr<ChildProcess> process;
  Endpoint http;
  Endpoint link;
};

#if defined(ALERT_RELAY_PATH) && defined(DEMO_TOKENS_PATH)
// Starts a relay on `data_dir`; `start_timeout_ms` covers reloading a large journal.
inline RelayProcess start_relay(const std::filesystem::path& data_dir, unsigned short link_port,
                                int start_timeout_ms = 10000, const std::vector<std::string>& extra_args = {}) {
  RelayProcess relay;
  std::vector<std::string> args{ALERT_RELAY_PATH, "--listen",  "127.0.0.1:0", "--link-listen",
                                "127.0.0.1:" + std::to_string(link_port), "--data", data_dir.string(),
                                "--tokens", DEMO_TOKENS_PATH, "--rovers", TestFleet::get().rovers_file().string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  relay.process = std::make_unique<ChildProcess>(args);
  BOOST_REQUIRE(relay.process->started());
  const auto line = relay.process->read_line(start_timeout_ms);
  BOOST_REQUIRE_MESSAGE(line, "relay printed no listening line");
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, std::regex(R"(^listening http=(\S+) link=(\S+)$)")),
                        "unexpected first line: " << *line);
  relay.http = parse_endpoint(m[1]);
  relay.link = parse_endpoint(m[2]);
  return relay;
}
#endif

// SIGKILL: the relay gets no chance to flush or close anything.
inline void kill_hard(RelayProcess& relay, int wait_ms = 10000) {
  relay.process->signal(SIGKILL);
  relay.process->wait_exit(wait_ms);
}

}  // namespace rover_alerts::testing
