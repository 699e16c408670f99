#include "relay_server.hpp"

#include "tcp_listener.hpp"
#include "http/http_session.hpp"
#include "http/websocket_session.hpp"
#include "link/link_session.hpp"
#include "log.hpp"
#include "protocol/alarm_json.hpp"
#include "protocol/alert_json.hpp"
#include "protocol/suppression_json.hpp"
#include "escalation/escalation_message.hpp"
#include "unix_time.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <csignal>
#include <span>

namespace rover_alerts::relay {

namespace asio = boost::asio;

namespace {

// After a stop signal, sessions get this long to say goodbye.
constexpr std::chrono::seconds kShutdownGrace{3};
// Housekeeping runs at least this often (history pruning, commit retries).
constexpr std::uint64_t kHousekeepingPeriodMs = 1000;

asio::ip::tcp::endpoint endpoint_of(const HostPort& host_port) {
  const std::string host = host_port.host == "localhost" ? std::string("127.0.0.1") : host_port.host;
  return {asio::ip::make_address(host), host_port.port};
}

DecoderLimits decoder_limits(const ClientLimits& limits) {
  DecoderLimits decoder;
  decoder.max_message_bytes = limits.max_request_bytes;
  decoder.max_depth = limits.max_json_depth;
  decoder.fields = limits.fields;
  return decoder;
}

}  // namespace

RelayServer::RelayServer(RelayConfig config, TokenFile tokens, std::shared_ptr<const RoverKeys> rover_keys)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      decoder_(decoder_limits(config_.clients)),
      store_(std::string(), config_.store.history),
      alarm_rates_(config_.alarms),
      audit_log_(config_.audit),
      escalations_(config_.escalation),
      publisher_(store_, config_.clients.delivery),
      link_context_{config_.link, store_, link_stats_, counters_, link_sessions_, {}, nullptr, {}, false, true, {}},
      alert_requests_(
          store_, publisher_, link_stats_,
          [this](const Alert& alert) { forward_operator_ack(link_context_, alert); },
          [this](std::function<void()> callback) { journal_->after_commit(std::move(callback)); },
          [this](std::uint64_t rev, std::function<void()> callback) {
            // Behind the changes posted by the store's observer, so an ack's
            // change goes out before its notice.
            if (rev <= journal_->reserved_rev()) asio::post(io_, std::move(callback));
            else journal_->after_commit(std::move(callback));
          }),
      http_context_{config_.clients, tokens_,   decoder_,        store_,         publisher_,
                    alert_requests_, counters_, http_sessions_, websocket_sessions_, 1},
      signals_(io_, SIGINT, SIGTERM),
      reload_signals_(io_, SIGHUP),
      housekeeping_timer_(io_) {
  journal_ = AlertJournal::open(config_.data_dir / "alerts.db", config_.store.journal, store_, &audit_log_);
  webhooks_ = std::make_unique<WebhookSender>(io_.get_executor(), config_.escalation.webhooks,
                                              config_.escalation.max_pending_notifications);
  webhooks_->set_reporter([this](const WebhookReport& report) {
    // Every attempt is in the audit trail, as the escalation is.
    counters_.increment(Counters::series("webhook_attempts_total", "outcome", report.outcome));
    audit_log_.append(AuditEntry{0, unix_ms_now(), {}, {}, {}, "webhook", report.notification_id, report.outcome,
                                 report.webhook + ", attempt " + std::to_string(report.attempt) + ": " + report.detail});
  });
  store_.set_max_alerts_per_rover(config_.link.max_alerts_per_rover);
  publisher_.start(io_.get_executor(), store_.rev());
  // Urgent changes go before any slice of routine writes.
  publisher_.set_urgent_flush([this] { publish_showable(); });
  http_context_.healthy = [this] { return journal_->healthy(); };
  http_context_.after_commit = [this](std::function<void()> then) { journal_->after_commit(std::move(then)); };
  http_context_.links = &link_stats_;
  http_context_.journal = &journal_->counters();
  alert_requests_.set_journal(&journal_->counters());
  alert_requests_.set_permissions(config_.permissions);
  alert_requests_.set_suppression_limits(config_.suppression);
  store_.set_suppression_limits(config_.suppression);
  alert_requests_.set_alarm_rates(&alarm_rates_);
  http_context_.alarms = &alarm_rates_;
  http_context_.sign_in.set_audit_log(&audit_log_);
  alert_requests_.set_audit_log(&audit_log_);
  store_.set_recorder(journal_.get());
  link_context_.journal = journal_.get();
  link_context_.rover_keys = std::move(rover_keys);
  link_context_.insecure_links = config_.insecure_links;
  journal_->set_flush_scheduler([this] { asio::post(io_, [this] { journal_->start_flush(); }); });
  // The journal writes on its own thread and wakes the io thread when done.
  journal_->set_waker([this] { asio::post(io_, [this] { poll_journal(); }); });
  journal_->set_commit_listener([this] {
    // Clients see only committed changes: a rev a client has seen is never
    // reused for something else after a crash. Changes recorded while the
    // batch was being written wait for the next commit.
    const std::uint64_t committed = journal_->committed_rev();
    std::size_t published = 0;
    while (published < unpublished_.size() && unpublished_[published].rev <= committed) ++published;
    publisher_.publish(std::span<const AlertChange>(unpublished_.data(), published), committed);
    unpublished_.erase(unpublished_.begin(), unpublished_.begin() + static_cast<std::ptrdiff_t>(published));
    link_sessions_.for_each([](LinkSession& session) { session.on_durable(); });
  });
  store_.set_observer([this](const AlertChange& change) {
    // Encoded once, at publication, and the same buffer goes to every
    // session. Urgent changes go out before their commit while their rev is
    // reserved (AlertJournal::reserved_rev() says why no client can keep one
    // a crash undoes); the rest after it.
    if (delivery_class(change.alert.priority) == DeliveryClass::Urgent && change.rev <= journal_->reserved_rev()) {
      // A routine change of this alert not yet published is superseded.
      std::erase_if(unpublished_, [&](const AlertChange& queued) { return queued.alert.id == change.alert.id; });
      if (showable_.empty()) asio::post(io_, [this] { publish_showable(); });
      showable_.push_back(change);
    } else {
      unpublished_.push_back(change);
    }
    count_annunciation(change);
    if (config_.escalation.any()) escalations_.on_change(change, unix_ms_now());
    // An alert that expires before the timer fires: bring the timer forward.
    if (change.alert.expires_at_ms != 0 && housekeeping_due_ms_ != 0 &&
        change.alert.expires_at_ms < housekeeping_due_ms_ &&
        (change.type == ChangeType::New || change.type == ChangeType::Update))
      arm_housekeeping(unix_ms_now());
  });
  // The journal restores the store without reporting changes: what was owed
  // an escalation before a restart is owed it again, counted from now.
  if (config_.escalation.any()) {
    const std::uint64_t now = unix_ms_now();
    store_.for_each_alert([&](const Alert& alert) {
      escalations_.on_change(AlertChange{ChangeType::Update, alert, alert.rev}, now);
      return true;
    });
  }
}

RelayServer::~RelayServer() {
  publisher_.stop();  // its timer goes while the io_context exists
  store_.set_recorder(nullptr);
  if (journal_) {
    journal_->set_waker(nullptr);  // io_ goes before journal_
    journal_->flush();
  }
}

void RelayServer::count_journal(const JournalCounters& before) {
  const JournalCounters& after = journal_->counters();
  if (after.commits > before.commits) counters_.increment("journal_commits_total", after.commits - before.commits);
  if (after.commit_failures > before.commit_failures)
    counters_.increment("journal_commit_failures_total", after.commit_failures - before.commit_failures);
}

void RelayServer::publish_showable() {
  if (showable_.empty()) return;
  std::vector<AlertChange> changes;
  changes.swap(showable_);
  publisher_.publish_before_commit(changes);
}

void RelayServer::poll_journal() {
  const JournalCounters before = journal_->counters();
  journal_->poll();
  count_journal(before);
}

void RelayServer::flush_journal() {
  const JournalCounters before = journal_->counters();
  journal_->flush();
  count_journal(before);
}

void RelayServer::arm_housekeeping(std::uint64_t now) {
  std::uint64_t due = now + kHousekeepingPeriodMs;
  if (const auto expiry = store_.next_expiry()) due = std::min(due, std::max(*expiry, now));
  if (const auto shelf = store_.next_shelf_expiry()) due = std::min(due, std::max(*shelf, now));
  if (const auto escalation = escalations_.next_due_ms()) due = std::min(due, std::max(*escalation, now));
  housekeeping_due_ms_ = due;
  housekeeping_timer_.expires_after(std::chrono::milliseconds(due - now));
  housekeeping_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) housekeeping();
  });
}

