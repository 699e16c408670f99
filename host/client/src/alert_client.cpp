#include <rover_alerts/ground/alert_client.hpp>
#include <rover_alerts/ground/frame_decoding.hpp>

#include "ack_tracker.hpp"
#include "reconnect_backoff.hpp"
#include "relay_url.hpp"
#include "ws_transport.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <random>

namespace rover_alerts::ground {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kStateNames[] = {"connecting", "connected", "synced", "reconnecting", "stopped"};

// Errors an ack retry cannot change.
bool retryable(std::string_view code) { return code == "RATE_LIMITED" || code == "INTERNAL"; }

std::uint64_t number_of(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  error_code ec;
  const auto n = v != nullptr && v->is_number() ? v->to_number<std::uint64_t>(ec) : 0;
  return ec ? 0 : n;
}

std::string string_of(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

json::array priority_names(const std::vector<Priority>& priorities) {
  json::array out;
  for (Priority p : priorities) out.emplace_back(priority_name(p));
  return out;
}

}  // namespace

std::string_view connection_state_name(ConnectionState s) { return kStateNames[static_cast<int>(s)]; }

class AlertClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, ClientConfig config, ClientEvents events)
      : io_(io),
        config_(std::move(config)),
        events_(std::move(events)),
        url_(RelayUrl::parse(config_.url)),
        reconnect_timer_(io),
        connect_timer_(io),
        ack_timer_(io),
        sync_timer_(io),
        acks_({config_.max_pending_acks, config_.max_retries, config_.acknowledgment_timeout, config_.retry_backoff}),
        random_(std::random_device{}()) {}

  void start() {
    if (!url_) return stop_with("not a ws:// or wss:// URL: " + config_.url);
    if (url_->tls && !make_tls_context()) return;
    connect();
  }

  void stop() { stop_with("stopped"); }

  // The owner is going away: no more events, then stop.
  void detach() {
    events_ = ClientEvents{};
    stop();
  }

  void acknowledge(std::string alert_id, std::string comment) {
    if (state_ == ConnectionState::Stopped) return report(AckOutcome{alert_id, false, 0, "STOPPED", "the client has stopped"});
    if (!acks_.add(alert_id, std::move(comment)))
      return report(AckOutcome{std::move(alert_id), false, 0, "QUEUE_FULL",
                               "more than " + std::to_string(config_.max_pending_acks) + " acknowledgements pending"});
    send_acks();
  }

  void request(json::object message, std::function<void(const Reply&)> on_reply) {
    if (state_ == ConnectionState::Stopped) return on_reply(local_failure("STOPPED", "the client has stopped"));
    if (requests_.size() >= config_.max_pending_requests)
      return on_reply(local_failure("QUEUE_FULL", "more than " + std::to_string(config_.max_pending_requests) +
                                                      " requests pending"));
    const std::string req_id = "req-" + std::to_string(next_req_++);
    message["reqId"] = req_id;
    requests_.push_back(PendingRequest{req_id, json::serialize(message), std::move(on_reply), false, {}});
    send_requests();
  }

  const AlertCache& alerts() const { return cache_; }
  const Identity& identity() const { return identity_; }
  ConnectionState state() const { return state_; }

  ClientStatus status() const {
    ClientStatus s;
    s.state = state_;
    s.epoch = cache_.epoch();
    s.rev = cache_.resume_rev();
    s.alerts = cache_.size();
    s.unacknowledged = cache_.unacknowledged(!config_.auto_acknowledge_info);
    s.queue_sizes.outgoing =
        acks_.waiting() + static_cast<std::size_t>(std::count_if(requests_.begin(), requests_.end(),
                                                                 [](const PendingRequest& r) { return !r.sent; }));
    s.queue_sizes.acknowledgments = acks_.in_flight();
    s.queue_sizes.retries = acks_.retrying();
    s.metrics.average_latency_ms = average_latency_ms_;
    const std::uint64_t finished = counters_.acks_ok + counters_.acks_failed;
    s.metrics.success_rate = finished == 0 ? 1.0 : static_cast<double>(counters_.acks_ok) / static_cast<double>(finished);
    s.metrics.current_batch_size = current_batch_size();
    s.counters = counters_;
    s.counters.evicted = cache_.evicted();
    s.last_error = last_error_;
    s.refused = refused_;
    return s;
  }

 private:
  struct PendingRequest {
    std::string req_id, text;
    std::function<void(const Reply&)> on_reply;
    bool sent = false;
    Clock::time_point sent_at;
  };

  static Reply local_failure(std::string code, std::string message) {
    return Reply{false, nullptr, std::move(code), std::move(message)};
  }

  bool make_tls_context() {
    tls_.emplace(asio::ssl::context::tls_client);
    error_code ec;
    if (config_.verify_peer) {
      tls_->set_verify_mode(asio::ssl::verify_peer, ec);
      if (!ec) config_.ca_file.empty() ? tls_->set_default_verify_paths(ec) : tls_->load_verify_file(config_.ca_file, ec);
    } else {
      tls_->set_verify_mode(asio::ssl::verify_none, ec);
    }
    if (ec) {
      stop_with("TLS: cannot load the trusted certificates: " + ec.message());
      return false;
    }
    return true;
  }

  // --- connection lifecycle ------------------------------------------------
  void set_state(ConnectionState s, std::string_view why) {
    if (state_ == s && s != ConnectionState::Reconnecting) return;
    state_ = s;
    if (events_.connection_state) events_.connection_state(s, why);
  }

  void connect() {
    if (state_ == ConnectionState::Stopped) return;
    ++generation_;
    transport_ = make_ws_transport(io_, *url_, config_, tls_ ? &*tls_ : nullptr);
    welcomed_ = false;
    ++counters_.connects;
    // One deadline for TCP, TLS, upgrade and welcome.
    connect_timer_.expires_after(config_.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this(), generation = generation_](const error_code& ec) {
      if (!ec && generation == self->generation_ && !self->welcomed_)
        self->connection_lost("no welcome within the connect timeout");
    });
    transport_->connect([self = shared_from_this(), transport = transport_, generation = generation_](const error_code& ec) {
      if (generation != self->generation_) return;
      if (!ec) return self->read();
      const unsigned status = transport->refused_status();
      if (status == 401 || status == 403) {
        self->refused_ = true;
        return self->stop_with(status == 401 ? "the relay refused the token (HTTP 401)"
                                             : "the relay refused the connection (HTTP 403)");
      }
      self->connection_lost(status != 0 ? "the relay refused the upgrade (HTTP " + std::to_string(status) + ")"
                                        : "cannot connect: " + ec.message());
    });
  }

  void connection_lost(const std::string& why) {
    if (state_ == ConnectionState::Stopped) return;
    last_error_ = why;
    ++generation_;  // every pending completion of the old connection is ignored
    if (transport_) transport_->abort();
    transport_.reset();
    writing_ = false;
    outbox_.clear();
    connect_timer_.cancel();
    sync_timer_.cancel();
    syncing_ = false;
    for (const AckOutcome& o : acks_.connection_lost(Clock::now())) report(o);
    fail_sent_requests("CONNECTION_LOST", "the connection dropped before an answer: " + why);
    const bool was_connected = welcomed_;
    welcomed_ = false;
    if (was_connected) failures_ = 0;
    ++failures_;
    if (config_.max_connect_attempts != 0 && failures_ >= config_.max_connect_attempts)
      return stop_with(why);
    if (was_connected) ++counters_.reconnects;
    reconnecting_ = true;
    set_state(ConnectionState::Reconnecting, why);
    reconnect_timer_.expires_after(
        reconnect_delay(static_cast<int>(std::min<std::size_t>(failures_, 64)), config_.retry_backoff, config_.max_backoff, random_()));
    reconnect_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->connect();
    });
    arm_ack_timer();
  }

  void stop_with(const std::string& why) {
    if (state_ == ConnectionState::Stopped) return;
    last_error_ = why;
    ++generation_;
    if (transport_) transport_->close();
    transport_.reset();
    for (auto* timer : {&reconnect_timer_, &connect_timer_, &ack_timer_, &sync_timer_}) timer->cancel();
    set_state(ConnectionState::Stopped, why);
    for (const AckOutcome& o : acks_.fail_all("STOPPED", why)) report(o);
    auto requests = std::move(requests_);
    requests_.clear();
    for (PendingRequest& r : requests) r.on_reply(local_failure("STOPPED", why));
  }

  void read() {
    transport_->read(buffer_, [self = shared_from_this(), transport = transport_, generation = generation_](
                                  const error_code& ec) {
      if (generation != self->generation_) return;
      if (ec) {
        if (ec == beast::websocket::error::closed) return self->connection_lost("closed by the relay: " + transport->close_reason());
        return self->connection_lost("read: " + ec.message());
      }
      const std::string bytes = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->on_frame(bytes, transport->last_read_binary());
      if (generation == self->generation_) self->read();
    });
  }

  void write(std::string text) {
    outbox_.push_back(std::move(text));
    if (!writing_) write_next();
  }

  void write_next() {
    if (outbox_.empty() || !transport_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    transport_->write_text(outbox_.front(), [self = shared_from_this(), transport = transport_,
                                             generation = generation_](const error_code& ec) {
      if (generation != self->generation_) return;
      if (ec) return self->connection_lost("write: " + ec.message());
      self->outbox_.pop_front();
      self->write_next();
    });
  }

  // --- messages ---------------------------------------------------------------
  void on_frame(const std::string& bytes, bool binary) {
    std::string error;
    std::optional<json::object> message;
    ++(binary ? counters_.binary_messages : counters_.text_messages);
    if (binary) {
      message = decode_binary_message(bytes, error, config_.max_message_bytes);
    } else {
      error_code ec;
      json::value v = json::parse(bytes, ec);
      if (!ec && v.is_object()) message = std::move(v.as_object());
      else error = "a text frame that is not a JSON object";
    }
    if (!message) {
      ++counters_.decode_errors;
      last_error_ = error;
      return;
    }
    const std::string type = string_of(*message, "type");
    if (type == "welcome") return on_welcome(*message);
    if (type == "response") return on_response(*message);
    if (type == "alert") return on_alert(*message);
    if (type == "alert_batch") return on_batch(*message);
    if (type == "catch_up_complete") return on_catch_up_complete(*message);
    if (type == "alert_ack") return on_ack_notice(*message);
    if (type == "resync_required") return on_resync_required(*message);
    if (type == "error") {
      const json::value* e = message->if_contains("error");
      last_error_ = e != nullptr && e->is_object() ? string_of(e->as_object(), "message") : "error";
      if (e != nullptr && e->is_object() && string_of(e->as_object(), "code") == "UNAUTHENTICATED") {
        refused_ = true;
        return stop_with("the relay refused the token: " + last_error_);
      }
      return;
    }
    if (events_.notice) events_.notice(*message);
  }

  void on_welcome(const json::object& m) {
    welcomed_ = true;
    connect_timer_.cancel();
    identity_ = Identity{string_of(m, "clientId"), string_of(m, "user"), string_of(m, "role")};
    const std::string epoch = string_of(m, "epoch");
    // A new epoch (or no resync wanted): what the cache holds may never have been committed.
    const bool keep = epoch == cache_.epoch() && config_.resync_on_reconnect && cache_.resume_rev() > 0;
    catch_up_reset_ = !keep && (cache_.size() > 0 || !cache_.epoch().empty());
    if (!keep) cache_.reset(epoch);
    catch_up_changes_ = 0;
    catch_up_reconnect_ = reconnecting_;
    reconnecting_ = false;
    set_state(ConnectionState::Connected, "welcome");
    if (config_.subscribe) subscribe(keep);
    send_acks();
    send_requests();
    arm_sync_timer();
  }

  void subscribe(bool resume) {
    json::object s{{"type", "alert_subscribe"}, {"reqId", "subscribe"}};
    s["priorities"] = priority_names(config_.subscribed_priorities);
    if (!config_.sources.empty()) {
      json::array sources;
      for (const std::string& src : config_.sources) sources.emplace_back(src);
      s["sources"] = std::move(sources);
    }
    if (!config_.adaptive_batching) s["batchSize"] = config_.batch_size;
    s["batchTimeout"] = config_.batch_timeout.count();
    if (config_.compression == Compression::Lz4) {
      s["compression"] = "lz4";
      s["compressionThreshold"] = config_.compression_threshold;
    }
    if (config_.encoding == Encoding::FlatBuffers) s["encoding"] = "flatbuffers";
    if (config_.delta) s["delta"] = true;
    if (resume) s["sinceRev"] = cache_.resume_rev();
    write(json::serialize(s));
  }

  void on_response(const json::object& m) {
    const std::string req_id = string_of(m, "reqId");
    const json::value* okv = m.if_contains("ok");
    const bool ok = okv != nullptr && okv->is_bool() && okv->get_bool();
    std::string code, message;
    if (const json::value* e = m.if_contains("error"); e != nullptr && e->is_object()) {
      code = string_of(e->as_object(), "code");
      message = string_of(e->as_object(), "message");
    }
    const json::value* result = m.if_contains("result");
    if (req_id == "subscribe") {
      if (!ok) return stop_with("the relay refused the subscription: " + message);
      if (result != nullptr && result->is_object()) {
        const json::value* reset = result->as_object().if_contains("reset");
        if (reset != nullptr && reset->is_bool() && reset->get_bool()) {
          cache_.reset(cache_.epoch());
          catch_up_reset_ = true;
        }
      }
      return;
    }
    if (req_id.rfind("sync-", 0) == 0) return on_sync_page(ok, result);
    if (req_id == "stats") {
      if (ok && result != nullptr && result->is_object())
        if (const json::value* c = result->as_object().if_contains("connection"); c != nullptr && c->is_object())
          relay_batch_size_ = number_of(c->as_object(), "batchSize");
      return;
    }
    if (const AckTracker::Answer answer = acks_.answered(req_id, ok, retryable(code), code, message, Clock::now());
        answer.ours) {
      note_latency(answer.sent_at);
      if (answer.outcome) report(*answer.outcome);
      arm_ack_timer();
      return;
    }
    const auto it = std::find_if(requests_.begin(), requests_.end(),
                                 [&](const PendingRequest& r) { return r.sent && r.req_id == req_id; });
    if (it == requests_.end()) return;
    note_latency(it->sent_at);
    PendingRequest done = std::move(*it);
    requests_.erase(it);
    done.on_reply(Reply{ok, result != nullptr ? *result : json::value(nullptr), code, message});
  }

  void apply(const json::object& message, bool advance) {
    std::string error;
    std::optional<AlertChange> change = AlertChange::parse(message, error);
    if (!change) {
      ++counters_.decode_errors;
      last_error_ = error;
      return;
    }
    if (!config_.sources.empty()) {
      // alert_sync has no source filter: keep to the subscription's.
      const json::value* d = message.if_contains("data");
      const std::string source = d != nullptr && d->is_object() ? string_of(d->as_object(), "source") : "";
      if (std::find(config_.sources.begin(), config_.sources.end(), source) == config_.sources.end()) return;
    }
    const ApplyResult result = cache_.apply(*change);
    if (advance) cache_.advance_resume_rev(change->rev);
    switch (result) {
      case ApplyResult::Stale:
        ++counters_.stale_changes;
        return;
      case ApplyResult::DeltaMissed:
        ++counters_.delta_misses;
        return start_sync("a delta update for a rev this client does not hold");
      case ApplyResult::NotKept:
        return;
      case ApplyResult::Applied:
      case ApplyResult::Evicted:
      case ApplyResult::Removed:
        break;
    }
    ++counters_.changes_applied;
    ++catch_up_changes_;
    const Alert* now = cache_.find(change->id);
    if (events_.alert) events_.alert(now != nullptr ? now->latest() : *change, now);
  }

  void on_alert(const json::object& m) {
    const json::value* data = m.if_contains("data");
    // A critical change may overtake queued routine ones: it does not move the resume point.
    if (data != nullptr && data->is_object()) apply(data->as_object(), false);
  }

  void on_batch(const json::object& m) {
    const json::value* data = m.if_contains("data");
    if (data == nullptr || !data->is_array()) {
      ++counters_.decode_errors;
      return;
    }
    // Batches come in rev order: once one is in, everything before it is.
    for (const json::value& entry : data->as_array())
      if (entry.is_object()) apply(entry.as_object(), true);
  }

  void on_catch_up_complete(const json::object& m) {
    cache_.advance_resume_rev(number_of(m, "rev"));
    set_state(ConnectionState::Synced, "catch-up complete");
    if (events_.sync_complete)
      events_.sync_complete(SyncComplete{number_of(m, "rev"), catch_up_changes_, catch_up_reset_, catch_up_reconnect_});
    catch_up_reset_ = false;
  }

  void on_ack_notice(const json::object& m) {
    if (!events_.acknowledged) return;
    events_.acknowledged(AckNotice{string_of(m, "alertId"), string_of(m, "acknowledgedBy"), string_of(m, "comment"),
                                   static_cast<std::int64_t>(number_of(m, "acknowledgedAt")), number_of(m, "rev")});
  }

  void on_resync_required(const json::object& m) {
    const std::string reason = string_of(m, "reason");
    if (events_.resync_required) events_.resync_required(number_of(m, "rev"), reason);
    start_sync("resync required: " + reason);
  }

  // --- sync: pages of alert_sync from the resume point ------------------------
  void start_sync(const std::string& why) {
    if (syncing_ || !welcomed_) return;
    syncing_ = true;
    ++counters_.resyncs;
    last_error_ = why;
    catch_up_changes_ = 0;
    request_sync_page();
  }

  void request_sync_page() {
    json::object s{{"type", "alert_sync"},
                   {"reqId", "sync-" + std::to_string(next_req_++)},
                   {"sinceRev", cache_.resume_rev()},
                   {"includeAcknowledged", true},
                   {"maxCount", 1000}};
    s["priorities"] = priority_names(config_.subscribed_priorities);
    write(json::serialize(s));
  }

  void on_sync_page(bool ok, const json::value* result) {
    if (!ok || result == nullptr || !result->is_object()) {
      syncing_ = false;  // the next sync interval tries again
      return;
    }
    const json::object& r = result->as_object();
    const json::value* reset = r.if_contains("reset");
    if (reset != nullptr && reset->is_bool() && reset->get_bool()) cache_.reset(cache_.epoch());
    if (const json::value* alerts = r.if_contains("alerts"); alerts != nullptr && alerts->is_array())
      for (const json::value& entry : alerts->as_array())
        if (entry.is_object()) apply(entry.as_object(), false);
    // A page holds the state of every alert changed up to its rev.
    cache_.advance_resume_rev(number_of(r, "rev"));
    const json::value* more = r.if_contains("more");
    if (more != nullptr && more->is_bool() && more->get_bool()) return request_sync_page();
    syncing_ = false;
    if (events_.sync_complete)
      events_.sync_complete(SyncComplete{cache_.resume_rev(), catch_up_changes_, false, false});
  }

  void arm_sync_timer() {
    if (config_.sync_interval.count() <= 0) return;
    sync_timer_.expires_after(config_.sync_interval);
    sync_timer_.async_wait([self = shared_from_this(), generation = generation_](const error_code& ec) {
      if (ec || generation != self->generation_) return;
      if (self->config_.subscribe && self->state_ == ConnectionState::Synced) self->start_sync("periodic sync");
      self->write(json::serialize(json::object{{"type", "get_stats"}, {"reqId", "stats"}}));
      self->arm_sync_timer();
    });
  }

  // --- acknowledgements and requests ---------------------------------------------
  void send_acks() {
    if (!welcomed_) return;
    for (const AckTracker::Send& s : acks_.take_sendable(Clock::now())) {
      json::object ack{{"type", "alert_ack"}, {"reqId", s.req_id}, {"alertId", s.alert_id}};
      if (!s.comment.empty()) ack["comment"] = s.comment;
      write(json::serialize(ack));
    }
    arm_ack_timer();
  }

  void arm_ack_timer() {
    const auto due = acks_.next_due();
    if (!due) return;
    ack_timer_.expires_at(*due);
    ack_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec) return;
      for (const AckOutcome& o : self->acks_.expire(Clock::now())) self->report(o);
      self->send_acks();
      self->arm_ack_timer();
    });
  }

  void report(const AckOutcome& outcome) {
    (outcome.ok ? counters_.acks_ok : counters_.acks_failed)++;
    if (events_.ack_result) events_.ack_result(outcome);
  }

  void send_requests() {
    if (!welcomed_) return;
    for (PendingRequest& r : requests_) {
      if (r.sent) continue;
      r.sent = true;
      r.sent_at = Clock::now();
      write(r.text);
    }
  }

  void fail_sent_requests(const std::string& code, const std::string& why) {
    std::vector<PendingRequest> failed;
    for (auto it = requests_.begin(); it != requests_.end();) {
      if (it->sent) {
        failed.push_back(std::move(*it));
        it = requests_.erase(it);
      } else {
        ++it;
      }
    }
    for (PendingRequest& r : failed) r.on_reply(local_failure(code, why));
  }

  void note_latency(Clock::time_point sent_at) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent_at).count();
    average_latency_ms_ = latency_samples_++ == 0 ? ms : 0.8 * average_latency_ms_ + 0.2 * ms;
  }

  std::size_t current_batch_size() const {
    if (!config_.adaptive_batching) return std::clamp<std::size_t>(config_.batch_size, 10, 100);
    if (relay_batch_size_ != 0) return relay_batch_size_;
    // Until the relay says: what it would pick from our round trips.
    const double low = static_cast<double>(config_.low_latency_threshold.count());
    const double high = static_cast<double>(config_.high_latency_threshold.count());
    if (average_latency_ms_ <= low || high <= low) return 10;
    if (average_latency_ms_ >= high) return 100;
    return 10 + static_cast<std::size_t>(90 * (average_latency_ms_ - low) / (high - low));
  }

  asio::io_context& io_;
  ClientConfig config_;
  ClientEvents events_;
  std::optional<RelayUrl> url_;
  std::optional<asio::ssl::context> tls_;
  std::shared_ptr<WsTransport> transport_;
  std::uint64_t generation_ = 0;  // bumped per connection: stale completions are ignored
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;

  ConnectionState state_ = ConnectionState::Connecting;
  asio::steady_timer reconnect_timer_, connect_timer_, ack_timer_, sync_timer_;
  std::size_t failures_ = 0;
  bool welcomed_ = false;
  bool reconnecting_ = false;

  AlertCache cache_;
  Identity identity_;
  bool catch_up_reset_ = false;
  bool catch_up_reconnect_ = false;
  std::size_t catch_up_changes_ = 0;
  bool syncing_ = false;

  AckTracker acks_;
  std::deque<PendingRequest> requests_;
  std::uint64_t next_req_ = 1;

  ClientStatus::Counters counters_{};
  double average_latency_ms_ = 0;
  std::uint64_t latency_samples_ = 0;
  std::uint64_t relay_batch_size_ = 0;
  std::string last_error_;
  bool refused_ = false;
  std::minstd_rand random_;
};

