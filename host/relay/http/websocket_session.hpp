#pragma once
// One WebSocket client: the transport side of a connection.
//
// Protocol: the first message must be `auth {token}` unless the upgrade
// carried a valid bearer token; then `welcome`. A client that has not
// authenticated within the auth timeout is closed ("authentication timeout").
// `alert_subscribe` answers `response {rev}`, then the catch-up (a snapshot
// of the matching alerts, or what was missed since `sinceRev`) and live
// changes. Bad requests get an error response and the session stays open.
//
// Input limits: every message counts against the client's request rate limit
// (RequestRateLimiter: RATE_LIMITED answers, a close for sustained abuse);
// messages over the decoder's limit are answered TOO_LARGE, and messages far
// over it, text that is not UTF-8 and protocol violations fail the WebSocket
// with the matching close code (1009, 1007, 1002). Each case is counted.
//
// Outbound: what is written and in which order is the ClientFeed's business
// (delivery/client_feed.hpp); the session keeps one write in flight and asks
// the feed for the next message when it completes. A WebSocket ping every
// few seconds measures the RTT (adaptive batching) and finds half-open
// connections: no pong within the ping timeout, and the connection is cut
// (KeepAlive, http/keep_alive.hpp, keeps that account).

#include "auth/identity.hpp"
#include "delivery/client_feed.hpp"
#include "http/http_context.hpp"
#include "http/keep_alive.hpp"
#include "http/rate_limiter.hpp"
#include "http/transport.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace rover_alerts::relay {

class WebsocketSession : public FeedSink, public std::enable_shared_from_this<WebsocketSession> {
 public:
  // `identity` is set when the upgrade request carried a valid bearer token.
  WebsocketSession(std::unique_ptr<WebsocketTransport> transport, HttpContext& context,
                   std::optional<Identity> identity, ClientAdmission::Slot connection = {},
                   ClientAdmission::Slot unauthenticated = {});
  ~WebsocketSession() override;
  WebsocketSession(const WebsocketSession&) = delete;
  WebsocketSession& operator=(const WebsocketSession&) = delete;

  void start(boost::beast::http::request<boost::beast::http::string_body> upgrade);
  // Relay shutdown: close with `going_away`, queued messages discarded.
  void shutdown();

  // FeedSink
  void feed_ready() override;
  void feed_too_slow(std::string_view why) override;

 private:
  void on_accept(const boost::system::error_code& ec);
  void read_next();
  void on_read(const boost::system::error_code& ec, std::size_t bytes);
  void on_auth_deadline(const boost::system::error_code& ec);
  // Counts one request against the rate limit; true when it was refused
  // (answered RATE_LIMITED, or the session closed for abuse).
  bool rate_limited(const boost::json::value& req_id);
  void handle_text(std::string_view text);
  void handle_auth(const Request& request, const AuthRequest& auth);
  // Every decoded request of an authenticated client, permitted for its role
  // and within its rate limit, goes through here to its handler.
  void dispatch(const Request& request);
  void handle_subscribe(const Request& request, const SubscribeRequest& subscribe);
  void start_stream(const Request& request, const SubscribeRequest& subscribe);
  void send_welcome();
  void reject_request(const boost::json::value& req_id, ErrorCode code, std::string_view message);

  // Protocol replies are urgent and never dropped.
  void send(std::string message);
  void write_next();
  void arm_ping();
  void on_ping_timer(const boost::system::error_code& ec);
  void on_pong(std::string_view payload);
  void on_write(const boost::system::error_code& ec, std::size_t bytes);

  // Stops reading and sends a close frame once the queue has drained (or at
  // once when `discard_queued`); the TCP connection is cut if the close has
  // not completed within a deadline.
  void close(boost::beast::websocket::close_reason reason, bool discard_queued);
  void send_close();
  void on_close(const boost::system::error_code& ec);

  std::unique_ptr<WebsocketTransport> ws_;
  HttpContext& context_;
  std::string peer_;
  std::string peer_address_;  // without the port: what SignIn's backoff counts
  std::string client_id_;
  boost::beast::flat_buffer read_buffer_;
  std::optional<Identity> identity_;
  ClientAdmission::Slot connection_slot_;       // the address's connection cap
  ClientAdmission::Slot unauthenticated_slot_;  // held until auth
  bool counted_ = false;  // among HttpContext::websocket_connections (authenticated)
  RequestRateLimiter rate_limiter_;
  boost::asio::steady_timer auth_deadline_;

  ClientFeed feed_;
  bool subscribing_ = false;
  // The message being written (one write in flight).
  std::shared_ptr<const std::string> writing_;
  KeepAlive keep_alive_;
  boost::asio::steady_timer ping_timer_;

  std::optional<boost::beast::websocket::close_reason> closing_;
  bool close_sent_ = false;
  boost::asio::steady_timer close_deadline_;
};

}  // namespace rover_alerts::relay
