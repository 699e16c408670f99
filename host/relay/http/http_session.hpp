#pragma once
// One client TCP connection speaking HTTP/1.1 until it asks for a WebSocket.
//
// TLS: when the relay has a certificate, the first bytes decide: a TLS
// ClientHello gets the TLS handshake (https / wss on the same port); anything
// else is plain HTTP, which is answered 403 unless plain is allowed
// (--allow-plain). Detection and handshake are bounded by the HTTP timeout.
//
// Serves GET /healthz, GET /metrics (Prometheus text) and the placeholder
// console page at /; a WebSocket upgrade on / or /ws is handed to a
// WebsocketSession (authenticated at once when it carries
// `Authorization: Bearer <token>`) unless its Origin is not allowed (403) or
// the relay already serves its maximum of sessions (503). Header and body
// sizes are bounded by the parser; reading one whole request is bounded by the
// HTTP timeout (a client trickling header bytes is cut off); one request is
// answered before the next is read.

#include "auth/identity.hpp"
#include "http/http_context.hpp"
#include "http/transport.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

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
  using Request = HttpTransport::Request;
  using Response = HttpTransport::Response;

  void on_detect(const boost::system::error_code& ec, bool tls);
  void on_handshake(const boost::system::error_code& ec, std::unique_ptr<HttpTransport> transport);
  void read_request();
  void on_read(const boost::system::error_code& ec, std::size_t bytes);
  void handle_request(const Request& request);
  void handle_upgrade(const Request& request);
  // `unauthenticated`: the session's place in the unauthenticated pool (none with an identity).
  void upgrade(std::optional<Identity> identity, ClientAdmission::Slot unauthenticated = {});
  // The request's `Authorization: Bearer` token through the sign-in rule
  // (SignIn); nullopt: no Authorization header.
  std::optional<SignIn::Result> check_bearer(const Request& request);
  // 401 for no or an unknown token, 429 with Retry-After while blocked.
  void refuse_bearer(const Request& request, const std::optional<SignIn::Result>& verdict);
  Response plain_response(const Request& request, boost::beast::http::status status, std::string_view body);
  // `response` must be complete (prepare_payload() done).
  void respond(Response response);
  void on_write(bool keep_alive, const boost::system::error_code& ec, std::size_t bytes);

  HttpContext& context_;
  std::optional<boost::beast::tcp_stream> raw_;  // until the transport is chosen
  std::unique_ptr<HttpTransport> transport_;
  bool refuse_plain_ = false;  // TLS required and this connection is plain
  std::string peer_address_;   // what SignIn's backoff counts
  ClientAdmission::Slot connection_slot_;  // this address's connection cap; moves to the WebsocketSession
  bool closed_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<HttpTransport::Parser> parser_;
  Response response_;  // kept alive while it is written
};

}  // namespace rover_alerts::relay
