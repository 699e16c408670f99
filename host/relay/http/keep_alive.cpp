#include "http/keep_alive.hpp"

#include <charconv>
#include <cstdint>

namespace rover_alerts::relay {

namespace {

std::int64_t micros(KeepAlive::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

KeepAlive::KeepAlive(const KeepAliveLimits& limits, Clock::time_point connected)
    : limits_(limits), last_pong_(connected) {}

std::optional<std::string> KeepAlive::next_ping(Clock::time_point now) {
  if (now - last_pong_ > limits_.ping_timeout) return std::nullopt;
  return std::to_string(micros(now));
}

std::optional<std::chrono::microseconds> KeepAlive::on_pong(std::string_view payload, Clock::time_point now) {
  last_pong_ = now;
  std::int64_t sent_us = 0;
  const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), sent_us);
  if (ec != std::errc{} || end != payload.data() + payload.size()) return std::nullopt;
  const std::chrono::microseconds rtt(micros(now) - sent_us);
  // Not a time we sent a ping still awaiting its answer.
  if (rtt.count() < 0 || rtt > limits_.ping_timeout) return std::nullopt;
  return rtt;
}

}  // namespace rover_alerts::relay
