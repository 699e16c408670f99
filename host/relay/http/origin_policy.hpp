#pragma once
// The Origin allow-list of WebSocket upgrades (cross-site WebSocket hijacking:
// a page on another site must not ride on an operator's browser).
//
// An empty list allows every origin. Otherwise an upgrade carrying an Origin
// header must match one entry exactly, ignoring ASCII case and a trailing
// slash ("https://console.example:8443"); requests without Origin come from
// non-browser clients, which the token already authenticates, and are allowed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

class OriginPolicy {
 public:
  explicit OriginPolicy(const std::vector<std::string>& allowed);

  // `origin`: the header's value, or nullopt when the request had none.
  bool allows(std::optional<std::string_view> origin) const;

 private:
  std::vector<std::string> allowed_;  // normalised
};

// Lower-cased, without one trailing '/'.
std::string normalise_origin(std::string_view origin);

}  // namespace rover_alerts::relay
