// alertctl: the operator's command line for alert-relay (README.md).
#include "command_line.hpp"
#include "commands.hpp"
#include "completion.hpp"
#include "config_file.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>

#include <unistd.h>

using namespace rover_alerts::alertctl;

namespace {

bool use_color(Color color) {
  if (color == Color::Always) return true;
  if (color == Color::Never) return false;
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

int run(Options& o) {
  if (o.help || o.command == "help") {
    std::cout << usage(o.command == "help" && !o.args.empty() ? o.args[0] : o.command);
    return kExitOk;
  }
  if (o.command == "completion") {
    std::cout << bash_completion();
    return kExitOk;
  }
  if (auto error = complete_from_environment(o); !error.empty()) {
    std::cerr << "alertctl: " << error << '\n';
    return kExitUsage;
  }
  const bool color = use_color(o.color);
  if (o.command == "watch") return run_watch(o, color);
  if (o.command == "list") return run_list(o, color);
  if (o.command == "sync") return run_sync(o, color);
  if (o.command == "ack") return run_ack(o, color);
  if (o.command == "create") return run_create(o, color);
  if (o.command == "clear") return run_clear(o, color);
  if (o.command == "log") return run_log(o, color);
  if (o.command == "shelve") return run_shelve(o, color);
  if (o.command == "unshelve") return run_unshelve(o, color);
  if (o.command == "out-of-service" || o.command == "return-to-service") return run_service(o, color);
  return run_stats(o, color);
}

}  // namespace

int main(int argc, char** argv) {
  ParseResult parsed = parse_command_line({argv + 1, static_cast<std::size_t>(argc - 1)});
  if (!parsed.error.empty()) {
    std::cerr << "alertctl: " << parsed.error << "\n(alertctl --help lists the commands and options)\n";
    return kExitUsage;
  }
  try {
    return run(parsed.options);
  } catch (const std::exception& e) {
    // The client library reports runtime conditions by status; this is a bug or a
    // resource failure (a bad --url, a CA file that cannot be read).
    std::cerr << "alertctl: " << e.what() << '\n';
    return kExitFailed;
  }
}
