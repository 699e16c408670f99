#include "http/websocket_session.hpp"

#include "log.hpp"
#include "protocol/alert_json.hpp"
#include "requests/alert_request_handler.hpp"
#include "protocol/request_decoder.hpp"
#include "protocol/response_json.hpp"
#include "unix_time.hpp"

#include <boost/beast/websocket/error.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <limits>

namespace rover_alerts::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

// How long a close handshake may take before the TCP connection is cut.
constexpr std::chrono::seconds kCloseDeadline{5};

// Requests a little over the decoder's limit still reach it and get a
// TOO_LARGE answer; anything larger fails the WebSocket (close code 1009).
constexpr std::size_t kReadMessageMaxFactor = 4;

}  // namespace

WebsocketSession::WebsocketSession(std::unique_ptr<WebsocketTransport> transport, HttpContext& context,
                                   std::optional<Identity> identity, ClientAdmission::Slot connection,
                                   ClientAdmission::Slot unauthenticated)
    : ws_(std::move(transport)),
      context_(context),
      identity_(std::move(identity)),
      connection_slot_(std::move(connection)),
      unauthenticated_slot_(std::move(unauthenticated)),
      rate_limiter_(context.limits.requests, std::chrono::steady_clock::now()),
      auth_deadline_(ws_->get_executor()),
      feed_(context.publisher, *this),
      keep_alive_(context.limits.delivery.keep_alive, std::chrono::steady_clock::now()),
      ping_timer_(ws_->get_executor()),
      close_deadline_(ws_->get_executor()) {
  if (identity_) {
    ++context_.websocket_connections;
    counted_ = true;
  }
  error_code ec;
  const auto remote = ws_->socket().remote_endpoint(ec);
  peer_ = ec ? std::string("unknown peer") : remote.address().to_string() + ":" + std::to_string(remote.port());
  peer_address_ = ec ? std::string() : remote.address().to_string();
}

WebsocketSession::~WebsocketSession() {
  if (counted_) --context_.websocket_connections;
  context_.websocket_sessions.remove(this);
}

void WebsocketSession::start(beast::http::request<beast::http::string_body> upgrade) {
  context_.websocket_sessions.add(shared_from_this());
  ws_->configure(context_.limits.max_request_bytes * kReadMessageMaxFactor, context_.limits.delivery.deflate);
  ws_->on_pong([weak = weak_from_this()](std::string_view payload) {
    if (auto self = weak.lock()) self->on_pong(payload);
  });
  ws_->async_accept(upgrade, beast::bind_front_handler(&WebsocketSession::on_accept, shared_from_this()));
}

void WebsocketSession::shutdown() { close({websocket::close_code::going_away, "relay shutting down"}, true); }

void WebsocketSession::on_accept(const error_code& ec) {
  if (ec) {
    log::warn("ws: handshake with ", peer_, " failed: ", ec.message());
    return;
  }
  client_id_ = "c" + std::to_string(context_.next_client_id++);
  log::info("ws: client ", client_id_, " connected from ", peer_);
  if (identity_) {
    send_welcome();
  } else {
    auth_deadline_.expires_after(context_.limits.auth_timeout);
    auth_deadline_.async_wait(beast::bind_front_handler(&WebsocketSession::on_auth_deadline, shared_from_this()));
  }
  // Liveness counts from the handshake's end, not from the upgrade request.
  keep_alive_ = KeepAlive(context_.limits.delivery.keep_alive, std::chrono::steady_clock::now());
  arm_ping();
  read_next();
}

void WebsocketSession::arm_ping() {
  ping_timer_.expires_after(keep_alive_.interval());
  ping_timer_.async_wait(beast::bind_front_handler(&WebsocketSession::on_ping_timer, shared_from_this()));
}

void WebsocketSession::on_ping_timer(const error_code& ec) {
  if (ec || closing_) return;
  const auto ping = keep_alive_.next_ping(std::chrono::steady_clock::now());
  if (!ping) {
    context_.counters.increment("ws_ping_timeouts_total");
    log::warn("ws: client ", client_id_, " from ", peer_, " answered no ping: connection dropped");
    closing_ = websocket::close_reason{websocket::close_code::abnormal};
    feed_.stop();
    ws_->cut();
    return;
  }
  ws_->async_ping(*ping, [](const error_code&) {});
  arm_ping();
}

