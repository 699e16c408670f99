#include "log.hpp"

#include <cstdio>
#include <string>

namespace rover_alerts::relay::log {

void write(Level level, std::string_view message) {
  std::string line;
  switch (level) {
    case Level::Info: line = "INFO "; break;
    case Level::Warn: line = "WARN "; break;
    case Level::Error: line = "ERROR "; break;
  }
  line.reserve(line.size() + message.size() + 1);
  for (const char c : message) line.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  line.push_back('\n');
  // One fwrite per line keeps lines whole even if several threads ever log.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rover_alerts::relay::log
