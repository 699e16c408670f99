#pragma once
// ClientConfig: how an AlertClient connects and what it asks the relay for.
// The first block is the seed's AlertWebSocketConfig with the seed's
// defaults; the rest is what our relay offers beyond it.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::ground {

enum class Priority { Critical, High, Medium, Low, Info };
inline constexpr Priority kAllPriorities[] = {Priority::Critical, Priority::High, Priority::Medium, Priority::Low,
                                             Priority::Info};

std::string_view priority_name(Priority p);
std::optional<Priority> parse_priority(std::string_view name);

// How alert changes travel (protocol.md, "Subscribe").
enum class Encoding { Json, FlatBuffers };
enum class Compression { None, Lz4 };

struct ClientConfig {
  // --- the seed's configuration -------------------------------------------
  std::size_t batch_size = 50;                                // asked of the relay (brought within 10..100)
  std::chrono::milliseconds batch_timeout{1000};              // asked of the relay (brought within 5..1000)
  std::size_t compression_threshold = 1024;                   // lz4 above this many bytes (relay minimum 256)
  int max_retries = 3;                                        // attempts per acknowledgement after the first
  std::chrono::milliseconds retry_backoff{1000};              // first reconnect / ack retry delay, doubled each time
  std::chrono::milliseconds sync_interval{30000};             // periodic gap check and connection figures
  std::chrono::milliseconds acknowledgment_timeout{5000};     // an ack unanswered this long is an attempt failed
  bool resync_on_reconnect = true;                            // false: start from a fresh snapshot every time
  std::vector<Priority> subscribed_priorities{std::begin(kAllPriorities), std::end(kAllPriorities)};
  bool auto_acknowledge_info = true;                          // info alerts owe no acknowledgement (see DESIGN.md)
  bool adaptive_batching = true;                              // let the relay size batches from the RTT it measures
  std::chrono::milliseconds low_latency_threshold{50};        // at or below: batches of 10
  std::chrono::milliseconds high_latency_threshold{500};      // at or above: batches of 100

  // --- where, who, how ------------------------------------------------------
  std::string url = "ws://127.0.0.1:8000/ws";  // ws:// or wss://
  std::string token;
  std::string ca_file;      // wss: trust these certificates; empty: the system's
  bool verify_peer = true;  // wss: verify the certificate and its host name
  bool subscribe = true;    // false: requests only (no alert stream)
  std::vector<std::string> sources;  // subscription filter; empty: every source
  Encoding encoding = Encoding::Json;
  Compression compression = Compression::None;
  bool deflate = true;  // offer permessage-deflate
  bool delta = false;   // ask for delta updates (JSON only)

  // --- limits (every queue has one) -----------------------------------------
  std::chrono::milliseconds max_backoff{30000};      // reconnect delay ceiling
  std::chrono::milliseconds connect_timeout{10000};  // TCP + TLS + upgrade + welcome
  std::size_t max_connect_attempts = 0;              // failures in a row before Stopped; 0: never give up
  std::size_t max_pending_acks = 1024;               // acks waiting or in flight; beyond: failed at once
  std::size_t max_pending_requests = 256;            // other requests waiting or in flight
  std::size_t max_message_bytes = 64u << 20;         // largest message read (a catch-up page, decompressed)
};

}  // namespace rover_alerts::ground
