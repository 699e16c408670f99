#pragma once
// Per-rover link health: connections, frames, and the losses each rover
// reports in its heartbeats; and the link sessions' read buffers in all.
// Feeds get_stats and /metrics.
//
// Not thread-safe: touched from the relay's single io thread only.

#include "store/alert.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace rover_alerts::relay {

// What the rover's latest heartbeat said (counters since its boot).
struct RoverHeartbeat {
  std::uint64_t latest_seq = 0;
  std::array<std::uint64_t, kPriorityCount> lost_by_priority{};  // index = Priority
  std::uint64_t truncated_fields = 0;
  std::uint64_t ring_gap_frames = 0;
  std::uint64_t uptime_ms = 0;
};

struct RoverLinkCounters {
  bool connected = false;
  std::uint64_t boot_id = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t events_applied = 0;
  std::uint64_t events_duplicate = 0;
  std::uint64_t events_refused = 0;      // new alerts past the per-rover cap, since the relay started
  std::uint64_t refused_this_boot = 0;   // ... of the current boot (told to the rover in LinkAck)
  std::uint64_t heartbeats = 0;
  RoverHeartbeat last_heartbeat;
};

class RoverLinkStats {
 public:
  void on_connected(const std::string& rover, std::uint64_t boot_id);
  void on_disconnected(const std::string& rover);
  void on_event(const std::string& rover, bool duplicate);
  void on_refused(const std::string& rover);
  void on_heartbeat(const std::string& rover, const RoverHeartbeat& heartbeat);

  // Bytes the link sessions hold to read frames (their buffers' capacity).
  void read_buffers_changed(std::int64_t delta) { read_buffer_bytes_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(read_buffer_bytes_) + delta); }
  std::uint64_t read_buffer_bytes() const { return read_buffer_bytes_; }

  const RoverLinkCounters* find(const std::string& rover) const;
  const std::map<std::string, RoverLinkCounters>& all() const { return rovers_; }

 private:
  std::map<std::string, RoverLinkCounters> rovers_;
  std::uint64_t read_buffer_bytes_ = 0;
};

}  // namespace rover_alerts::relay
