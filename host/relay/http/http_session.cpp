#include "http/http_session.hpp"

#include "http/console_assets.hpp"
#include "http/metrics.hpp"
#include "http/websocket_session.hpp"
#include "log.hpp"
#include "unix_time.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cctype>

namespace rover_alerts::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr std::string_view kServerName = "alert-relay";

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
    : context_(context), raw_(std::in_place, std::move(socket)) {
  ++context_.http_connections;
  boost::system::error_code ec;
  const auto remote = raw_->socket().remote_endpoint(ec);
  if (!ec) peer_address_ = remote.address().to_string();
}

HttpSession::~HttpSession() {
  --context_.http_connections;
  context_.http_sessions.remove(this);
}

void HttpSession::start() {
  context_.http_sessions.add(shared_from_this());
  if (context_.http_connections > context_.limits.max_http_connections) {
    context_.counters.increment(Counters::series("http_connections_refused_total", "reason", "over_capacity"));
    return close();
  }
  connection_slot_ = context_.admission.connect(peer_address_);
  if (!connection_slot_.held()) {
    context_.counters.increment(Counters::series("http_connections_refused_total", "reason", "address_cap"));
    return close();
  }
  if (!context_.tls) {
    transport_ = make_plain_http_transport(std::move(*raw_));
    raw_.reset();
    return read_request();
  }
  raw_->expires_after(context_.limits.http_timeout);
  beast::async_detect_ssl(*raw_, buffer_, beast::bind_front_handler(&HttpSession::on_detect, shared_from_this()));
}

void HttpSession::on_detect(const error_code& ec, bool tls) {
  if (ec == beast::error::timeout)
    context_.counters.increment(Counters::series("http_requests_rejected_total", "reason", "timeout"));
  if (ec || closed_) return close();
  if (tls) {
    beast::tcp_stream stream = std::move(*raw_);
    raw_.reset();
    return async_tls_handshake(std::move(stream), *context_.tls, buffer_,
                               beast::bind_front_handler(&HttpSession::on_handshake, shared_from_this()));
  }
  transport_ = make_plain_http_transport(std::move(*raw_));
  raw_.reset();
  refuse_plain_ = !context_.limits.tls.allow_plain;
  read_request();
}

void HttpSession::on_handshake(const error_code& ec, std::unique_ptr<HttpTransport> transport) {
  if (ec || closed_) {
    if (ec) context_.counters.increment("tls_handshake_failures_total");
    if (transport) transport->close();
    return;
  }
  transport_ = std::move(transport);
  read_request();
}

void HttpSession::close() {
  if (closed_) return;
  closed_ = true;
  if (transport_) return transport_->close();
  if (raw_) {
    error_code ignored;
    raw_->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    raw_->close();
  }
}

void HttpSession::read_request() {
  if (closed_) return;
  // A fresh parser per request: its limits apply to each request.
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_limit));
  parser_->body_limit(context_.limits.http_body_limit);
  transport_->expires_after(context_.limits.http_timeout);
  transport_->async_read(buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(const error_code& ec, std::size_t) {
  if (ec == beast::error::timeout) {
    context_.counters.increment(Counters::series("http_requests_rejected_total", "reason", "timeout"));
    return close();
  }
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || closed_) return close();
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated)
    return close();
  if (ec) {
    const bool too_large = ec == http::error::body_limit || ec == http::error::header_limit;
    context_.counters.increment(
        Counters::series("http_requests_rejected_total", "reason", too_large ? "too_large" : "malformed"));
    Response response{too_large ? http::status::payload_too_large : http::status::bad_request, 11};
    response.set(http::field::content_type, "text/plain");
    response.body() = too_large ? "request too large\n" : "bad request\n";
    response.keep_alive(false);
    response.prepare_payload();
    return respond(std::move(response));
  }
  handle_request(parser_->get());
}

