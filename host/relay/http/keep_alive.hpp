#pragma once
// KeepAlive: one client connection's liveness and round-trip time, from
// WebSocket pings. No I/O and no timer: the session sends a ping each
// `interval()` with the payload this gives, and hands it every pong.
//
// A ping's payload is its send time (microseconds of the steady clock), so
// the pong that echoes it gives the RTT. Any pong proves the client alive,
// one with a payload that is not ours too (a client may send unsolicited
// pongs); only ours give an RTT: a send time within the ping timeout. No
// pong for the ping timeout: the
// connection is half-open, and the session cuts it.

#include "delivery/delivery_limits.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class KeepAlive {
 public:
  using Clock = std::chrono::steady_clock;

  KeepAlive(const KeepAliveLimits& limits, Clock::time_point connected);

  std::chrono::milliseconds interval() const { return limits_.ping_interval; }
  // At each interval: the payload of the ping to send, or nullopt when no
  // pong came within the ping timeout (the connection is to be cut).
  std::optional<std::string> next_ping(Clock::time_point now);
  // A pong: the RTT when it echoes one of our pings (a send time no older
  // than the ping timeout).
  std::optional<std::chrono::microseconds> on_pong(std::string_view payload, Clock::time_point now);

 private:
  KeepAliveLimits limits_;
  Clock::time_point last_pong_;
};

}  // namespace rover_alerts::relay
