#pragma once
// alertctl's command line: `alertctl [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]`
// (global options may also follow the command), and the help text of every
// command.

#include "options.hpp"

#include <span>
#include <string>
#include <string_view>

namespace rover_alerts::alertctl {

struct ParseResult {
  Options options;
  std::string error;  // non-empty: a usage error, exit 2
};

ParseResult parse_command_line(std::span<const char* const> args);

// The commands, in the order help lists them.
std::span<const std::string_view> command_names();
// Usage of one command, or of alertctl as a whole for an empty or unknown name.
std::string usage(std::string_view command = {});

}  // namespace rover_alerts::alertctl
