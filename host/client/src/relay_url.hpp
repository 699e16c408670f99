#pragma once
// A relay address: ws://host[:port][/path] or wss://…

#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::ground {

struct RelayUrl {
  bool tls = false;
  std::string host;
  std::string port;    // "80" / "443" when the URL has none
  std::string target;  // "/" when the URL has none

  static std::optional<RelayUrl> parse(std::string_view url);
  std::string host_header() const { return host + ":" + port; }
};

inline std::optional<RelayUrl> RelayUrl::parse(std::string_view url) {
  RelayUrl out;
  if (url.substr(0, 5) == "ws://") {
    url.remove_prefix(5);
  } else if (url.substr(0, 6) == "wss://") {
    out.tls = true;
    url.remove_prefix(6);
  } else {
    return std::nullopt;
  }
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (port.empty()) port = out.tls ? "443" : "80";
  if (port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5) return std::nullopt;
  out.port = std::string(port);
  return out;
}

}  // namespace rover_alerts::ground
