#pragma once
// Copies a verified link AlertEvent into the store's RoverEvent.

#include "store/rover_event.hpp"

#include <rover_alerts/link_generated.h>

namespace rover_alerts::relay {

// `event` must come from a frame that passed link::verify_prefixed_frame().
RoverEvent read_rover_event(const link::AlertEvent& event);

}  // namespace rover_alerts::relay
