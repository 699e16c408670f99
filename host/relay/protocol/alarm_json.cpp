#include "protocol/alarm_json.hpp"

#include <boost/json/serialize.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

json::object event_json(const AlarmEvent& e) {
  json::object out{{"id", e.id}, {"key", e.key}, {"priority", to_string(e.priority)}, {"at", e.at_ms}};
  if (!e.rover.empty()) out.emplace("rover", e.rover);
  return out;
}

json::array keys_json(const std::vector<KeyFrequency>& keys) {
  json::array out;
  for (const KeyFrequency& k : keys) {
    json::object entry{{"key", k.key}, {"count", k.count}};
    if (!k.rover.empty()) entry.emplace("rover", k.rover);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

std::string alarm_flood_message(const FloodChange& change, const AlarmRateLimits& limits) {
  json::object out{{"type", "alarm_flood"},
                   {"active", change.started},
                   {"at", change.at_ms},
                   {"rate", change.rate},
                   {"windowMs", limits.window_ms},
                   {"floodStart", limits.flood_start},
                   {"floodEnd", limits.flood_end}};
  if (change.first_out) out.emplace("firstOut", event_json(*change.first_out));
  return json::serialize(out);
}

json::object alarm_figures(const AlarmRates& rates, const StoreStats& store, std::uint64_t now_ms) {
  const AlarmRateLimits& limits = rates.limits();
  json::object by_rover;
  for (const auto& [rover, rate] : rates.rate_by_rover(now_ms)) by_rover.emplace(rover, rate);
  json::object flood{{"active", rates.in_flood()},
                     {"count", rates.floods()},
                     {"start", limits.flood_start},
                     {"end", limits.flood_end}};
  if (const auto since = rates.flood_since_ms()) flood.emplace("since", *since);
  if (rates.in_flood() && rates.first_out()) flood.emplace("firstOut", event_json(*rates.first_out()));

  // ISA-18.2's target shares: about 5 % critical (its "high"), 15 % high, 80 %
  // the rest; info alerts are notifications and not counted.
  const auto counts = rates.by_priority(now_ms);
  std::uint64_t total = 0;
  for (std::size_t p = 0; p + 1 < kPriorityCount; ++p) total += counts[p];
  json::object by_priority, share;
  for (std::size_t p = 0; p + 1 < kPriorityCount; ++p) {
    const auto name = to_string(static_cast<Priority>(p));
    by_priority.emplace(name, counts[p]);
    share.emplace(name, total == 0 ? 0.0 : static_cast<double>(counts[p]) / static_cast<double>(total));
  }
  json::object standing{{"count", store.standing}, {"afterMs", limits.standing_after_ms}};
  if (store.standing > 0)
    standing.emplace("oldest", json::object{{"id", store.oldest_standing_id}, {"since", store.oldest_standing_since_ms}});
  return json::object{{"windowMs", limits.window_ms},
                      {"rate", rates.rate(now_ms)},
                      {"rateByRover", std::move(by_rover)},
                      {"flood", std::move(flood)},
                      {"chattering", keys_json(rates.chattering(now_ms))},
                      {"topKeys", keys_json(rates.top_keys(now_ms))},
                      {"kpiWindowMs", limits.kpi_window_ms},
                      {"byPriority", std::move(by_priority)},
                      {"priorityShare", std::move(share)},
                      {"standing", std::move(standing)},
                      {"shelved", store.shelved},
                      {"outOfService", store.out_of_service},
                      {"keysForgotten", rates.keys_forgotten()}};
}

}  // namespace rover_alerts::relay