void RelayServer::housekeeping() {
  const std::uint64_t now = unix_ms_now();
  if (const std::size_t expired = store_.expire(now); expired > 0) counters_.increment("alerts_expired_total", expired);
  end_shelves(now);
  escalate(now);
  store_.prune_history(now);
  announce_flood(alarm_rates_.tick(now));
  audit_log_.prune(now);
  // Retries a failed commit; otherwise the posted flush handles the batch.
  if (!journal_->healthy()) journal_->start_flush();
  arm_housekeeping(now);
}

// Every screen is warned shortly before a shelf ends (within a housekeeping
// period); when it ends, the alert's change announces it again, and the
// audit trail says so. Key shelves ending change the `suppressions` list.
void RelayServer::end_shelves(std::uint64_t now) {
  for (const ShelfEnded& soon : store_.take_shelf_warnings(now, config_.suppression.shelve_warning_s * 1000))
    publisher_.broadcast_notice(std::make_shared<const std::string>(shelve_expiring_message(soon)));
  const std::vector<ShelfEnded> ended = store_.expire_shelves(now);
  if (ended.empty()) return;
  counters_.increment("alarm_shelves_expired_total", ended.size());
  bool key_shelves = false;
  for (const ShelfEnded& shelf : ended) {
    key_shelves = key_shelves || shelf.shelf.by_key;
    audit_log_.append(AuditEntry{0, now, {}, {}, {}, "shelf_expired", shelf.alert_id, "ok",
                                 (shelf.rover.empty() ? "" : shelf.rover + "/") + shelf.key + " shelved by " +
                                     shelf.shelf.by + ": " + shelf.shelf.reason});
  }
  if (key_shelves) {
    journal_->after_commit([this, notice = std::make_shared<const std::string>(suppressions_json(store_, true))] {
      publisher_.broadcast_notice(notice);
    });
  }
}

