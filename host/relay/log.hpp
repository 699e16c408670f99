#pragma once
// Logging: one line per message on stderr, prefixed by its level. stdout is
// reserved for the single `listening ...` line scripts wait for.

#include <sstream>
#include <string_view>
#include <utility>

namespace rover_alerts::relay::log {

enum class Level { Info, Warn, Error };

// Writes one line; control characters in `message` are replaced so that one
// call is always exactly one line.
void write(Level level, std::string_view message);

template <class... Parts>
void emit(Level level, Parts&&... parts) {
  std::ostringstream line;
  (line << ... << std::forward<Parts>(parts));
  write(level, line.view());
}

template <class... Parts>
void info(Parts&&... parts) { emit(Level::Info, std::forward<Parts>(parts)...); }
template <class... Parts>
void warn(Parts&&... parts) { emit(Level::Warn, std::forward<Parts>(parts)...); }
template <class... Parts>
void error(Parts&&... parts) { emit(Level::Error, std::forward<Parts>(parts)...); }

}  // namespace rover_alerts::relay::log
