#include "store/rover_link_stats.hpp"

namespace rover_alerts::relay {

void RoverLinkStats::on_connected(const std::string& rover, std::uint64_t boot_id) {
  auto& counters = rovers_[rover];
  if (counters.boot_id != boot_id) {  // counters restart with each boot
    counters.last_heartbeat = {};
    counters.refused_this_boot = 0;
  }
  counters.connected = true;
  counters.boot_id = boot_id;
  ++counters.connections_total;
}

void RoverLinkStats::on_disconnected(const std::string& rover) {
  if (const auto it = rovers_.find(rover); it != rovers_.end()) it->second.connected = false;
}

void RoverLinkStats::on_event(const std::string& rover, bool duplicate) {
  auto& counters = rovers_[rover];
  ++(duplicate ? counters.events_duplicate : counters.events_applied);
}

void RoverLinkStats::on_refused(const std::string& rover) {
  auto& counters = rovers_[rover];
  ++counters.events_refused;
  ++counters.refused_this_boot;
}

void RoverLinkStats::on_heartbeat(const std::string& rover, const RoverHeartbeat& heartbeat) {
  auto& counters = rovers_[rover];
  ++counters.heartbeats;
  counters.last_heartbeat = heartbeat;
}

const RoverLinkCounters* RoverLinkStats::find(const std::string& rover) const {
  const auto it = rovers_.find(rover);
  return it == rovers_.end() ? nullptr : &it->second;
}

}  // namespace rover_alerts::relay
