#include "scenario.hpp"

namespace rover_sim {

using rover_alerts::Priority;

void make_scenario_alert(std::uint64_t i, ScenarioAlert& out) {
  const std::uint64_t round = i / kScenarioKinds;
  auto& s = out.spec;
  s = {};
  out.metadata_values = {};
  std::size_t meta = 0;
  switch (i % kScenarioKinds) {
    case 0:
      out.key = "safety/estop";
      s.priority = Priority::Critical;
      s.source = "rover-control";
      s.title = "Emergency Stop";
      out.message = "Rover emergency stop activated";
      s.persistent = true;
      s.closable = false;
      out.metadata_values[0] = "bumper-front";
      out.metadata[meta++] = {"trigger", out.metadata_values[0]};
      break;
    case 1:
      out.key = "power/battery-low";
      s.priority = Priority::High;
      s.source = "power-management";
      s.title = "Battery Low";
      out.metadata_values[0] = std::to_string(18 - round % 10);
      out.message = "Battery at " + out.metadata_values[0] + "%: return to base recommended";
      out.metadata[meta++] = {"stateOfChargePercent", out.metadata_values[0]};
      out.action_param = {"reason", "low_battery"};
      out.action = {"Return to Base", "navigation.return_to_base", &out.action_param, 1};
      s.action = &out.action;
      break;
    case 2:
      out.key = "drive/motor-left-rear-overtemp";
      s.priority = Priority::Medium;
      s.source = "drive-system";
      s.title = "Motor Over-Temperature";
      out.metadata_values[0] = std::to_string(92 + round % 7);
      out.message = "Left rear drive motor at " + out.metadata_values[0] + " \xC2\xB0" "C (limit 85 \xC2\xB0" "C)";
      out.metadata[meta++] = {"motor", "left-rear"};
      out.metadata[meta++] = {"temperatureC", out.metadata_values[0]};
      s.group_id = "drive-thermal";
      break;
    case 3:
      out.key = "comms/link-degraded";
      s.priority = Priority::Low;
      s.source = "comms";
      s.title = "Comms Degraded";
      out.metadata_values[0] = std::to_string(-97 - static_cast<int>(round % 5));
      out.message = "Radio link quality 41% (RSSI " + out.metadata_values[0] + " dBm)";
      out.metadata[meta++] = {"rssiDbm", out.metadata_values[0]};
      break;
    default:
      out.key = "navigation/waypoint-" + std::to_string(round + 1);
      s.priority = Priority::Info;
      s.source = "navigation";
      s.title = "Waypoint Reached";
      out.message = "Reached waypoint " + std::to_string(round + 1);
      break;
  }
  s.key = out.key;
  s.message = out.message;
  s.metadata = meta ? out.metadata.data() : nullptr;
  s.metadata_count = meta;
}

void make_distinct_alert(std::uint64_t i, ScenarioAlert& out) {
  auto& s = out.spec;
  s = {};
  out.key = "load/alert-" + std::to_string(i);
  out.message = "Load alert " + std::to_string(i);
  s.priority = Priority::Low;
  s.source = "load-test";
  s.key = out.key;
  s.message = out.message;
}

}  // namespace rover_sim
