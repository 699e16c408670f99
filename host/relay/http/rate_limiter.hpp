#pragma once
// A client's request rate limit: a token bucket (RateLimit::per_second refill,
// RateLimit::burst capacity). A request finding no token is Limited (answered
// RATE_LIMITED, the session stays open). Limited requests also fill an "abuse"
// level that drains at the refill rate; a client that keeps sending while
// limited — roughly at more than twice its rate — pushes it past
// RateLimit::close_after and is Abusive (the session is closed).
//
// Time is passed in, so the limiter is deterministic under test.

#include "relay_config.hpp"
#include "token_bucket.hpp"

#include <algorithm>
#include <chrono>

namespace rover_alerts::relay {

class RequestRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict { Allowed, Limited, Abusive };

  RequestRateLimiter(const RateLimit& limit, Clock::time_point now)
      : limit_(limit), tokens_(limit.per_second, limit.burst, now) {}

  Verdict on_request(Clock::time_point now) {
    abuse_ = std::max(0.0, abuse_ - tokens_.refill(now));
    if (tokens_.tokens() >= 1.0) {
      tokens_.take(1.0);
      return Verdict::Allowed;
    }
    abuse_ += 1.0;
    return abuse_ > limit_.close_after ? Verdict::Abusive : Verdict::Limited;
  }

 private:
  RateLimit limit_;
  TokenBucket tokens_;
  double abuse_ = 0;
};

}  // namespace rover_alerts::relay
