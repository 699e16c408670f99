#pragma once
// The relay's users: a text file with one user per line, `<role> <user> <token>`,
// fields separated by blanks, roles admin|operator|viewer. `#` starts a comment
// line; blank lines are ignored. A token may appear once only.

#include "auth/identity.hpp"
#include "auth/secret_file.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

using TokenFileError = SecretFileError;

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
