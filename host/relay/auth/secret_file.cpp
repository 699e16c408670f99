#include "auth/secret_file.hpp"

#include <fstream>
#include <iterator>
#include <sstream>

namespace rover_alerts::relay {

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
}  // namespace

std::string SecretFileError::describe(std::string_view origin) const {
  std::ostringstream out;
  out << origin;
  if (line != 0) out << ':' << line;
  out << ": " << message;
  return out.str();
}

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

std::optional<std::string> read_secret_file(const std::filesystem::path& path, std::filesystem::perms forbidden,
                                            std::string_view what, std::string_view fix, SecretFileError& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = {0, "cannot open " + std::string(what)};
    return std::nullopt;
  }
  // Secrets: a file others may read (or write) gives them away.
  std::error_code ec;
  const auto perms = std::filesystem::status(path, ec).permissions();
  if (ec || (perms & forbidden) != std::filesystem::perms::none) {
    error = {0, std::string(what) + " is open to other users: " + std::string(fix)};
    return std::nullopt;
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    error = {0, "cannot read " + std::string(what)};
    return std::nullopt;
  }
  return text;
}

}  // namespace rover_alerts::relay
