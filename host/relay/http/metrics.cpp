#include "http/metrics.hpp"

#include <map>
#include <sstream>
#include <utility>
#include <vector>

namespace rover_alerts::relay {

std::string render_metrics(const Counters& counters, std::span<const Gauge> gauges) {
  // Series of one name must be contiguous; the map's own order would put
  // `a_total_x` between `a_total` and `a_total{...}`.
  std::map<std::string_view, std::vector<std::pair<std::string_view, std::uint64_t>>> families;
  for (const auto& [series, value] : counters.all()) {
    const std::string_view s = series;
    families[s.substr(0, s.find('{'))].emplace_back(s, value);
  }
  std::ostringstream out;
  for (const auto& [name, series] : families) {
    out << "# TYPE " << name << " counter\n";
    for (const auto& [text, value] : series) out << text << ' ' << value << '\n';
  }
  for (const Gauge& gauge : gauges) {
    out << "# TYPE " << gauge.name << " gauge\n" << gauge.name << ' ' << gauge.value << '\n';
  }
  return out.str();
}

}  // namespace rover_alerts::relay
