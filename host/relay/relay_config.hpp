#pragma once
// Everything the relay is configured with: addresses from the command line,
// limits with their defaults.

#include "delivery/delivery_limits.hpp"
#include "escalation/escalation_policy.hpp"
#include "requests/permissions.hpp"
#include "store/alarm_rates.hpp"
#include "store/alert_journal.hpp"
#include "store/audit_log.hpp"
#include "store/alert_store.hpp"

#include <rover_alerts/link_framing.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rover_alerts::relay {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;  // 0: any free port
};

// What one field of a client request may hold (enforced by the request decoder,
// answered with TOO_LARGE). Bytes are UTF-8 bytes.
struct RequestFieldLimits {
  std::size_t max_token_bytes = 1024;
  std::size_t max_req_id_bytes = 128;
  std::size_t max_id_bytes = 256;           // alertId, ids[] of alert_clear
  std::size_t max_group_id_bytes = 128;
  std::size_t max_title_bytes = 256;
  std::size_t max_message_bytes = 4096;     // an alert's `message` text
  std::size_t max_source_bytes = 128;
  std::size_t max_ack_comment_bytes = 256;  // `comment` of alert_ack
  std::size_t max_metadata_entries = 32;    // also action parameters
  std::size_t max_metadata_bytes = 8192;    // keys + values together
  std::size_t max_filter_entries = 64;      // priorities[] / sources[] of a filter
  std::size_t max_ids = 1000;               // ids[] of alert_clear
};

// The rover link's policy. Text fields from a rover are held to the client
// side's RequestFieldLimits (`fields`): repaired to valid UTF-8 and cut at a
// character boundary past them, never refused (link/utf8_repair.hpp).
struct LinkLimits {
  std::size_t max_frame_bytes = link::kMaxFrameBytes;
  // A rover heartbeats well within this; silence longer than it is a dead link.
  std::chrono::seconds idle_timeout{60};
  // A connection must say Hello within this or is closed.
  std::chrono::seconds hello_timeout{5};
  // Frames other than the (coalesced) cumulative ack waiting to go to one rover.
  std::size_t max_outbound_frames = 16;
  // Concurrent link connections, in all and from one address; more are closed at once.
  std::size_t max_connections = 256;
  std::size_t max_connections_per_address = 16;
  // A frame's body is read in pieces of this size: its buffer grows only as
  // bytes arrive, so a connection that announces a large frame and stalls
  // holds no more than this.
  std::size_t read_chunk_bytes = 4096;
  // How far an event's seq may run ahead of the highest one the rover's boot
  // has announced (Hello.latest_seq, Heartbeat.latest_seq) or the relay has
  // applied; beyond, the frame is refused and never recorded as applied.
  std::uint64_t max_seq_ahead = std::uint64_t{1} << 20;
  // A rover's link, as token buckets of frames (an lz4 batch counts each
  // frame inside) and bytes read: past them the relay stops reading it until
  // they refill, so TCP pushes back and the rover keeps its frames. The
  // bursts take a rover's replay after an outage at full speed.
  double rover_frames_per_s = 2000;
  double rover_frame_burst = 20000;
  double rover_bytes_per_s = 4 * 1024 * 1024;
  double rover_byte_burst = 32 * 1024 * 1024;
  // Alerts the store holds for one rover; a new one past it is refused
  // (acknowledged, not stored), counted and reported to the rover and to operators.
  std::size_t max_alerts_per_rover = 10000;
  RequestFieldLimits fields;
  // Keys (source + code) and action labels and types: plain identifiers.
  std::size_t max_key_bytes = 256;
};

// Token bucket for one client's requests: `per_second` refill, `burst` capacity.
// Requests over it are answered RATE_LIMITED; a client that keeps sending while
// limited (its RATE_LIMITED answers outrun the refill by `close_after`) is closed.
struct RateLimit {
  double per_second = 50;
  double burst = 100;
  double close_after = 200;
};

