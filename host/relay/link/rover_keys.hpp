#pragma once
// The rovers the relay accepts and their link keys: --rovers FILE, one rover
// per line, `<rover-id> <key as 64 hex digits>` (a rover's secret; make one
// with `openssl rand -hex 32`). `#` starts a comment line. The file must not
// be open to the group or others: the relay refuses to start (or to reload
// on SIGHUP, keeping the keys it has) otherwise.

#include "auth/secret_file.hpp"

#include <rover_alerts/link_auth.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

// Rover ids become part of alert ids and log lines: 1-64 of [A-Za-z0-9._-].
bool valid_rover_id(std::string_view id);

class RoverKeys {
 public:
  static std::optional<RoverKeys> parse(std::string_view text, SecretFileError& error);
  static std::optional<RoverKeys> load(const std::filesystem::path& path, SecretFileError& error);

  // The rover's key; nullptr for a rover that is not configured.
  const link::LinkKey* find(std::string_view rover_id) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, link::LinkKey, std::less<>> keys_;
};

}  // namespace rover_alerts::relay
