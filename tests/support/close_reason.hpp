#pragma once
// How a WebSocket peer closed: the code and reason of its close frame (code 0
// when none came). Compare `code` with boost::beast::websocket::close_code.

#include <cstdint>
#include <string>

namespace rover_alerts::testing {

struct CloseReason {
  std::uint16_t code = 0;
  std::string reason;
};

}  // namespace rover_alerts::testing
