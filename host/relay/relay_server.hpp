#pragma once
// The relay: owns the store, the delivery side, both listeners and the io loop.
//
// Threading: one io_context run by one thread. Every session, the store and
// the broadcaster live on it, so none of them lock.

#include "auth/token_file.hpp"
#include "counters.hpp"
#include "delivery/broadcaster.hpp"
#include "http/http_context.hpp"
#include "link/link_context.hpp"
#include "protocol/request_decoder.hpp"
#include "relay_config.hpp"
#include "session_registry.hpp"
#include "store/alert_store.hpp"
#include "store/rover_link_stats.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <memory>

namespace rover_alerts::relay {

class HttpSession;
class TcpListener;
class LinkSession;
class WebsocketSession;

class RelayServer {
 public:
  RelayServer(RelayConfig config, TokenFile tokens);
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

  // Binds both listeners; throws boost::system::system_error if either fails.
  void bind();
  boost::asio::ip::tcp::endpoint http_endpoint() const;
  boost::asio::ip::tcp::endpoint link_endpoint() const;

  // Serves until SIGINT or SIGTERM, then shuts down gracefully.
  void run();

 private:
  void stop();

  RelayConfig config_;
  TokenFile tokens_;
  RequestDecoder decoder_;
  Counters counters_;
  AlertStore store_;
  RoverLinkStats link_stats_;
  Broadcaster broadcaster_;
  SessionRegistry<LinkSession> link_sessions_;
  SessionRegistry<HttpSession> http_sessions_;
  SessionRegistry<WebsocketSession> websocket_sessions_;
  LinkContext link_context_;
  HttpContext http_context_;

  // Declared after everything sessions refer to: destroying the io_context
  // destroys pending handlers, and with them the last sessions, first.
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::shared_ptr<TcpListener> link_listener_;
  std::shared_ptr<TcpListener> http_listener_;
};

}  // namespace rover_alerts::relay
