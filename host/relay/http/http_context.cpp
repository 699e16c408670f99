#include "http/http_context.hpp"

#include "http/tls_context.hpp"

namespace rover_alerts::relay {

HttpContext::HttpContext(const ClientLimits& limits_, const TokenFile& tokens_, const RequestDecoder& decoder_,
                         AlertStore& store_, Publisher& publisher_,
                         AlertRequestHandler& alert_requests_, Counters& counters_,
                         SessionRegistry<HttpSession>& http_sessions_,
                         SessionRegistry<WebsocketSession>& websocket_sessions_, std::uint64_t first_client_id)
    : limits(limits_),
      tokens(tokens_),
      decoder(decoder_),
      store(store_),
      publisher(publisher_),
      alert_requests(alert_requests_),
      counters(counters_),
      http_sessions(http_sessions_),
      websocket_sessions(websocket_sessions_),
      next_client_id(first_client_id),
      origins(limits_.allowed_origins),
      tls(limits_.tls.enabled() ? make_server_tls_context(limits_.tls) : nullptr) {}

HttpContext::~HttpContext() = default;

}  // namespace rover_alerts::relay
