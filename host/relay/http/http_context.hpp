#pragma once
// What HTTP and WebSocket sessions share, owned by the relay server.

#include "auth/token_file.hpp"
#include "counters.hpp"
#include "delivery/publisher.hpp"
#include "http/client_admission.hpp"
#include "http/origin_policy.hpp"
#include "http/sign_in.hpp"
#include "requests/alert_request_handler.hpp"
#include "protocol/request_decoder.hpp"
#include "relay_config.hpp"
#include "session_registry.hpp"
#include "store/alarm_rates.hpp"
#include "store/audit_log.hpp"
#include "store/alert_journal.hpp"
#include "store/alert_store.hpp"
#include "store/rover_link_stats.hpp"

#include <boost/asio/ssl/context.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace rover_alerts::relay {

class HttpSession;
class WebsocketSession;

struct HttpContext {
  // Builds the TLS context when `limits.tls` names files; throws
  // std::runtime_error when they cannot be used.
  HttpContext(const ClientLimits& limits, const TokenFile& tokens, const RequestDecoder& decoder, AlertStore& store,
              Publisher& publisher, AlertRequestHandler& alert_requests, Counters& counters, SessionRegistry<HttpSession>& http_sessions,
              SessionRegistry<WebsocketSession>& websocket_sessions, std::uint64_t first_client_id = 1);
  ~HttpContext();
  HttpContext(const HttpContext&) = delete;
  HttpContext& operator=(const HttpContext&) = delete;

  const ClientLimits& limits;
  const TokenFile& tokens;
  const RequestDecoder& decoder;
  AlertStore& store;
  Publisher& publisher;
  AlertRequestHandler& alert_requests;
  Counters& counters;
  SessionRegistry<HttpSession>& http_sessions;
  SessionRegistry<WebsocketSession>& websocket_sessions;
  std::uint64_t next_client_id = 1;
  // For /metrics: each rover's link, and the journal's commit latency. Unset: not shown.
  const RoverLinkStats* links = nullptr;
  const JournalCounters* journal = nullptr;
  const AlarmRates* alarms = nullptr;  // the alarm-management figures
  // Runs `then` once everything recorded so far is committed (the journal's
  // group commit). Unset: at once.
  std::function<void(std::function<void()> then)> after_commit;
  // False while the relay cannot do its job (its journal cannot commit):
  // /healthz then answers 503. Unset: always healthy.
  std::function<bool()> healthy;

  OriginPolicy origins;
  SignIn sign_in{tokens, limits.auth_backoff, counters};
  ClientAdmission admission{limits.admission};
  std::unique_ptr<boost::asio::ssl::context> tls;  // null: no TLS
  // Live connections, for the caps in `limits` and for /metrics.
  std::size_t http_connections = 0;      // HttpSessions (not yet upgraded)
  std::size_t websocket_connections = 0;  // authenticated WebsocketSessions
};

}  // namespace rover_alerts::relay
