#pragma once
// One WebSocket client.
//
// Protocol: the first message must be `auth {token}` unless the upgrade
// carried a valid bearer token; then `welcome`. A client that has not
// authenticated within the auth timeout is closed ("authentication timeout").
// `alert_subscribe` answers `response {rev}`, then a snapshot of the matching
// alerts (type "new"), then live changes. Bad requests get an error response
// and the session stays open.
//
// Input limits: every message counts against the client's request rate limit
// (RequestRateLimiter: RATE_LIMITED answers, a close for sustained abuse);
// messages over the decoder's limit are answered TOO_LARGE, and messages far
// over it, text that is not UTF-8 and protocol violations fail the WebSocket
// with the matching close code (1009, 1007, 1002). Each case is counted.
//
// Outbound: one write in flight and a bounded OutboundQueue. Alerts below
// critical that do not fit are dropped and the client is told
// `resync_required` once the queue has drained; a client whose queue passes
// the hard limit is closed ("client too slow"). Keep-alive pings and the
// idle timeout come from Beast's suggested server timeouts.

#include "auth/identity.hpp"
#include "delivery/outbound_queue.hpp"
#include "delivery/subscriber.hpp"
#include "delivery/subscription_filter.hpp"
#include "http/http_context.hpp"
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

class WebsocketSession : public Subscriber, public std::enable_shared_from_this<WebsocketSession> {
 public:
  // `identity` is set when the upgrade request carried a valid bearer token.
  WebsocketSession(std::unique_ptr<WebsocketTransport> transport, HttpContext& context,
                   std::optional<Identity> identity);
  ~WebsocketSession() override;
  WebsocketSession(const WebsocketSession&) = delete;
  WebsocketSession& operator=(const WebsocketSession&) = delete;

  void start(boost::beast::http::request<boost::beast::http::string_body> upgrade);
  // Relay shutdown: close with `going_away`, queued messages discarded.
  void shutdown();

  bool wants(Priority priority, std::string_view source) const override;
  void deliver(std::shared_ptr<const std::string> message, Priority priority, std::uint64_t rev) override;

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

  // Protocol replies and snapshots are never dropped.
  void send(std::string message);
  void enqueue(std::shared_ptr<const std::string> message, bool droppable, std::uint64_t rev);
  void write_next();
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
  std::string client_id_;
  boost::beast::flat_buffer read_buffer_;
  std::optional<Identity> identity_;
  std::optional<SubscriptionFilter> filter_;  // set once subscribed
  RequestRateLimiter rate_limiter_;
  boost::asio::steady_timer auth_deadline_;

  OutboundQueue queue_;
  bool writing_ = false;
  // Set when alerts were dropped: the client must resync from this rev.
  std::optional<std::uint64_t> resync_from_rev_;

  std::optional<boost::beast::websocket::close_reason> closing_;
  bool close_sent_ = false;
  boost::asio::steady_timer close_deadline_;
};

}  // namespace rover_alerts::relay
