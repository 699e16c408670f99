#pragma once
// A host and port as the relay prints them (`127.0.0.1:8000`).

#include <string>

namespace rover_alerts::testing {

struct Endpoint {
  std::string host;
  unsigned short port = 0;
};

inline Endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  return {text.substr(0, colon), static_cast<unsigned short>(std::stoi(text.substr(colon + 1)))};
}

}  // namespace rover_alerts::testing
