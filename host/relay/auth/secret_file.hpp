#pragma once
// What the relay's secret files (tokens, rover keys) have in common: read
// whole, refused when other users may open them, one entry per line of
// blank-separated fields, `#` comment lines and blank lines skipped.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

struct SecretFileError {
  std::size_t line = 0;  // 1-based; 0 when the error is about the whole file
  std::string message;

  // "<origin>:<line>: <message>" (or "<origin>: <message>").
  std::string describe(std::string_view origin) const;
};

// The file's text; nullopt (and `error`) when it cannot be read or any of
// `forbidden` permission bits is set. `what` names the file in messages.
std::optional<std::string> read_secret_file(const std::filesystem::path& path, std::filesystem::perms forbidden,
                                            std::string_view what, std::string_view fix, SecretFileError& error);

// Calls on_line(line_number, fields) for every line that is not blank or a
// comment; stops (returning false) when it returns false.
template <class OnLine>
bool for_each_entry(std::string_view text, OnLine&& on_line);

std::vector<std::string_view> split_fields(std::string_view line);

template <class OnLine>
bool for_each_entry(std::string_view text, OnLine&& on_line) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto fields = split_fields(line);
    if (fields.empty() || fields.front().front() == '#') continue;
    if (!on_line(line_number, fields)) return false;
  }
  return true;
}

}  // namespace rover_alerts::relay
