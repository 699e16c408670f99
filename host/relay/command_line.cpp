#include "command_line.hpp"

#include <charconv>

namespace rover_alerts::relay {

std::optional<HostPort> parse_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // a bare IPv6 address needs brackets
  }
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size()) return std::nullopt;
  return HostPort{std::string(host), port};
}

CommandLine parse_command_line(std::span<const char* const> args) {
  CommandLine result;
  const auto fail = [&result](std::string message) {
    result.error = std::move(message);
    return result;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      result.show_help = true;
      return result;
    }
    if (arg != "--listen" && arg != "--link-listen" && arg != "--data" && arg != "--tokens")
      return fail("unknown option `" + std::string(arg) + "`");
    if (i + 1 == args.size()) return fail("option `" + std::string(arg) + "` needs a value");
    const std::string_view value = args[++i];
    if (arg == "--listen" || arg == "--link-listen") {
      const auto endpoint = parse_host_port(value);
      if (!endpoint) return fail("`" + std::string(arg) + "` expects HOST:PORT, got `" + std::string(value) + "`");
      (arg == "--listen" ? result.config.http_listen : result.config.link_listen) = *endpoint;
    } else if (arg == "--data") {
      result.config.data_dir = std::string(value);
    } else {
      result.config.tokens_path = std::string(value);
    }
  }
  if (result.config.tokens_path.empty())
    return fail("--tokens FILE is required: the relay serves no one without a token file");
  return result;
}

std::string usage(std::string_view program) {
  std::string text = "usage: ";
  text.append(program).append(
      " --tokens FILE [--listen HOST:PORT] [--link-listen HOST:PORT] [--data DIR]\n"
      "\n"
      "  --tokens FILE            users, one per line: <role> <user> <token> (required)\n"
      "  --listen HOST:PORT       HTTP and WebSocket clients (default 127.0.0.1:8000)\n"
      "  --link-listen HOST:PORT  rover links (default 127.0.0.1:8100)\n"
      "  --data DIR               relay state, created if missing (default ./data)\n"
      "  --help                   this text\n"
      "\n"
      "Port 0 picks a free port. Once both listeners are bound, one line\n"
      "`listening http=HOST:PORT link=HOST:PORT` is printed on stdout; logs go to stderr.\n");
  return text;
}

}  // namespace rover_alerts::relay
