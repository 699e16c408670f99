#pragma once
// A Prometheus-style histogram with fixed upper bounds (cumulative buckets
// are formed when rendered). Not thread-safe: the relay's io thread only.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace rover_alerts::relay {

template <std::size_t N>
class Histogram {
 public:
  explicit constexpr Histogram(const std::array<double, N>& bounds) : bounds_(bounds) {}

  void observe(double value) {
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    ++counts_[static_cast<std::size_t>(it - bounds_.begin())];  // N: above every bound (+Inf)
    sum_ += value;
    ++count_;
  }

  const std::array<double, N>& bounds() const { return bounds_; }
  // Observations in bucket i (not cumulative); i == N is the +Inf bucket.
  std::uint64_t bucket(std::size_t i) const { return counts_[i]; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::array<double, N> bounds_;
  std::array<std::uint64_t, N + 1> counts_{};
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace rover_alerts::relay
