#include "relay_metrics.hpp"

#include "support/raw_connection.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <utility>
#include <vector>

namespace rover_alerts::bench {

std::optional<std::string> scrape_metrics(unsigned short port, const std::string& token) {
  auto result = testing::http_request({"127.0.0.1", port}, "/metrics", "Authorization: Bearer " + token + "\r\n");
  if (result.status != 200) return std::nullopt;
  return std::move(result.body);
}

std::optional<double> histogram_quantile(std::string_view metrics, std::string_view name, double q) {
  // name_bucket{le="B"} N lines, cumulative, in increasing le.
  const std::string prefix = std::string(name) + "_bucket{le=\"";
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  std::istringstream lines{std::string(metrics)};
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto quote = line.find('"', prefix.size());
    const auto space = line.rfind(' ');
    if (quote == std::string::npos || space == std::string::npos || space < quote) return std::nullopt;
    const std::string le = line.substr(prefix.size(), quote - prefix.size());
    const double bound = le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le);
    buckets.emplace_back(bound, std::stod(line.substr(space + 1)));
  }
  if (buckets.empty() || buckets.back().second <= 0) return std::nullopt;
  const double rank = q * buckets.back().second;
  double lower = 0, below = 0;
  for (const auto& [bound, count] : buckets) {
    if (count >= rank) {
      if (std::isinf(bound)) return lower;
      if (count == below) return bound;
      return lower + (bound - lower) * (rank - below) / (count - below);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

}  // namespace rover_alerts::bench
