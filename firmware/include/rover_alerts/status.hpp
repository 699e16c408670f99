#pragma once
// Results of emitter calls. Expected runtime conditions are statuses, never
// exceptions (the firmware builds with -fno-exceptions); broken invariants
// are assertions.

#include <cstdint>

namespace rover_alerts {

enum class Status : std::uint8_t {
  Ok,
  Truncated,       // accepted; a field was cut to its bound (counted)
  QueueFull,       // not accepted; the loss is counted and reported to the relay
  TooManyProducers,// not accepted: every producer slot is taken by other threads (counted as a loss)
  NotInitialized,  // init() has not succeeded
  InvalidArgument, // e.g. empty key, capacity not a power of two
  OutOfMemory,     // init() could not reserve its memory
};

constexpr bool accepted(Status s) { return s == Status::Ok || s == Status::Truncated; }

constexpr const char* to_string(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::Truncated: return "truncated";
    case Status::QueueFull: return "queue full";
    case Status::TooManyProducers: return "too many producer threads";
    case Status::NotInitialized: return "not initialized";
    case Status::InvalidArgument: return "invalid argument";
    case Status::OutOfMemory: return "out of memory";
  }
  return "unknown";
}

}  // namespace rover_alerts