// An alert unacknowledged past its policy's time is announced again to every
// client and, with a webhook, notified outward; one acknowledged past its
// acknowledgement timeout while its condition holds is taken back.
void RelayServer::escalate(std::uint64_t now) {
  for (const EscalationDue& due : escalations_.take_due(now)) {
    const std::optional<Alert> alert = store_.find_by_id(due.alert_id);
    if (!alert) continue;
    const std::string priority(to_string(due.priority));
    if (due.kind == EscalationDue::Kind::AckExpired) {
      if (!store_.rearm(due.alert_id, now)) continue;
      counters_.increment(Counters::series("alarm_acks_expired_total", "priority", priority));
      audit_log_.append(AuditEntry{0, now, {}, {}, {}, "ack_expired", due.alert_id, "ok",
                                   "acknowledged by " + alert->acknowledged_by + ", still active"});
      continue;
    }
    counters_.increment(Counters::series("alarm_escalations_total", "priority", priority));
    publisher_.broadcast_notice(std::make_shared<const std::string>(escalation_notice(*alert, due, now)));
    const std::string& webhook = config_.escalation.by_priority[static_cast<std::size_t>(due.priority)].webhook;
    audit_log_.append(AuditEntry{0, now, {}, {}, {}, "escalation", due.alert_id, "ok",
                                 "level " + std::to_string(due.level) + " of " + std::to_string(due.max_level) +
                                     (webhook.empty() ? "" : ", webhook " + webhook)});
    if (!webhook.empty())
      webhooks_->enqueue(webhook, escalation_webhook_body(*alert, due, now, store_.epoch()), due.alert_id);
  }
}

// An annunciation is a new alert or a re-raise (one more occurrence); acks,
// clears and removals are not alarms, nor is anything shelved or out of service.
void RelayServer::count_annunciation(const AlertChange& change) {
  const bool raised = change.type == ChangeType::New ||
                      (change.type == ChangeType::Update && (change.changed & kFieldOccurrences) != 0);
  if (!raised || change.alert.suppressed()) return;
  announce_flood(alarm_rates_.on_annunciation(
      AlarmEvent{change.alert.id, change.alert.rover, change.alert.key, change.alert.priority, unix_ms_now()}));
}

