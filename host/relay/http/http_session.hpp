#pragma once
// One client TCP connection speaking HTTP/1.1 until it asks for a WebSocket.
//
// Serves GET /healthz and the placeholder console page at /; a WebSocket
// upgrade on / or /ws is handed to a WebsocketSession (authenticated at once
// when it carries `Authorization: Bearer <token>`). Header and body sizes are
// bounded by the parser; one request is answered before the next is read.

#include "auth/identity.hpp"
#include "http/http_context.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>

namespace rover_alerts::relay {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, HttpContext& context);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start();
  void close();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void read_request();
  void on_read(const boost::system::error_code& ec, std::size_t bytes);
  void handle_request(const Request& request);
  void upgrade(std::optional<Identity> identity);
  // `response` must be complete (prepare_payload() done).
  void respond(Response response);
  void on_write(bool keep_alive, const boost::system::error_code& ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  HttpContext& context_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Response response_;  // kept alive while it is written
};

}  // namespace rover_alerts::relay
