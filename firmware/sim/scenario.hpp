#pragma once
// The simulated rover's alert mix: what a real control loop raises on a bad day.

#include <rover_alerts/alert_spec.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace rover_sim {

// One raise, with storage for the strings its AlertSpec views.
struct ScenarioAlert {
  rover_alerts::AlertSpec spec;
  std::string key;
  std::string message;
  std::array<rover_alerts::KeyValueView, 2> metadata{};
  std::array<std::string, 2> metadata_values;
  rover_alerts::ActionSpec action;
  rover_alerts::KeyValueView action_param{};
};

inline constexpr std::uint64_t kScenarioKinds = 5;

// Fills `out` with raise number `i` (0-based): emergency stop, battery low with a
// return-to-base action, motor over-temperature, comms degraded, routine info,
// then again with drifting readings. Routine info gets a new key every round.
void make_scenario_alert(std::uint64_t i, ScenarioAlert& out);

// Raise number `i` of the load mix: a key of its own ("load/alert-<i>", so every
// raise is one alert), all of one priority (so the link keeps them in raise
// order), a short message. What the link tests count and order by.
void make_distinct_alert(std::uint64_t i, ScenarioAlert& out);

}  // namespace rover_sim
