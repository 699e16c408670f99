#pragma once
// Named event counters (Prometheus-style series such as
// `link_frames_rejected_total{reason="too_large"}`), for /metrics and get_stats.
//
// Not thread-safe: touched from the relay's single io thread only.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class Counters {
 public:
  void increment(const std::string& series, std::uint64_t by = 1) { values_[series] += by; }
  std::uint64_t value(const std::string& series) const;
  const std::map<std::string, std::uint64_t>& all() const { return values_; }

  // `name{label="value"}`
  static std::string series(std::string_view name, std::string_view label, std::string_view value);

 private:
  std::map<std::string, std::uint64_t> values_;
};

}  // namespace rover_alerts::relay
