#pragma once
// The JSON `alert` message for one alert change:
//
//   {"type":"alert","data":{"id","type","priority","timestamp","rev","data":{...}}}
//
// where the outer `data` is the seed's AlertWebSocketMessage and the inner one
// its AlertMessageData plus the relay's lifecycle fields. Encoded once per
// change; every session sends the same buffer.

#include "store/alert.hpp"
#include "store/alert_store.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace rover_alerts::relay {

std::shared_ptr<const std::string> encode_alert_message(const AlertChange& change);

// The AlertWebSocketMessage (the `data` of an `alert` message) of one change.
boost::json::object alert_change_object(const AlertChange& change);
// The AlertWebSocketMessage of a removed alert, from its tombstone: type
// remove/clear, state "removed", and only what identifies it.
boost::json::object tombstone_object(const Tombstone& tombstone);

}  // namespace rover_alerts::relay
