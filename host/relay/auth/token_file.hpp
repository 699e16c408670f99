#pragma once
// The relay's users: a text file with one user per line, `<role> <user> <token>`,
// fields separated by blanks, roles admin|operator|viewer. `#` starts a comment
// line; blank lines are ignored. A token may appear once only.

#include "auth/identity.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

struct TokenFileError {
  std::size_t line = 0;  // 1-based; 0 when the error is about the whole file
  std::string message;

  // "<origin>:<line>: <message>" (or "<origin>: <message>").
  std::string describe(std::string_view origin) const;
};

class TokenFile {
 public:
  // Shorter tokens are refused: at least 128 bits.
  static constexpr std::size_t kMinTokenBytes = 16;
  static std::optional<TokenFile> parse(std::string_view text, TokenFileError& error);
  static std::optional<TokenFile> load(const std::filesystem::path& path, TokenFileError& error);

  // Compares against every token in constant time per token, so the time taken
  // does not tell how much of a guess was right.
  std::optional<Identity> lookup(std::string_view token) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string token;
    Identity identity;
  };
  std::vector<Entry> entries_;
};

}  // namespace rover_alerts::relay
