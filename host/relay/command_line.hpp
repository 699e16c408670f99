#pragma once
// The relay's command line, parsed by hand.

#include "relay_config.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

struct CommandLine {
  RelayConfig config;
  bool show_help = false;
  std::string error;  // non-empty: the command line was refused
};

// `args` excludes the program name.
CommandLine parse_command_line(std::span<const char* const> args);

// Parses `HOST:PORT`, `[V6ADDR]:PORT`; the port must be 0..65535.
std::optional<HostPort> parse_host_port(std::string_view text);

std::string usage(std::string_view program);

}  // namespace rover_alerts::relay