// The TLS files of the client port; both empty: no TLS.
struct TlsOptions {
  std::filesystem::path cert_file;  // PEM certificate chain
  std::filesystem::path key_file;   // PEM private key
  // With TLS configured, plain HTTP/WebSocket connections are refused unless this is set.
  bool allow_plain = false;

  bool enabled() const { return !cert_file.empty(); }
};

// Failed WebSocket authentications per client address (http/auth_backoff.hpp).
struct AuthBackoffLimits {
  unsigned free_failures = 5;  // before the first block
  std::chrono::milliseconds base{1000};   // the first block; each next one doubles
  std::chrono::milliseconds max{60'000};
  std::size_t max_addresses = 10'000;     // remembered at once
};

// Connections per address and the pool of WebSocket sessions that have not
// authenticated yet (http/client_admission.hpp).
struct AdmissionLimits {
  std::size_t max_connections_per_address = 256;  // HTTP and WebSocket, from one address
  std::size_t max_unauthenticated = 128;          // WebSocket sessions before their auth, in all
  std::size_t max_unauthenticated_per_address = 16;
};

// The client port's policy: sizes, deadlines, rates, TLS and allowed origins.
struct ClientLimits {
  std::size_t max_request_bytes = 64 * 1024;  // one WebSocket message
  std::size_t max_json_depth = 16;
  RequestFieldLimits fields;
  std::size_t http_header_limit = 8 * 1024;
  std::size_t http_body_limit = 16 * 1024;
  // Upper bound for reading one whole HTTP request (headers included) and for
  // the TLS handshake: a client trickling bytes is closed after it.
  std::chrono::seconds http_timeout{30};
  // A WebSocket client must authenticate within this or is closed.
  std::chrono::seconds auth_timeout{10};
  RateLimit requests;
  AuthBackoffLimits auth_backoff;
  // Concurrent authenticated WebSocket sessions; upgrades (or auths) over it
  // get 503 (or RATE_LIMITED and close 1013). Sessions still to authenticate
  // are in `admission`'s pool instead.
  std::size_t max_sessions = 1000;
  AdmissionLimits admission;
  // Concurrent HTTP connections not (yet) upgraded; more are closed at once.
  std::size_t max_http_connections = 1000;
  TlsOptions tls;
  // Empty: any Origin. Otherwise a WebSocket upgrade carrying an Origin header
  // must match one (scheme://host[:port], case-insensitive); no Origin is allowed.
  std::vector<std::string> allowed_origins;
  // Per-client queues, batching, catch-up pages and keep-alive (delivery_limits.hpp).
  DeliveryLimits delivery;
};

// The alert store and its journal (DIR/alerts.db under --data).
struct StoreConfig {
  JournalOptions journal;  // --durability full|normal (default full, see Durability)
  HistoryLimits history;   // --history-max-tombstones N, --history-max-age SECONDS
};

struct RelayConfig {
  HostPort http_listen{"127.0.0.1", 8000};
  HostPort link_listen{"127.0.0.1", 8100};
  std::filesystem::path data_dir{"data"};  // the journal: data_dir / "alerts.db"
  std::filesystem::path tokens_path;        // required
  std::filesystem::path rovers_path;        // rover ids and link keys; empty: none
  bool insecure_links = false;              // rovers not in rovers_path may connect unauthenticated
  LinkLimits link;
  ClientLimits clients;
  StoreConfig store;
  Permissions permissions;                  // --ack-roles
  AlarmRateLimits alarms;                   // --flood, --alarm-window, --standing-after
  AuditLimits audit;                        // --audit-max-entries, --audit-max-days
  SuppressionLimits suppression;            // --shelve-max, --shelve-presets, --shelve-warning
  std::filesystem::path config_file;        // --config: JSON, read at start (escalation policies)
  EscalationConfig escalation;              // from config_file
};

}  // namespace rover_alerts::relay
