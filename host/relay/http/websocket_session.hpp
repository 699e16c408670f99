#pragma once
// One WebSocket client.
//
// Protocol: the first message must be `auth {token}` unless the upgrade
// carried a valid bearer token; then `welcome`. `alert_subscribe` answers
// `response {rev}`, then a snapshot of the matching alerts (type "new"),
// then live changes. Bad requests get an error response and the session
// stays open.
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

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace rover_alerts::relay {

class WebsocketSession : public Subscriber, public std::enable_shared_from_this<WebsocketSession> {
 public:
  // `identity` is set when the upgrade request carried a valid bearer token.
  WebsocketSession(boost::asio::ip::tcp::socket socket, HttpContext& context, std::optional<Identity> identity);
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
  void handle_text(std::string_view text);
  void handle_auth(const Request& request, const AuthRequest& auth);
  void handle_subscribe(const Request& request, const SubscribeRequest& subscribe);
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

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  HttpContext& context_;
  std::string peer_;
  std::string client_id_;
  boost::beast::flat_buffer read_buffer_;
  std::optional<Identity> identity_;
  std::optional<SubscriptionFilter> filter_;  // set once subscribed

  OutboundQueue queue_;
  bool writing_ = false;
  // Set when alerts were dropped: the client must resync from this rev.
  std::optional<std::uint64_t> resync_from_rev_;

  std::optional<boost::beast::websocket::close_reason> closing_;
  bool close_sent_ = false;
  boost::asio::steady_timer close_deadline_;
};

}  // namespace rover_alerts::relay
