#pragma once
// The relay: owns the store, the delivery side, both listeners and the io loop.
//
// Threading: one io_context run by one thread. Every session, the store, its
// journal and the publisher live on it, so none of them lock.
//
// Durability: the store is restored from its journal (data_dir/alerts.db) at
// construction - which throws JournalError when the database cannot be used.
// Every change is recorded by the journal; the first change of a batch posts a
// flush to the io loop, so everything that happens in one loop turn shares one
// commit, after which link sessions acknowledge what became durable and the
// batch's changes are published to clients (never before: a client must not
// see a rev that a crash could give to another change).
// A housekeeping timer expires alerts (armed for the store's next expiry, at
// least once a second), prunes old history and retries failed commits.

#include "auth/token_file.hpp"
#include "counters.hpp"
#include "delivery/publisher.hpp"
#include "escalation/escalation_scheduler.hpp"
#include "escalation/webhook_sender.hpp"
#include "http/http_context.hpp"
#include "link/link_context.hpp"
#include "protocol/request_decoder.hpp"
#include "relay_config.hpp"
#include "session_registry.hpp"
#include "store/alert_journal.hpp"
#include "store/alert_store.hpp"
#include "store/rover_link_stats.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <vector>

namespace rover_alerts::relay {

class HttpSession;
class TcpListener;
class LinkSession;
class WebsocketSession;

class RelayServer {
 public:
  // `rover_keys`: from config.rovers_path; null when none is given.
  RelayServer(RelayConfig config, TokenFile tokens, std::shared_ptr<const RoverKeys> rover_keys);
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

  // Binds both listeners; throws boost::system::system_error if either fails.
  void bind();
  boost::asio::ip::tcp::endpoint http_endpoint() const;
  boost::asio::ip::tcp::endpoint link_endpoint() const;

  // Serves until SIGINT or SIGTERM, then shuts down gracefully. SIGHUP
  // rereads the tokens and rovers files (reload()).
  void run();
  // Rereads --tokens and --rovers; a file that fails to load keeps what the
  // relay has (logged, counted). Open sessions stay as they are.
  void reload();

  // False while the journal cannot commit (acks to rovers are held back).
  bool journal_healthy() const { return journal_->healthy(); }

 private:
  void stop();
  void wait_for_reload();
  void flush_journal();  // synchronous: at shutdown
  void poll_journal();   // a batch was written: complete it
  void publish_showable();  // the urgent changes the store reported since the last call
  void count_journal(const JournalCounters& before);
  void arm_housekeeping(std::uint64_t now);
  void housekeeping();
  void end_shelves(std::uint64_t now);
  void escalate(std::uint64_t now);
  void count_annunciation(const AlertChange& change);
  void announce_flood(const std::optional<FloodChange>& change);

  RelayConfig config_;
  TokenFile tokens_;
  RequestDecoder decoder_;
  Counters counters_;
  AlertStore store_;
  std::unique_ptr<AlertJournal> journal_;
  std::vector<AlertChange> unpublished_;  // recorded, not yet committed
  std::vector<AlertChange> showable_;     // urgent, within the rev reservation: published at once
  RoverLinkStats link_stats_;
  AlarmRates alarm_rates_;
  AuditLog audit_log_;  // journal_ keeps what it appends (AuditRecorder)
  EscalationScheduler escalations_;
  Publisher publisher_;
  SessionRegistry<LinkSession> link_sessions_;
  SessionRegistry<HttpSession> http_sessions_;
  SessionRegistry<WebsocketSession> websocket_sessions_;
  LinkContext link_context_;
  AlertRequestHandler alert_requests_;
  HttpContext http_context_;

  // Declared after everything sessions refer to: destroying the io_context
  // destroys pending handlers, and with them the last sessions, first.
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer housekeeping_timer_;
  std::uint64_t housekeeping_due_ms_ = 0;  // unix ms the timer is armed for; 0: not armed
  std::unique_ptr<WebhookSender> webhooks_;  // after io_: it goes first, cancelling its sockets and timers
  std::shared_ptr<TcpListener> link_listener_;
  std::shared_ptr<TcpListener> http_listener_;
};

}  // namespace rover_alerts::relay
