#pragma once
// Relay -> client protocol messages other than alerts.

#include "auth/identity.hpp"
#include "protocol/error_code.hpp"
#include "store/suppression.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

struct Welcome {
  std::string client_id;
  Identity identity;
  std::string epoch;
  std::uint64_t rev = 0;
  std::uint64_t server_time_ms = 0;
  std::vector<std::string_view> may;  // the requests this client may send (its role's, as configured)
  const SuppressionLimits* shelving = nullptr;  // the shelf durations offered and allowed
};

// {"type":"welcome","clientId","user","role","epoch","rev","serverTime","may",
//  "shelving":{"presets":[seconds…],"maxSeconds","warningSeconds"}}
std::string welcome_message(const Welcome& welcome);

// {"type":"response","reqId":…,"ok":true,"result":…}; reqId left out when null.
std::string ok_response(const boost::json::value& req_id, boost::json::value result);

// {"type":"response","reqId":…,"ok":false,"error":{"code","message"}}, or
// {"type":"error","error":{"code","message"}} when the request had no reqId.
std::string error_message(const boost::json::value& req_id, ErrorCode code, std::string_view message);

// {"type":"resync_required","rev":…,"reason":…}: changes after `rev` were not delivered.
std::string resync_required_message(std::uint64_t rev, std::string_view reason);

// {"type":"catch_up_complete","rev":…}: the subscription's snapshot or sinceRev
// replay is complete; what follows is live.
std::string catch_up_complete_message(std::uint64_t rev);

}  // namespace rover_alerts::relay
