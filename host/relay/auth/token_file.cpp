#include "auth/token_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace rover_alerts::relay {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

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

std::string TokenFileError::describe(std::string_view origin) const {
  std::ostringstream out;
  out << origin;
  if (line != 0) out << ':' << line;
  out << ": " << message;
  return out.str();
}

std::optional<TokenFile> TokenFile::parse(std::string_view text, TokenFileError& error) {
  TokenFile file;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);

    const auto fields = split_fields(line);
    if (fields.empty() || fields.front().front() == '#') continue;
    if (fields.size() != 3) {
      error = {line_number, "expected `<role> <user> <token>`, found " + std::to_string(fields.size()) +
                                " field(s)"};
      return std::nullopt;
    }
    const auto role = role_from_string(fields[0]);
    if (!role) {
      error = {line_number, "unknown role `" + std::string(fields[0]) + "` (admin, operator or viewer)"};
      return std::nullopt;
    }
    if (fields[2].size() < kMinTokenBytes) {
      error = {line_number, "token shorter than " + std::to_string(kMinTokenBytes) +
                                " bytes (128 bits); make one with `openssl rand -hex 16`"};
      return std::nullopt;
    }
    for (const auto& entry : file.entries_) {
      if (entry.token == fields[2]) {
        error = {line_number, "duplicate token (already given to user `" + entry.identity.user + "`)"};
        return std::nullopt;
      }
    }
    file.entries_.push_back({std::string(fields[2]), Identity{std::string(fields[1]), *role}});
  }
  if (file.entries_.empty()) {
    error = {0, "no users defined"};
    return std::nullopt;
  }
  return file;
}

std::optional<TokenFile> TokenFile::load(const std::filesystem::path& path, TokenFileError& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = {0, "cannot open token file"};
    return std::nullopt;
  }
  // Tokens are secrets: a file others may read (or write) gives them away.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::perms perms = fs::status(path, ec).permissions();
  if (!ec && (perms & fs::perms::others_all) != fs::perms::none) {
    error = {0, "token file is open to other users: chmod o-rwx (600 is best)"};
    return std::nullopt;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    error = {0, "cannot read token file"};
    return std::nullopt;
  }
  return parse(text, error);
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
