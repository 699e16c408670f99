#pragma once
// RelaySession: one alertctl command's connection to the relay, on the
// client library. It runs the io loop until the command finishes, the
// connection is refused or lost for good, or the deadline passes, and turns
// each outcome into alertctl's exit code.

#include "options.hpp"

#include <rover_alerts/ground/alert_client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace rover_alerts::alertctl {

class RelaySession {
 public:
  // `subscribe`: the command wants the alert stream (watch, list).
  // `keep_reconnecting`: once synced, a lost connection is retried for ever (watch).
  RelaySession(const Options& options, bool subscribe, bool keep_reconnecting, ground::ClientEvents events);

  ground::AlertClient& client() { return *client_; }
  boost::asio::io_context& io() { return io_; }

  // Starts the client and runs until finish(); the exit code. The deadline
  // (--timeout) holds until the first sync (subscribe) or for the whole run.
  int run();
  void finish(int code);
  // The first sync happened: from now on a watch runs without a deadline.
  void synced();

  // The exit code for a failed answer.
  int exit_code_of(const ground::Reply& reply) const;
  int exit_code_of(std::string_view error_code) const;

 private:
  const Options& options_;
  bool keep_reconnecting_;
  boost::asio::io_context io_;
  boost::asio::steady_timer deadline_;
  std::unique_ptr<ground::AlertClient> client_;
  std::optional<int> exit_code_;
};

}  // namespace rover_alerts::alertctl
