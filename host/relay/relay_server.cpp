#include "relay_server.hpp"

#include "tcp_listener.hpp"
#include "http/http_session.hpp"
#include "http/websocket_session.hpp"
#include "link/link_session.hpp"
#include "log.hpp"
#include "protocol/alert_json.hpp"

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <csignal>

namespace rover_alerts::relay {

namespace asio = boost::asio;

namespace {

// After a stop signal, sessions get this long to say goodbye.
constexpr std::chrono::seconds kShutdownGrace{3};

asio::ip::tcp::endpoint endpoint_of(const HostPort& host_port) {
  const std::string host = host_port.host == "localhost" ? std::string("127.0.0.1") : host_port.host;
  return {asio::ip::make_address(host), host_port.port};
}

DecoderLimits decoder_limits(const ClientLimits& limits) {
  DecoderLimits decoder;
  decoder.max_message_bytes = limits.max_request_bytes;
  decoder.max_depth = limits.max_json_depth;
  return decoder;
}

}  // namespace

RelayServer::RelayServer(RelayConfig config, TokenFile tokens)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      decoder_(decoder_limits(config_.clients)),
      link_context_{config_.link, store_, link_stats_, counters_, link_sessions_, {}},
      http_context_{config_.clients, tokens_,       decoder_,           store_, broadcaster_,
                    counters_,       http_sessions_, websocket_sessions_, 1},
      signals_(io_, SIGINT, SIGTERM) {
  // Each change is encoded once, here, and the same buffer goes to every session.
  store_.set_observer([this](const AlertChange& change) {
    broadcaster_.publish(encode_alert_message(change), change.alert.priority, change.alert.source, change.rev);
  });
}

RelayServer::~RelayServer() = default;

void RelayServer::bind() {
  link_listener_ = std::make_shared<TcpListener>(io_, endpoint_of(config_.link_listen), "link",
                                                 [this](asio::ip::tcp::socket socket) {
                                                   std::make_shared<LinkSession>(std::move(socket), link_context_)->start();
                                                 });
  http_listener_ = std::make_shared<TcpListener>(io_, endpoint_of(config_.http_listen), "http",
                                                 [this](asio::ip::tcp::socket socket) {
                                                   std::make_shared<HttpSession>(std::move(socket), http_context_)->start();
                                                 });
}

asio::ip::tcp::endpoint RelayServer::http_endpoint() const { return http_listener_->local_endpoint(); }

asio::ip::tcp::endpoint RelayServer::link_endpoint() const { return link_listener_->local_endpoint(); }

void RelayServer::run() {
  bool stopping = false;
  signals_.async_wait([this, &stopping](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("relay: signal ", signal, ", shutting down");
    stopping = true;
    stop();
    io_.stop();
  });
  link_listener_->start();
  http_listener_->start();
  io_.run();
  if (stopping) {
    // Let the close handshakes started by stop() run; returns as soon as no
    // work is left, or after the grace period.
    io_.restart();
    io_.run_for(kShutdownGrace);
  }
}

void RelayServer::stop() {
  link_listener_->stop();
  http_listener_->stop();
  link_sessions_.for_each([](LinkSession& session) { session.close("relay shutting down"); });
  http_sessions_.for_each([](HttpSession& session) { session.close(); });
  websocket_sessions_.for_each([](WebsocketSession& session) { session.shutdown(); });
}

}  // namespace rover_alerts::relay
