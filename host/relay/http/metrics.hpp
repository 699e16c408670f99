#pragma once
// GET /metrics: the relay's counters in the Prometheus text exposition format
// (version 0.0.4), `# HELP` and `# TYPE` on every family (metrics.cpp holds
// the table of names, types and help texts). Every series in Counters is
// rendered, grouped by metric name, so new counters appear without touching
// this code; gauges (values that go up and down) are passed alongside.

#include "counters.hpp"
#include "delivery/delivery_metrics.hpp"
#include "delivery/publisher.hpp"
#include "store/alarm_rates.hpp"
#include "store/alert_journal.hpp"
#include "store/alert_store.hpp"
#include "store/rover_link_stats.hpp"

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
// The store's alerts by priority and state, and the delivery engine's figures.
std::string render_delivery_metrics(const DeliveryMetrics& metrics, const Publisher::Depths& depths,
                                    std::size_t subscribers, const StoreStats& store);
// Each rover's link and ingest (labelled by rover id), and the journal's
// commit latency when a journal is given.
std::string render_link_metrics(const RoverLinkStats& links, const JournalCounters* journal);
// The ISA-18.2 figures: alarm rate per window (overall, per rover), flood state,
// chattering keys, annunciations by priority over the KPI window.
std::string render_alarm_metrics(const AlarmRates& rates, const AlertStore& store, std::uint64_t now_ms);

}  // namespace rover_alerts::relay
