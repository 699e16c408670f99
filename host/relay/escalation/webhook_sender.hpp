#pragma once
// WebhookSender: escalations notified outward by HTTP POST (JSON), over
// TLS for https URLs (the receiver's certificate verified, its host name
// checked), on the relay's io loop, never blocking it. Bounded: at most
// `max_pending_notifications` notifications are queued or waiting to retry
// (past it the oldest is dropped and reported), at most kMaxInFlight
// attempts run at once, each within its webhook's timeout (connect, write
// and answer together), so a receiver that hangs holds a few sockets for a
// few seconds and nothing else. A failed attempt (no connection, timeout, a
// status other than 2xx) is retried with exponential backoff and jitter up
// to the webhook's max_attempts; every attempt's outcome is reported, and
// the relay journals each in its audit trail.

#include "escalation/escalation_policy.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace rover_alerts::relay {

struct WebhookReport {
  std::string notification_id;  // the owner's: the alert's id and level
  std::string webhook;
  unsigned attempt = 0;
  std::string outcome;  // delivered, retrying, failed (no attempts left), dropped (queue full)
  std::string detail;   // "HTTP 200", "HTTP 500", "timeout", "connection refused", …
};

struct WebhookStats {
  std::uint64_t delivered = 0, failed = 0, retried = 0, dropped = 0;
  std::size_t pending = 0;    // queued, in flight or waiting to retry
  std::size_t in_flight = 0;
};

// The Host header for a webhook's endpoint: an IPv6 literal in brackets.
std::string host_header(const WebhookUrl& endpoint);

class WebhookSender {
 public:
  static constexpr std::size_t kMaxInFlight = 4;
  // DroppedOldest: queued, the oldest waiting notification gave way to it.
  // DroppedNew: every pending notification is in flight or retrying, so this
  // one was dropped. Both are reported (outcome "dropped") and counted.
  enum class EnqueueStatus : std::uint8_t { Queued, DroppedOldest, DroppedNew, UnknownWebhook };

  // Throws std::runtime_error when an https target's CAs cannot be loaded.
  WebhookSender(boost::asio::any_io_executor executor, std::vector<WebhookTarget> targets,
                std::size_t max_pending);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void set_reporter(std::function<void(const WebhookReport&)> report) { report_ = std::move(report); }
  EnqueueStatus enqueue(const std::string& webhook, std::string body, std::string notification_id);
  const WebhookStats& stats() const { return stats_; }
  // Cancels every attempt and retry timer (the relay's shutdown); nothing more is sent.
  void stop();

 private:
  struct Job;
  class Attempt;
  void pump();
  void finished(std::shared_ptr<Job> job, bool delivered, std::string detail);
  void report(const Job& job, std::string_view outcome, std::string detail);

  boost::asio::any_io_executor executor_;
  std::vector<WebhookTarget> targets_;
  std::vector<std::unique_ptr<boost::asio::ssl::context>> tls_contexts_;  // per target; null for http
  std::size_t max_pending_;
  std::deque<std::shared_ptr<Job>> queue_;  // ready to send, oldest first
  std::vector<std::weak_ptr<Attempt>> attempts_;
  std::vector<std::weak_ptr<Job>> retrying_;  // jobs on their backoff timer
  bool stopped_ = false;
  WebhookStats stats_;
  std::minstd_rand jitter_{std::random_device{}()};
  std::function<void(const WebhookReport&)> report_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for callbacks that outlive the sender
};

}  // namespace rover_alerts::relay