// Every screen learns at once that a flood started (with its first-out alarm) or ended.
void RelayServer::announce_flood(const std::optional<FloodChange>& change) {
  if (!change) return;
  counters_.increment(change->started ? "alarm_floods_started_total" : "alarm_floods_ended_total");
  log::warn("relay: alarm flood ", change->started ? "started" : "ended", ", ", change->rate, " alarms in the last ",
            config_.alarms.window_ms / 1000, " s");
  publisher_.broadcast_notice(std::make_shared<const std::string>(alarm_flood_message(*change, config_.alarms)));
}

void RelayServer::bind() {
  link_listener_ = std::make_shared<TcpListener>(io_, endpoint_of(config_.link_listen), "link",
                                                 [this](asio::ip::tcp::socket socket) {
                                                   std::make_shared<LinkSession>(std::move(socket), link_context_)->start();
                                                 });
  http_listener_ = std::make_shared<TcpListener>(io_, endpoint_of(config_.http_listen), "http",
                                                 [this](asio::ip::tcp::socket socket) {
                                                   std::make_shared<HttpSession>(std::move(socket), http_context_)->start();
                                                 });
}

asio::ip::tcp::endpoint RelayServer::http_endpoint() const { return http_listener_->local_endpoint(); }

asio::ip::tcp::endpoint RelayServer::link_endpoint() const { return link_listener_->local_endpoint(); }

void RelayServer::run() {
  bool stopping = false;
  signals_.async_wait([this, &stopping](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("relay: signal ", signal, ", shutting down");
    stopping = true;
    stop();
    io_.stop();
  });
  wait_for_reload();
  link_listener_->start();
  http_listener_->start();
  arm_housekeeping(unix_ms_now());
  io_.run();
  if (stopping) {
    // Let the close handshakes started by stop() run; returns as soon as no
    // work is left, or after the grace period.
    io_.restart();
    io_.run_for(kShutdownGrace);
  }
}

void RelayServer::wait_for_reload() {
  reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reload();
    wait_for_reload();
  });
}

void RelayServer::reload() {
  const auto audit = [this](std::string_view outcome, std::string detail) {
    audit_log_.append(AuditEntry{0, unix_ms_now(), {}, {}, {}, "reload", {}, std::string(outcome), std::move(detail)});
  };
  const auto failed = [this, &audit](std::string_view what, const SecretFileError& error,
                                     const std::filesystem::path& path) {
    counters_.increment(Counters::series("relay_reloads_total", "result", "failed"));
    log::error("relay: reload: ", what, " kept: ", error.describe(path.string()));
    audit("failed", std::string(what) + " kept: " + error.describe(path.string()));
  };
  SecretFileError error;
  auto tokens = TokenFile::load(config_.tokens_path, error);
  if (!tokens) return failed("users", error, config_.tokens_path);
  std::shared_ptr<const RoverKeys> rovers;
  if (!config_.rovers_path.empty()) {
    auto loaded = RoverKeys::load(config_.rovers_path, error);
    if (!loaded) return failed("rover keys", error, config_.rovers_path);
    rovers = std::make_shared<const RoverKeys>(std::move(*loaded));
  }
  tokens_ = std::move(*tokens);
  link_context_.rover_keys = std::move(rovers);
  counters_.increment(Counters::series("relay_reloads_total", "result", "ok"));
  log::info("relay: reloaded ", tokens_.size(), " users and ",
            link_context_.rover_keys ? link_context_.rover_keys->size() : 0, " rovers; open sessions unchanged");
  audit("ok", std::to_string(tokens_.size()) + " users, " +
                  std::to_string(link_context_.rover_keys ? link_context_.rover_keys->size() : 0) + " rovers");
}

void RelayServer::stop() {
  reload_signals_.cancel();
  housekeeping_timer_.cancel();
  flush_journal();
  link_listener_->stop();
  http_listener_->stop();
  publisher_.stop();
  webhooks_->stop();
  link_sessions_.for_each([](LinkSession& session) { session.close("relay shutting down"); });
  http_sessions_.for_each([](HttpSession& session) { session.close(); });
  websocket_sessions_.for_each([](WebsocketSession& session) { session.shutdown(); });
}

}  // namespace rover_alerts::relay
