#pragma once
// GET /metrics: the relay's counters in the Prometheus text exposition format
// (version 0.0.4). Every series in Counters is rendered, grouped by metric name
// with one `# TYPE <name> counter` line each, so new counters appear without
// touching this code; gauges (values that go up and down) are passed alongside.

#include "counters.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

struct Gauge {
  std::string_view name;  // a plain metric name, no labels
  double value = 0;
};

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const Counters& counters, std::span<const Gauge> gauges = {});

}  // namespace rover_alerts::relay
