#pragma once
// A token bucket: `per_second` refill up to `burst`. Time is passed in, so it
// is deterministic under test. take() may run the bucket into debt (a frame
// already read is charged whole); the owner then waits time_to_clear() before
// reading more. Not thread-safe: one owner.

#include <algorithm>
#include <chrono>

namespace rover_alerts::relay {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double per_second, double burst, Clock::time_point now)
      : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {}

  // Adds what accrued since the last call (never above the burst); returns
  // the amount accrued, capped or not.
  double refill(Clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(std::max(now, last_) - last_).count();
    last_ = std::max(now, last_);
    const double accrued = elapsed * per_second_;
    tokens_ = std::min(burst_, tokens_ + accrued);
    return accrued;
  }
  double tokens() const { return tokens_; }
  void take(double n) { tokens_ -= n; }
  // How long until the bucket holds no debt (zero when it holds none).
  Clock::duration time_to_clear() const {
    if (tokens_ >= 0 || per_second_ <= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / per_second_));
  }

 private:
  double per_second_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace rover_alerts::relay