AlertClient::AlertClient(asio::io_context& io, ClientConfig config, ClientEvents events)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(events))) {}

AlertClient::~AlertClient() { impl_->detach(); }

void AlertClient::start() { impl_->start(); }
void AlertClient::stop() { impl_->stop(); }
void AlertClient::acknowledge(std::string alert_id, std::string comment) {
  impl_->acknowledge(std::move(alert_id), std::move(comment));
}
void AlertClient::request(json::object message, std::function<void(const Reply&)> on_reply) {
  impl_->request(std::move(message), std::move(on_reply));
}
const AlertCache& AlertClient::alerts() const { return impl_->alerts(); }
const Identity& AlertClient::identity() const { return impl_->identity(); }
ConnectionState AlertClient::state() const { return impl_->state(); }
ClientStatus AlertClient::status() const { return impl_->status(); }

std::string AlertClient::export_metrics() const {
  const ClientStatus s = impl_->status();
  const auto& c = s.counters;
  json::object out{
      {"state", connection_state_name(s.state)},
      {"epoch", s.epoch},
      {"rev", s.rev},
      {"alerts", s.alerts},
      {"unacknowledged", s.unacknowledged},
      {"queueSizes",
       {{"outgoing", s.queue_sizes.outgoing}, {"acknowledgments", s.queue_sizes.acknowledgments},
        {"retries", s.queue_sizes.retries}}},
      {"metrics",
       {{"averageLatency", s.metrics.average_latency_ms}, {"successRate", s.metrics.success_rate},
        {"currentBatchSize", s.metrics.current_batch_size}}},
      {"counters",
       {{"connects", c.connects}, {"reconnects", c.reconnects}, {"changesApplied", c.changes_applied},
        {"staleChanges", c.stale_changes}, {"deltaMisses", c.delta_misses}, {"resyncs", c.resyncs},
        {"decodeErrors", c.decode_errors}, {"evicted", c.evicted}, {"acksOk", c.acks_ok},
        {"acksFailed", c.acks_failed}, {"textMessages", c.text_messages}, {"binaryMessages", c.binary_messages}}},
  };
  if (!s.last_error.empty()) out["lastError"] = s.last_error;
  return json::serialize(out);
}

}  // namespace rover_alerts::ground
