#include "http/http_session.hpp"

#include "http/websocket_session.hpp"
#include "log.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cctype>

namespace rover_alerts::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr std::string_view kServerName = "alert-relay";

constexpr std::string_view kPlaceholderPage =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rover alerts</title></head>\n"
    "<body><h1>Rover alerts relay</h1>\n"
    "<p>The operator console comes later. WebSocket clients connect to this address.</p>\n"
    "</body></html>\n";

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// The token of an `Authorization: Bearer <token>` header; empty if it is not one.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(header[i]))) != kScheme[i]) return {};
  }
  return header.substr(kScheme.size());
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, HttpContext& context)
    : stream_(std::move(socket)), context_(context) {}

HttpSession::~HttpSession() { context_.http_sessions.remove(this); }

void HttpSession::start() {
  context_.http_sessions.add(shared_from_this());
  read_request();
}

void HttpSession::close() {
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void HttpSession::read_request() {
  // A fresh parser per request: its limits apply to each request.
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_limit));
  parser_->body_limit(context_.limits.http_body_limit);
  stream_.expires_after(context_.limits.http_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(const error_code& ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return close();
  }
  if (ec) {
    const bool too_large = ec == http::error::body_limit || ec == http::error::header_limit;
    Response response{too_large ? http::status::payload_too_large : http::status::bad_request, 11};
    response.set(http::field::content_type, "text/plain");
    response.body() = too_large ? "request too large\n" : "bad request\n";
    response.keep_alive(false);
    response.prepare_payload();
    return respond(std::move(response));
  }
  handle_request(parser_->get());
}

void HttpSession::handle_request(const Request& request) {
  const std::string_view path = path_of(request.target());

  if (beast::websocket::is_upgrade(request) && (path == "/" || path == "/ws")) {
    const auto authorization = request.find(http::field::authorization);
    if (authorization == request.end()) return upgrade(std::nullopt);
    if (auto identity = context_.tokens.lookup(bearer_token(authorization->value()))) return upgrade(std::move(identity));
    context_.counters.increment("ws_auth_failures_total");
    Response response{http::status::unauthorized, request.version()};
    response.set(http::field::content_type, "text/plain");
    response.set(http::field::www_authenticate, "Bearer");
    response.body() = "unknown token\n";
    response.keep_alive(false);
    response.prepare_payload();
    return respond(std::move(response));
  }

  Response response{http::status::ok, request.version()};
  response.keep_alive(request.keep_alive());
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.set(http::field::content_type, "text/plain");
    response.body() = "method not allowed\n";
  } else if (path == "/healthz") {
    response.set(http::field::content_type, "text/plain");
    response.body() = "ok\n";
  } else if (path == "/") {
    response.set(http::field::content_type, "text/html; charset=utf-8");
    response.body() = kPlaceholderPage;
  } else {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "text/plain");
    response.body() = "not found\n";
  }
  response.prepare_payload();
  // HEAD: same headers (Content-Length included), no body.
  if (request.method() == http::verb::head) response.body().clear();
  respond(std::move(response));
}

void HttpSession::upgrade(std::optional<Identity> identity) {
  // The WebSocket session owns the connection from here; the stream's own
  // timeouts give way to the WebSocket ones.
  stream_.expires_never();
  std::make_shared<WebsocketSession>(stream_.release_socket(), context_, std::move(identity))
      ->start(parser_->release());
}

void HttpSession::respond(Response response) {
  response.set(http::field::server, kServerName);
  response_ = std::move(response);
  const bool keep_alive = response_.keep_alive();
  stream_.expires_after(context_.limits.http_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, const error_code& ec, std::size_t) {
  if (ec || !keep_alive) return close();
  read_request();
}

}  // namespace rover_alerts::relay
