#pragma once
// AckTracker: this client's acknowledgements from the call to their outcome.
// An ack waits (not connected yet), is in flight (sent, unanswered) or waits
// for a retry (an attempt failed: no answer within the timeout, a retryable
// error, or the connection dropped). Every ack ends with exactly one outcome:
// ok, or failed after 1 + max_retries attempts, or failed at once on an error
// no retry can change (NOT_FOUND, FORBIDDEN…). At most `capacity` acks are
// tracked; beyond that add() refuses. No clock of its own: callers pass now.

#include <rover_alerts/ground/alert_client.hpp>

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <vector>

namespace rover_alerts::ground {

class AckTracker {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    std::size_t capacity;
    int max_retries;
    std::chrono::milliseconds timeout;
    std::chrono::milliseconds retry_backoff;
  };
  struct Send {
    std::string req_id, alert_id, comment;
  };

  explicit AckTracker(Limits limits) : limits_(limits) {}

  bool add(std::string alert_id, std::string comment);  // false: full
  // What to send now: waiting acks and retries that are due; each is in flight from here.
  std::vector<Send> take_sendable(Clock::time_point now);
  // The relay answered `req_id`. `outcome` is set when the ack is finished
  // (not when a retryable error made it wait for a retry).
  struct Answer {
    bool ours = false;
    std::optional<AckOutcome> outcome;
    Clock::time_point sent_at{};
  };
  Answer answered(const std::string& req_id, bool ok, bool retryable, const std::string& code,
                                     const std::string& message, Clock::time_point now);
  // In-flight acks past their deadline: retried, or failed when out of attempts.
  std::vector<AckOutcome> expire(Clock::time_point now);
  // The connection dropped: every ack in flight becomes a retry (its answer is lost).
  std::vector<AckOutcome> connection_lost(Clock::time_point now);
  std::vector<AckOutcome> fail_all(const std::string& code, const std::string& message);

  std::optional<Clock::time_point> next_due() const;  // the earliest deadline or retry time
  std::size_t waiting() const { return count(Stage::Waiting); }
  std::size_t in_flight() const { return count(Stage::InFlight); }
  std::size_t retrying() const { return count(Stage::RetryWait); }
  std::size_t size() const { return acks_.size(); }

 private:
  enum class Stage { Waiting, InFlight, RetryWait };
  struct Ack {
    std::string alert_id, comment, req_id;
    int attempts = 0;
    Stage stage = Stage::Waiting;
    Clock::time_point due{};
  };
  using Iterator = std::list<Ack>::iterator;

  std::size_t count(Stage stage) const;
  // A failed attempt: a retry later, or the final outcome.
  std::optional<AckOutcome> attempt_failed(Iterator it, const std::string& code, const std::string& message,
                                           Clock::time_point now);
  static AckOutcome outcome(const Ack& ack, bool ok, std::string code, std::string message);

  Limits limits_;
  std::list<Ack> acks_;  // in the order they were made
  std::uint64_t next_req_ = 1;
};

}  // namespace rover_alerts::ground
