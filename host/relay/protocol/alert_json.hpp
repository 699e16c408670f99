#pragma once
// The JSON `alert` message for one alert change:
//
//   {"type":"alert","data":{"id","type","priority","timestamp","rev","data":{...}}}
//
// where the outer `data` is the seed's AlertWebSocketMessage and the inner one
// its AlertMessageData plus the relay's lifecycle fields. Encoded once per
// change; every session sends the same buffer.

#include "store/alert.hpp"

#include <memory>
#include <string>

namespace rover_alerts::relay {

std::shared_ptr<const std::string> encode_alert_message(const AlertChange& change);

}  // namespace rover_alerts::relay
