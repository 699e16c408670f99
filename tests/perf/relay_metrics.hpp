#pragma once
// What the delivery suite reads from the relay itself: GET /metrics, and a
// quantile of one of its histograms, estimated as Prometheus's
// histogram_quantile() does (linear within the bucket that holds it). The
// relay's own share of a latency is what separates it from the host's.

#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::bench {

// The /metrics text of the relay at 127.0.0.1:`port`; nullopt when the
// request fails or is not answered 200.
std::optional<std::string> scrape_metrics(unsigned short port, const std::string& token);

// The q-quantile (0 < q < 1) of histogram `name` in `metrics`, in the
// histogram's unit; nullopt when it has no observations. Past its last finite
// bound: that bound (as Prometheus).
std::optional<double> histogram_quantile(std::string_view metrics, std::string_view name, double q);

}  // namespace rover_alerts::bench
