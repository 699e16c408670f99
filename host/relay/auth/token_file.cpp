#include "auth/token_file.hpp"

#include <algorithm>

namespace rover_alerts::relay {

namespace {

// Equal-length inputs take the same time whatever their contents; the loop
// always runs over the longer length so a short guess learns nothing either.
bool constant_time_equal(std::string_view a, std::string_view b) {
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    const auto ca = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto cb = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(ca ^ cb);
  }
  return diff == 0;
}

}  // namespace

std::optional<TokenFile> TokenFile::parse(std::string_view text, TokenFileError& error) {
  TokenFile file;
  const bool ok = for_each_entry(text, [&](std::size_t line_number, const std::vector<std::string_view>& fields) {
    if (fields.size() != 3) {
      error = {line_number, "expected `<role> <user> <token>`, found " + std::to_string(fields.size()) +
                                " field(s)"};
      return false;
    }
    const auto role = role_from_string(fields[0]);
    if (!role) {
      error = {line_number, "unknown role `" + std::string(fields[0]) + "` (admin, operator or viewer)"};
      return false;
    }
    if (fields[2].size() < kMinTokenBytes) {
      error = {line_number, "token shorter than " + std::to_string(kMinTokenBytes) +
                                " bytes (128 bits); make one with `openssl rand -hex 16`"};
      return false;
    }
    for (const auto& entry : file.entries_) {
      if (entry.token == fields[2]) {
        error = {line_number, "duplicate token (already given to user `" + entry.identity.user + "`)"};
        return false;
      }
    }
    file.entries_.push_back({std::string(fields[2]), Identity{std::string(fields[1]), *role}});
    return true;
  });
  if (!ok) return std::nullopt;
  if (file.entries_.empty()) {
    error = {0, "no users defined"};
    return std::nullopt;
  }
  return file;
}

std::optional<TokenFile> TokenFile::load(const std::filesystem::path& path, TokenFileError& error) {
  const auto text = read_secret_file(path, std::filesystem::perms::others_all, "token file",
                                     "chmod o-rwx (600 is best)", error);
  if (!text) return std::nullopt;
  return parse(*text, error);
}

std::optional<Identity> TokenFile::lookup(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const Entry* match = nullptr;
  for (const auto& entry : entries_) {
    if (constant_time_equal(entry.token, token)) match = &entry;
  }
  if (match == nullptr) return std::nullopt;
  return match->identity;
}

}  // namespace rover_alerts::relay
