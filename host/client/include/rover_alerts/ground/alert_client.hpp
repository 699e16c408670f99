#pragma once
// AlertClient: a resilient operator client of alert-relay (protocol.md) on
// Boost.Beast. It connects (ws:// or wss:// with certificate checks),
// authenticates, subscribes, keeps an AlertCache by the protocol's rules and
// reconnects by itself with exponential backoff and jitter, resyncing from
// the last rev it holds (a new epoch, or a reset, discards the cache).
// Acknowledgements made while disconnected wait in a bounded queue, go out
// after reconnecting and are retried up to max_retries times.
//
// Single-threaded like Beast's own objects: construct, call and destroy it on
// the io_context's thread; every event handler runs there.

#include <rover_alerts/ground/alert.hpp>
#include <rover_alerts/ground/alert_cache.hpp>
#include <rover_alerts/ground/client_config.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rover_alerts::ground {

enum class ConnectionState {
  Connecting,    // first connection under way
  Connected,     // authenticated; subscribed, catch-up under way
  Synced,        // catch-up complete: the cache is the relay's state, live from here
  Reconnecting,  // lost; waiting for the next attempt
  Stopped,       // stop(), or a refusal no retry can change (bad token), or max_connect_attempts
};
std::string_view connection_state_name(ConnectionState s);

struct Identity {
  std::string client_id, user, role;
};

// The end of a catch-up: first subscription, reconnect, or after resync_required.
struct SyncComplete {
  std::uint64_t rev = 0;
  std::size_t recovered = 0;  // changes applied by this catch-up
  bool reset = false;         // the cache was discarded first (new epoch, or history pruned)
  bool reconnect = false;     // after a lost connection
};

// Someone acknowledged an alert (the relay's alert_ack notice).
struct AckNotice {
  std::string alert_id, acknowledged_by, comment;
  std::int64_t acknowledged_at = 0;
  std::uint64_t rev = 0;
};

// What became of one of this client's acknowledgements.
struct AckOutcome {
  std::string alert_id;
  bool ok = false;
  int attempts = 0;
  std::string code;     // the relay's error code, or TIMEOUT, QUEUE_FULL, STOPPED
  std::string message;
};

// The answer to a request: `result` when ok, else the relay's error (or a
// local one: CONNECTION_LOST, QUEUE_FULL, STOPPED).
struct Reply {
  bool ok = false;
  boost::json::value result;
  std::string code, message;
};

// The seed's getAlertStatus().
struct ClientStatus {
  ConnectionState state = ConnectionState::Connecting;
  std::string epoch;
  std::uint64_t rev = 0;  // resume point
  std::size_t alerts = 0;
  std::size_t unacknowledged = 0;  // alerts owed an acknowledgement (info only without auto_acknowledge_info)
  struct {
    std::size_t outgoing = 0;         // requests waiting to be sent
    std::size_t acknowledgments = 0;  // acks sent, not yet answered
    std::size_t retries = 0;          // acks waiting for a retry
  } queue_sizes;
  struct {
    double average_latency_ms = 0;    // request round trip, moving average
    double success_rate = 1;          // acks that succeeded / acks finished
    std::size_t current_batch_size = 0;
  } metrics;
  struct Counters {
    std::uint64_t connects = 0, reconnects = 0, changes_applied = 0, stale_changes = 0, delta_misses = 0,
                  resyncs = 0, decode_errors = 0, evicted = 0, acks_ok = 0, acks_failed = 0, text_messages = 0,
                  binary_messages = 0;
  } counters;
  std::string last_error;
  bool refused = false;  // the relay refused the token or the connection (401, 403, UNAUTHENTICATED): no retry helps
};

// Event handlers; each may be empty. They run on the io_context's thread.
struct ClientEvents {
  std::function<void(const AlertChange&, const Alert* now)> alert;  // now: nullptr once removed
  std::function<void(const AckNotice&)> acknowledged;
  std::function<void(const SyncComplete&)> sync_complete;
  std::function<void(ConnectionState, std::string_view why)> connection_state;
  std::function<void(const AckOutcome&)> ack_result;
  std::function<void(std::uint64_t rev, std::string_view reason)> resync_required;
  // Any other message from the relay (alarm_flood, and kinds newer than this library).
  std::function<void(const boost::json::object&)> notice;
};

class AlertClient {
 public:
  AlertClient(boost::asio::io_context& io, ClientConfig config, ClientEvents events = {});
  ~AlertClient();  // stops
  AlertClient(const AlertClient&) = delete;
  AlertClient& operator=(const AlertClient&) = delete;

  void start();  // connects, and keeps reconnecting until stop()
  void stop();   // closes; whatever is pending is reported failed (STOPPED)

  // Acknowledges an alert: sent now, or queued until connected; the outcome
  // comes through on_ack_result.
  void acknowledge(std::string alert_id, std::string comment = {});
  // Any other request (alert_create, alert_clear, alert_sync, get_stats): `type`
  // and fields as protocol.md shows them; the client adds `reqId`. Queued until
  // connected; a request in flight when the connection drops fails with
  // CONNECTION_LOST (it may or may not have been carried out).
  void request(boost::json::object message, std::function<void(const Reply&)> on_reply);

  const AlertCache& alerts() const;
  const Identity& identity() const;
  ConnectionState state() const;
  ClientStatus status() const;
  std::string export_metrics() const;  // status() as JSON

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace rover_alerts::ground