HttpSession::Response HttpSession::plain_response(const Request& request, http::status status,
                                                  std::string_view body) {
  Response response{status, request.version()};
  response.set(http::field::content_type, "text/plain");
  response.body() = body;
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

void HttpSession::handle_request(const Request& request) {
  if (refuse_plain_) {
    context_.counters.increment("http_plain_refused_total");
    return respond(plain_response(request, http::status::forbidden,
                                  "this relay requires TLS: connect with https:// or wss://\n"));
  }
  const std::string_view path = path_of(request.target());
  if (beast::websocket::is_upgrade(request) && (path == "/" || path == "/ws")) return handle_upgrade(request);

  Response response{http::status::ok, request.version()};
  response.keep_alive(request.keep_alive());
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.set(http::field::content_type, "text/plain");
    response.body() = "method not allowed\n";
  } else if (path == "/healthz") {
    response.set(http::field::content_type, "text/plain");
    if (context_.healthy && !context_.healthy()) {
      response.result(http::status::service_unavailable);
      response.body() = "journal: commits failing\n";
    } else {
      response.body() = "ok\n";
    }
  } else if (path == "/metrics") {
    // Behind a token (any user's): the figures tell a stranger who is
    // connected, which rovers exist and how loaded the relay is.
    if (const auto verdict = check_bearer(request); !verdict || verdict->outcome != SignIn::Outcome::Known)
      return refuse_bearer(request, verdict);
    const Gauge gauges[] = {
        {"http_connections", static_cast<double>(context_.http_connections)},
        {"ws_sessions", static_cast<double>(context_.websocket_connections)},
        {"ws_unauthenticated_sessions", static_cast<double>(context_.admission.unauthenticated_sessions())},
    };
    response.set(http::field::content_type, kMetricsContentType);
    response.body() = render_metrics(context_.counters, gauges) +
                      render_delivery_metrics(context_.publisher.metrics(), context_.publisher.depths(),
                                              context_.publisher.size(), context_.store.stats());
    if (context_.links != nullptr) response.body() += render_link_metrics(*context_.links, context_.journal);
    if (context_.alarms != nullptr) response.body() += render_alarm_metrics(*context_.alarms, context_.store, unix_ms_now());
  } else if (const ConsoleAsset* asset = find_console_asset(path)) {
    response.set(http::field::content_type, asset->content_type);
    response.set("Content-Security-Policy", kConsoleContentSecurityPolicy);
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    // Revalidated on every load: a relay upgrade brings its own console.
    response.set(http::field::cache_control, "no-cache");
    response.body() = asset->body;
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

void HttpSession::handle_upgrade(const Request& request) {
  const auto origin = request.find(http::field::origin);
  if (!context_.origins.allows(origin == request.end() ? std::nullopt
                                                       : std::optional<std::string_view>(origin->value()))) {
    context_.counters.increment(Counters::series("ws_upgrades_refused_total", "reason", "origin"));
    log::warn("http: WebSocket upgrade from origin `", origin->value().substr(0, 128), "` refused");
    return respond(plain_response(request, http::status::forbidden, "origin not allowed\n"));
  }
  const auto unavailable = [&](std::string_view reason) {
    context_.counters.increment(Counters::series("ws_upgrades_refused_total", "reason", reason));
    auto response = plain_response(request, http::status::service_unavailable, "too many clients; retry later\n");
    response.set(http::field::retry_after, "5");
    respond(std::move(response));
  };
  auto verdict = check_bearer(request);
  if (!verdict) {
    // The auth message comes next: until then the session is in the
    // unauthenticated pool, not among the --max-clients.
    auto slot = context_.admission.unauthenticated(peer_address_);
    if (!slot.held()) return unavailable("unauthenticated_cap");
    return upgrade(std::nullopt, std::move(slot));
  }
  if (verdict->outcome != SignIn::Outcome::Known) return refuse_bearer(request, verdict);
  if (context_.websocket_connections >= context_.limits.max_sessions) return unavailable("over_capacity");
  upgrade(std::move(verdict->identity));
}

std::optional<SignIn::Result> HttpSession::check_bearer(const Request& request) {
  const auto authorization = request.find(http::field::authorization);
  if (authorization == request.end()) return std::nullopt;
  return context_.sign_in.check(bearer_token(authorization->value()), peer_address_, SignIn::Via::BearerHeader,
                                SignIn::Clock::now());
}

void HttpSession::refuse_bearer(const Request& request, const std::optional<SignIn::Result>& verdict) {
  if (verdict && verdict->outcome == SignIn::Outcome::Blocked) {
    auto response = plain_response(request, http::status::too_many_requests,
                                   "too many failed authentications from this address\n");
    response.set(http::field::retry_after, std::to_string(verdict->retry_after.count()));
    return respond(std::move(response));
  }
  auto response =
      plain_response(request, http::status::unauthorized, !verdict ? "a bearer token is required\n" : "unknown token\n");
  response.set(http::field::www_authenticate, "Bearer");
  respond(std::move(response));
}

void HttpSession::upgrade(std::optional<Identity> identity, ClientAdmission::Slot unauthenticated) {
  // The WebSocket session owns the connection from here; the stream's own
  // timeouts give way to the WebSocket ones.
  transport_->expires_never();
  auto websocket = transport_->into_websocket();
  transport_.reset();
  closed_ = true;
  std::make_shared<WebsocketSession>(std::move(websocket), context_, std::move(identity), std::move(connection_slot_),
                                     std::move(unauthenticated))
      ->start(parser_->release());
}

void HttpSession::respond(Response response) {
  if (closed_) return;
  response.set(http::field::server, kServerName);
  response_ = std::move(response);
  const bool keep_alive = response_.keep_alive();
  transport_->expires_after(context_.limits.http_timeout);
  transport_->async_write(response_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, const error_code& ec, std::size_t) {
  if (ec || !keep_alive) return close();
  read_request();
}

}  // namespace rover_alerts::relay
