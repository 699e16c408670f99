#include "link/rover_keys.hpp"

#include <algorithm>

namespace rover_alerts::relay {

namespace {
constexpr std::size_t kMaxRoverIdBytes = 64;
}  // namespace

bool valid_rover_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRoverIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

std::optional<RoverKeys> RoverKeys::parse(std::string_view text, SecretFileError& error) {
  RoverKeys keys;
  const bool ok = for_each_entry(text, [&](std::size_t line, const std::vector<std::string_view>& fields) {
    if (fields.size() != 2) {
      error = {line, "expected `<rover-id> <key as 64 hex digits>`, found " + std::to_string(fields.size()) +
                         " field(s)"};
      return false;
    }
    if (!valid_rover_id(fields[0])) {
      error = {line, "rover id must be 1-64 of [A-Za-z0-9._-]"};
      return false;
    }
    link::LinkKey key{};
    if (!link::parse_key_hex(fields[1], key)) {
      error = {line, "key must be 64 hex digits (256 bits); make one with `openssl rand -hex 32`"};
      return false;
    }
    if (!keys.keys_.emplace(std::string(fields[0]), key).second) {
      error = {line, "rover `" + std::string(fields[0]) + "` listed twice"};
      return false;
    }
    return true;
  });
  if (!ok) return std::nullopt;
  if (keys.keys_.empty()) {
    error = {0, "no rovers defined"};
    return std::nullopt;
  }
  return keys;
}

std::optional<RoverKeys> RoverKeys::load(const std::filesystem::path& path, SecretFileError& error) {
  namespace fs = std::filesystem;
  const auto text = read_secret_file(path, fs::perms::group_all | fs::perms::others_all, "rovers file",
                                     "chmod 600", error);
  if (!text) return std::nullopt;
  return parse(*text, error);
}

const link::LinkKey* RoverKeys::find(std::string_view rover_id) const {
  const auto it = keys_.find(rover_id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace rover_alerts::relay
