#pragma once
// What one alertctl invocation asks for: the command, its arguments and the
// global options, as parsed from the command line (command_line.cpp) and
// completed from the environment and the config file (config_file.cpp).

#include <rover_alerts/ground/client_config.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rover_alerts::alertctl {

// Exit codes: the contract with scripts (README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,      // the relay answered, and something asked for failed
  kExitUsage = 2,       // bad command line or config file
  kExitRefused = 3,     // the token was refused, or the role may not do this (FORBIDDEN)
  kExitConnection = 4,  // the relay could not be reached, or did not answer in time
  kExitNotFound = 5,    // an alert named does not exist
};

enum class Output { Table, Wide, Json, Ndjson };
enum class Color { Auto, Always, Never };

struct Options {
  std::string command;  // watch, list, sync, ack, create, clear, shelve, ..., stats, log, completion, help
  std::vector<std::string> args;  // positional: alert ids (ack), a shell (completion), a command (help)
  bool help = false;

  // Global.
  std::optional<std::string> url, token, ca_file, config_file;
  Output output = Output::Table;
  bool quiet = false;  // ids only
  Color color = Color::Auto;
  std::chrono::milliseconds timeout{10000};

  // Filters (watch, list, sync).
  std::vector<ground::Priority> priorities;
  std::vector<std::string> sources;
  std::vector<std::string> rovers;
  std::vector<std::string> states;
  std::optional<std::uint64_t> since_rev;
  bool include_acknowledged = false;

  // ack
  std::string comment;
  // create
  std::optional<ground::Priority> priority;  // also clear's --priority
  std::string source, message, title, action_label, action_type, group;
  bool persistent = false;
  // clear
  std::vector<std::string> ids;
  // shelve, unshelve, out-of-service, return-to-service (--rover: rovers, --source: source)
  std::string key, reason;
  std::optional<std::chrono::seconds> duration;
  bool one_shot = false, by_key = false;
  // log
  std::optional<std::string> user, action;
  std::optional<std::string> alert;
  std::optional<std::chrono::seconds> since;
};

}  // namespace rover_alerts::alertctl
