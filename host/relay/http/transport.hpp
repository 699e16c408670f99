#pragma once
// The byte streams a client connection runs over, plain TCP or TLS, behind one
// small interface each for the HTTP and the WebSocket phase, so that the
// session logic (HttpSession, WebsocketSession) exists once and the TLS choice
// is made per connection (see HttpSession: the client port detects a TLS
// ClientHello and serves both on one port).
//
// Handlers are called on the connection's executor (the relay's io thread).

#include "delivery/delivery_limits.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace rover_alerts::relay {

using IoHandler = std::function<void(const boost::system::error_code&, std::size_t)>;
using DoneHandler = std::function<void(const boost::system::error_code&)>;

class WebsocketTransport {
 public:
  virtual ~WebsocketTransport() = default;

  // Beast's suggested server timeouts (handshake, idle with keep-alive pings),
  // the largest message accepted, permessage-deflate, and the Server header.
  virtual void configure(std::size_t read_message_max, const DeflateLimits& deflate) = 0;
  virtual void async_accept(const boost::beast::http::request<boost::beast::http::string_body>& upgrade,
                            DoneHandler handler) = 0;
  virtual void async_read(boost::beast::flat_buffer& buffer, IoHandler handler) = 0;
  // Whether the message just read was a binary one.
  virtual bool got_binary() const = 0;
  // One message, text or binary; `data` must stay valid until the handler runs.
  virtual void async_write(boost::asio::const_buffer data, bool binary, IoHandler handler) = 0;
  // A ping with `payload` (at most 125 bytes); may overlap a write.
  virtual void async_ping(std::string_view payload, DoneHandler handler) = 0;
  // Called with the payload of every pong received (while a read is pending).
  virtual void on_pong(std::function<void(std::string_view payload)> handler) = 0;
  virtual void async_close(const boost::beast::websocket::close_reason& reason, DoneHandler handler) = 0;
  // Cuts the TCP connection now (pending operations complete with an error).
  virtual void cut() = 0;
  virtual boost::asio::ip::tcp::socket& socket() = 0;
  virtual boost::asio::any_io_executor get_executor() = 0;
};

class HttpTransport {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  virtual ~HttpTransport() = default;

  virtual bool is_tls() const = 0;
  // Deadline for the operations started after it (a whole request read or a response write).
  virtual void expires_after(std::chrono::steady_clock::duration timeout) = 0;
  virtual void expires_never() = 0;
  virtual void async_read(boost::beast::flat_buffer& buffer, Parser& parser, IoHandler handler) = 0;
  virtual void async_write(Response& response, IoHandler handler) = 0;
  virtual void close() = 0;
  // Hands the connection over to a WebSocket session; this transport is empty afterwards.
  virtual std::unique_ptr<WebsocketTransport> into_websocket() = 0;
};

std::unique_ptr<HttpTransport> make_plain_http_transport(boost::beast::tcp_stream stream);

// Runs the TLS server handshake over `stream`, starting with the bytes already
// read into `buffer` (consumed), and calls `handler` with the transport, or
// with an error (then the connection is closed). Bounded by the stream's
// current deadline.
void async_tls_handshake(boost::beast::tcp_stream stream, boost::asio::ssl::context& context,
                         boost::beast::flat_buffer& buffer,
                         std::function<void(const boost::system::error_code&, std::unique_ptr<HttpTransport>)> handler);

}  // namespace rover_alerts::relay
