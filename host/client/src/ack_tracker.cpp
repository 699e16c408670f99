#include "ack_tracker.hpp"

#include <algorithm>

namespace rover_alerts::ground {

bool AckTracker::add(std::string alert_id, std::string comment) {
  if (acks_.size() >= limits_.capacity) return false;
  acks_.push_back(Ack{std::move(alert_id), std::move(comment), {}, 0, Stage::Waiting, {}});
  return true;
}

std::vector<AckTracker::Send> AckTracker::take_sendable(Clock::time_point now) {
  std::vector<Send> out;
  for (Ack& ack : acks_) {
    if (ack.stage == Stage::InFlight || (ack.stage == Stage::RetryWait && ack.due > now)) continue;
    ack.stage = Stage::InFlight;
    ++ack.attempts;
    ack.req_id = "ack-" + std::to_string(next_req_++);
    ack.due = now + limits_.timeout;
    out.push_back(Send{ack.req_id, ack.alert_id, ack.comment});
  }
  return out;
}

AckTracker::Answer AckTracker::answered(const std::string& req_id, bool ok, bool retryable, const std::string& code,
                                        const std::string& message, Clock::time_point now) {
  const auto it = std::find_if(acks_.begin(), acks_.end(),
                               [&](const Ack& a) { return a.stage == Stage::InFlight && a.req_id == req_id; });
  if (it == acks_.end()) return Answer{};
  const Clock::time_point sent_at = it->due - limits_.timeout;
  if (!ok && retryable) return Answer{true, attempt_failed(it, code, message, now), sent_at};
  Answer answer{true, outcome(*it, ok, code, message), sent_at};
  acks_.erase(it);
  return answer;
}

std::vector<AckOutcome> AckTracker::expire(Clock::time_point now) {
  std::vector<AckOutcome> out;
  for (auto it = acks_.begin(); it != acks_.end();) {
    const auto next = std::next(it);
    if (it->stage == Stage::InFlight && it->due <= now)
      if (auto final_outcome = attempt_failed(it, "TIMEOUT", "no answer within the acknowledgement timeout", now))
        out.push_back(std::move(*final_outcome));
    it = next;
  }
  return out;
}

std::vector<AckOutcome> AckTracker::connection_lost(Clock::time_point now) {
  std::vector<AckOutcome> out;
  for (auto it = acks_.begin(); it != acks_.end();) {
    const auto next = std::next(it);
    if (it->stage == Stage::InFlight)
      if (auto final_outcome = attempt_failed(it, "CONNECTION_LOST", "the connection dropped before an answer", now))
        out.push_back(std::move(*final_outcome));
    it = next;
  }
  return out;
}

std::vector<AckOutcome> AckTracker::fail_all(const std::string& code, const std::string& message) {
  std::vector<AckOutcome> out;
  for (const Ack& ack : acks_) out.push_back(outcome(ack, false, code, message));
  acks_.clear();
  return out;
}

std::optional<AckTracker::Clock::time_point> AckTracker::next_due() const {
  std::optional<Clock::time_point> earliest;
  for (const Ack& ack : acks_)
    if (ack.stage != Stage::Waiting && (!earliest || ack.due < *earliest)) earliest = ack.due;
  return earliest;
}

std::size_t AckTracker::count(Stage stage) const {
  return static_cast<std::size_t>(std::count_if(acks_.begin(), acks_.end(), [&](const Ack& a) { return a.stage == stage; }));
}

std::optional<AckOutcome> AckTracker::attempt_failed(Iterator it, const std::string& code, const std::string& message,
                                                     Clock::time_point now) {
  if (it->attempts > limits_.max_retries) {
    AckOutcome result = outcome(*it, false, code, message);
    acks_.erase(it);
    return result;
  }
  // Doubling waits between attempts, as for reconnects.
  it->stage = Stage::RetryWait;
  it->due = now + limits_.retry_backoff * (1 << std::min(it->attempts - 1, 10));
  return std::nullopt;
}

AckOutcome AckTracker::outcome(const Ack& ack, bool ok, std::string code, std::string message) {
  return AckOutcome{ack.alert_id, ok, ack.attempts, std::move(code), std::move(message)};
}

}  // namespace rover_alerts::ground
