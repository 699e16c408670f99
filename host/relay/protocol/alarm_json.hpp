#pragma once
// The alarm-management figures (store/alarm_rates.hpp) as the protocol shows
// them: the `alarm_flood` notice every client gets when a flood starts or
// ends, and the `alarms` section of get_stats.

#include "store/alarm_rates.hpp"
#include "store/alert_store.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace rover_alerts::relay {

// {"type":"alarm_flood","active":…,"at":…,"rate":…,"windowMs":…,"floodStart":…,"floodEnd":…,
//  "firstOut":{"id","rover"?,"key","priority","at"}?}
std::string alarm_flood_message(const FloodChange& change, const AlarmRateLimits& limits);

// {"windowMs","rate","rateByRover":{…},"flood":{"active","since"?,"firstOut"?,"count","start","end"},
//  "chattering":[{"rover","key","count"}…],"topKeys":[…],"kpiWindowMs","byPriority":{…},
//  "priorityShare":{…},"keysForgotten"}
// `store`: the store's stats() taken with standing_before_ms = now_ms - standing_after_ms.
boost::json::object alarm_figures(const AlarmRates& rates, const StoreStats& store, std::uint64_t now_ms);

}  // namespace rover_alerts::relay