void WebsocketSession::on_pong(std::string_view payload) {
  if (const auto rtt = keep_alive_.on_pong(payload, std::chrono::steady_clock::now())) feed_.set_rtt(*rtt);
}

void WebsocketSession::on_auth_deadline(const error_code& ec) {
  if (ec || identity_ || closing_) return;  // cancelled, authenticated or already closing
  context_.counters.increment("ws_auth_timeouts_total");
  log::warn("ws: client ", client_id_, " from ", peer_, " did not authenticate in time");
  send(error_message(nullptr, ErrorCode::Unauthenticated, "no auth {token} within the authentication timeout"));
  close({websocket::close_code::policy_error, "authentication timeout"}, false);
}

void WebsocketSession::read_next() {
  if (closing_) return;
  ws_->async_read(read_buffer_, beast::bind_front_handler(&WebsocketSession::on_read, shared_from_this()));
}

void WebsocketSession::on_read(const error_code& ec, std::size_t) {
  if (ec) {
    // Beast has already failed the WebSocket with the matching close code.
    if (ec == websocket::error::message_too_big) {
      context_.counters.increment(Counters::series("ws_requests_rejected_total", "code", "TOO_LARGE"));
    } else if (ec == websocket::error::bad_frame_payload) {
      context_.counters.increment(Counters::series("ws_protocol_errors_total", "reason", "invalid_utf8"));
    } else if (ec == websocket::condition::protocol_violation) {
      context_.counters.increment(Counters::series("ws_protocol_errors_total", "reason", "bad_frame"));
    }
    if (!closing_) {
      const bool normal = ec == websocket::error::closed || ec == asio::error::eof;
      log::info("ws: client ", client_id_, " disconnected", normal ? std::string() : ": " + ec.message());
      closing_ = websocket::close_reason{websocket::close_code::normal};
      feed_.stop();
    }
    // The pending timers hold this session alive (and a relay shutting
    // down waits for them): a client that is gone needs none.
    auth_deadline_.cancel();
    ping_timer_.cancel();
    return;
  }
  if (closing_) return;
  if (ws_->got_binary()) {
    if (!identity_) {
      context_.counters.increment("ws_auth_failures_total");
      send(error_message(nullptr, ErrorCode::Unauthenticated, "the first message must be auth {token}"));
      close({websocket::close_code::policy_error, "authentication required"}, false);
    } else if (rate_limited(nullptr)) {
      // answered (or closed) by rate_limited()
    } else {
      reject_request(nullptr, ErrorCode::BadRequest, "binary messages are not accepted; send JSON text");
    }
  } else {
    const auto data = read_buffer_.cdata();
    handle_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
  read_buffer_.consume(read_buffer_.size());
  read_next();
}

bool WebsocketSession::rate_limited(const boost::json::value& req_id) {
  switch (rate_limiter_.on_request(std::chrono::steady_clock::now())) {
    case RequestRateLimiter::Verdict::Allowed:
      return false;
    case RequestRateLimiter::Verdict::Limited:
      reject_request(req_id, ErrorCode::RateLimited, "too many requests; slow down");
      return true;
    case RequestRateLimiter::Verdict::Abusive:
      context_.counters.increment("ws_sessions_closed_rate_total");
      log::warn("ws: client ", client_id_, " closed: kept sending while rate limited");
      close({websocket::close_code::policy_error, "request rate limit exceeded"}, true);
      return true;
  }
  return true;
}

void WebsocketSession::handle_text(std::string_view text) {
  const DecodeResult decoded = context_.decoder.decode(text);
  if (identity_ && rate_limited(decoded.request ? decoded.request->req_id : decoded.error.req_id)) return;
  if (!identity_) {
    const auto* auth = decoded.request ? std::get_if<AuthRequest>(&decoded.request->body) : nullptr;
    if (auth != nullptr) return handle_auth(*decoded.request, *auth);
    context_.counters.increment("ws_auth_failures_total");
    send(error_message(decoded.request ? decoded.request->req_id : decoded.error.req_id,
                       ErrorCode::Unauthenticated, "the first message must be auth {token}"));
    return close({websocket::close_code::policy_error, "authentication required"}, false);
  }
  if (!decoded.request) return reject_request(decoded.error.req_id, decoded.error.code, decoded.error.message);

  dispatch(*decoded.request);
}

void WebsocketSession::dispatch(const Request& request) {
  if (const auto* subscribe = std::get_if<SubscribeRequest>(&request.body)) return handle_subscribe(request, *subscribe);
  if (std::holds_alternative<AuthRequest>(request.body))
    return reject_request(request.req_id, ErrorCode::BadRequest, "already authenticated");
  // alert_ack, alert_sync, alert_create, alert_clear, get_stats. Changes are
  // answered after the journal commit, when this session may be gone.
  const ConnectionFigures connection{feed_.rtt(), feed_.batch_size(), feed_.batch_timeout(),
                                     feed_.outbox().urgent_messages(), feed_.outbox().routine_changes(),
                                     peer_address_};
  context_.alert_requests.handle(*identity_, request.req_id, std::get<AlertRequest>(request.body), unix_ms_now(),
                                 connection, [weak = weak_from_this()](std::string reply) {
                                   if (auto self = weak.lock()) self->send(std::move(reply));
                                 });
}

void WebsocketSession::handle_auth(const Request& request, const AuthRequest& auth) {
  SignIn::Result verdict =
      context_.sign_in.check(auth.token, peer_address_, SignIn::Via::AuthMessage, SignIn::Clock::now());
  if (verdict.outcome == SignIn::Outcome::Blocked) {
    send(error_message(request.req_id, ErrorCode::RateLimited,
                       "too many failed authentications from this address: retry in " +
                           std::to_string(verdict.retry_after.count()) + " s"));
    return close({websocket::close_code::policy_error, "authentication blocked"}, false);
  }
  if (verdict.outcome == SignIn::Outcome::UnknownToken) {
    log::warn("ws: client ", client_id_, " from ", peer_, " sent an unknown token");
    // Answered once the refusal is in the audit trail, as every refusal is: a
    // crash just after the answer must not lose it.
    auto refuse = [self = shared_from_this(), req_id = request.req_id] {
      self->send(error_message(req_id, ErrorCode::Unauthenticated, "unknown token"));
      self->close({websocket::close_code::policy_error, "authentication failed"}, false);
    };
    if (!context_.after_commit) return refuse();
    return context_.after_commit(std::move(refuse));
  }
  identity_ = std::move(verdict.identity);
  auth_deadline_.cancel();
  // Out of the unauthenticated pool, into --max-clients.
  unauthenticated_slot_.release();
  if (context_.websocket_connections >= context_.limits.max_sessions) {
    context_.counters.increment(Counters::series("ws_upgrades_refused_total", "reason", "over_capacity"));
    send(error_message(request.req_id, ErrorCode::RateLimited, "too many clients; retry later"));
    return close({websocket::close_code::try_again_later, "too many clients"}, false);
  }
  ++context_.websocket_connections;
  counted_ = true;
  // `welcome` is the answer to auth, whether or not it carried a reqId.
  send_welcome();
}

void WebsocketSession::send_welcome() {
  log::info("ws: client ", client_id_, " authenticated as ", identity_->user, " (", to_string(identity_->role), ")");
  context_.sign_in.record_signed_in(peer_address_, *identity_, "client " + client_id_);
  Welcome welcome{client_id_, *identity_, context_.store.epoch(), context_.store.rev(), unix_ms_now(), {}};
  // What this client may ask for, so that a screen offers only that.
  for (const Operation operation : kOperations)
    if (role_may(identity_->role, operation, context_.alert_requests.permissions()))
      welcome.may.push_back(to_string(operation));
  welcome.shelving = &context_.alert_requests.suppression_limits();
  send(welcome_message(welcome));
}

void WebsocketSession::handle_subscribe(const Request& request, const SubscribeRequest& subscribe) {
  if (subscribing_) return reject_request(request.req_id, ErrorCode::BadRequest, "already subscribed");
  subscribing_ = true;
  // Clients see only committed state: the stream starts once the pending
  // batch is committed and published to the current subscribers.
  context_.alert_requests.after_commit([weak = weak_from_this(), request, subscribe] {
    if (auto self = weak.lock()) self->start_stream(request, subscribe);
  });
}

void WebsocketSession::start_stream(const Request& request, const SubscribeRequest& subscribe) {
  if (closing_) return;
  // The catch-up and the live stream are joined in the feed: everything up to
  // the published rev comes from the catch-up walk, everything later live.
  const std::uint64_t rev = context_.publisher.committed_rev();
  CatchUp catch_up = subscribe.since_rev ? CatchUp::since(context_.store, *subscribe.since_rev, rev)
                                         : CatchUp::snapshot(rev);
  boost::json::object result;
  result.emplace("rev", rev);
  if (subscribe.since_rev) result.emplace("reset", catch_up.reset());
  send(ok_response(request.req_id, std::move(result)));
  SubscribeOptions options{SubscriptionFilter(subscribe.priorities, subscribe.sources), subscribe.batch_size,
                           subscribe.batch_timeout, subscribe.lz4, subscribe.compression_threshold,
                           subscribe.flatbuffers, subscribe.delta};
  feed_.subscribe(std::move(options), std::move(catch_up));
}

void WebsocketSession::reject_request(const boost::json::value& req_id, ErrorCode code, std::string_view message) {
  context_.counters.increment(Counters::series("ws_requests_rejected_total", "code", to_string(code)));
  send(error_message(req_id, code, message));
}

void WebsocketSession::feed_ready() { write_next(); }

void WebsocketSession::feed_too_slow(std::string_view why) {
  context_.counters.increment("ws_sessions_closed_slow_total");
  log::warn("ws: client ", client_id_, " closed: ", why, " (", feed_.outbox().urgent_messages(), " urgent, ",
            feed_.outbox().routine_changes(), " routine queued)");
  close({websocket::close_code::policy_error, std::string(why)}, true);
}

void WebsocketSession::send(std::string message) { feed_.send(std::make_shared<const std::string>(std::move(message))); }

void WebsocketSession::write_next() {
  if (writing_ || close_sent_) return;
  auto next = feed_.next(std::chrono::steady_clock::now());
  if (!next) {
    if (closing_) send_close();
    return;
  }
  writing_ = std::move(next->bytes);
  ws_->async_write(asio::buffer(*writing_), next->binary,
                   beast::bind_front_handler(&WebsocketSession::on_write, shared_from_this()));
}

void WebsocketSession::on_write(const error_code& ec, std::size_t) {
  writing_.reset();
  if (ec) {
    if (!closing_) log::info("ws: client ", client_id_, " write failed: ", ec.message());
    closing_ = websocket::close_reason{websocket::close_code::abnormal};
    feed_.stop();
    close_deadline_.cancel();
    ping_timer_.cancel();
    return;
  }
  write_next();
}

void WebsocketSession::close(websocket::close_reason reason, bool discard_queued) {
  if (closing_) return;
  closing_ = std::move(reason);
  auth_deadline_.cancel();
  ping_timer_.cancel();
  // A message in flight finishes first either way.
  if (discard_queued) {
    feed_.stop();
  } else {
    feed_.drain_urgent_only();
  }
  close_deadline_.expires_after(kCloseDeadline);
  close_deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec) return;  // cancelled: the close completed
    log::warn("ws: client ", self->client_id_, " did not complete the close handshake; dropping the connection");
    self->ws_->cut();
  });
  write_next();
}

void WebsocketSession::send_close() {
  if (close_sent_) return;
  close_sent_ = true;
  ws_->async_close(*closing_, beast::bind_front_handler(&WebsocketSession::on_close, shared_from_this()));
}

void WebsocketSession::on_close(const error_code& ec) {
  close_deadline_.cancel();
  log::info("ws: client ", client_id_, " closed (", closing_->reason.c_str(), ")",
            ec ? ": " + ec.message() : std::string());
}

}  // namespace rover_alerts::relay
