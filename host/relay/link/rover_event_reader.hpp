#pragma once
// Copies a verified link AlertEvent into the store's RoverEvent, every text
// field repaired to valid UTF-8 and held to the link's field limits
// (link/utf8_repair.hpp says why repaired, not refused).

#include "relay_config.hpp"
#include "store/rover_event.hpp"

#include <rover_alerts/link_generated.h>

#include <cstddef>

namespace rover_alerts::relay {

// What reading one event had to repair.
struct FieldRepairs {
  std::size_t invalid_utf8 = 0;  // fields with an invalid sequence replaced by U+FFFD
  std::size_t truncated = 0;     // fields cut to their limit, metadata entries dropped
};

// `event` must come from a frame that passed link::verify_prefixed_frame().
RoverEvent read_rover_event(const link::AlertEvent& event, const LinkLimits& limits, FieldRepairs& repairs);

}  // namespace rover_alerts::relay
