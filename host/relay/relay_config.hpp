#pragma once
// Everything the relay is configured with: addresses from the command line,
// limits with their defaults.

#include "delivery/outbound_queue.hpp"

#include <rover_alerts/link_framing.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace rover_alerts::relay {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;  // 0: any free port
};

struct LinkLimits {
  std::size_t max_frame_bytes = link::kMaxFrameBytes;
  // A rover heartbeats well within this; silence longer than it is a dead link.
  std::chrono::seconds idle_timeout{60};
  // Frames other than the (coalesced) cumulative ack waiting to go to one rover.
  std::size_t max_outbound_frames = 16;
};

struct ClientLimits {
  std::size_t max_request_bytes = 64 * 1024;
  std::size_t max_json_depth = 16;
  std::size_t http_header_limit = 8 * 1024;
  std::size_t http_body_limit = 16 * 1024;
  std::chrono::seconds http_timeout{30};
  OutboundLimits outbound;
};

struct RelayConfig {
  HostPort http_listen{"127.0.0.1", 8000};
  HostPort link_listen{"127.0.0.1", 8100};
  std::filesystem::path data_dir{"data"};  // the journal goes here (next step)
  std::filesystem::path tokens_path;        // required
  LinkLimits link;
  ClientLimits clients;
};

}  // namespace rover_alerts::relay
