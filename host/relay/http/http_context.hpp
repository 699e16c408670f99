#pragma once
// What HTTP and WebSocket sessions share, owned by the relay server.

#include "auth/token_file.hpp"
#include "counters.hpp"
#include "delivery/broadcaster.hpp"
#include "protocol/request_decoder.hpp"
#include "relay_config.hpp"
#include "session_registry.hpp"
#include "store/alert_store.hpp"

#include <cstdint>

namespace rover_alerts::relay {

class HttpSession;
class WebsocketSession;

struct HttpContext {
  const ClientLimits& limits;
  const TokenFile& tokens;
  const RequestDecoder& decoder;
  AlertStore& store;
  Broadcaster& broadcaster;
  Counters& counters;
  SessionRegistry<HttpSession>& http_sessions;
  SessionRegistry<WebsocketSession>& websocket_sessions;
  std::uint64_t next_client_id = 1;
};

}  // namespace rover_alerts::relay
