#pragma once
// Emitter: the alert API the rover's control loop links.
//
//   init(config)        reserves every byte the emitter will ever use
//   raise/update/clear  copy the alert into a queue slot and return; they never
//                       allocate, block or wait on the link, and are safe from
//                       several threads at once
//   poll(timeout_ms)    the link side, from one thread (the application's I/O
//                       loop or a dedicated thread): connects with backoff,
//                       frames queued alerts, sends heartbeats, reads acks
//
// Every alert that cannot be queued is counted per priority and reported to the
// relay in heartbeats, so a loss is never silent.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/alert_spec.hpp>
#include <rover_alerts/bounded_mpsc_queue.hpp>
#include <rover_alerts/bounded_string.hpp>
#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/link_connection.hpp>
#include <rover_alerts/status.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace rover_alerts {

struct EmitterConfig {
  std::string_view rover_id = "rover";  // copied, truncated to limits::kRoverIdBytes
  const char* relay_host = "127.0.0.1";
  std::uint16_t relay_port = 8100;
  std::size_t queue_capacity = 256;     // power of two
  std::uint32_t heartbeat_interval_ms = 1000;
  std::uint32_t reconnect_initial_ms = 100;
  std::uint32_t reconnect_max_ms = 5000;
  std::uint64_t boot_id = 0;            // 0: a random id is drawn at init
};

// An operator acknowledgement forwarded by the relay. Views are valid only
// during the callback.
struct OperatorAckView {
  std::string_view key;
  std::string_view alert_id;
  std::string_view acknowledged_by;
  std::uint64_t acknowledged_at_ms = 0;
};
using OperatorAckHandler = void (*)(void* context, const OperatorAckView& ack);

struct EmitterCounters {
  std::uint64_t accepted = 0;          // raise/update/clear calls that were queued
  std::uint64_t truncated_fields = 0;
  std::array<std::uint64_t, kPriorityCount> lost_by_priority{};
  std::uint64_t frames_sent = 0;
  std::uint64_t latest_seq = 0;        // last sequence number assigned
  std::uint64_t acked_seq = 0;         // relay's cumulative ack for this boot
  std::uint64_t connects = 0;
  std::uint64_t link_errors = 0;       // bad frames from the relay, resets
};

class Emitter {
 public:
  Emitter() = default;
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  Status init(const EmitterConfig& config);
  bool initialized() const { return initialized_; }

  Status raise(const AlertSpec& alert) { return enqueue(EventKind::Raise, alert); }
  Status update(const AlertSpec& alert) { return enqueue(EventKind::Update, alert); }
  // The condition behind `key` returned to normal.
  Status clear(std::string_view key, std::string_view source, Priority priority);

  void set_operator_ack_handler(OperatorAckHandler handler, void* context);

  // Link side; call from one thread only. Returns within about `timeout_ms`.
  void poll(int timeout_ms);

  bool link_up() const { return link_.state() == LinkConnection::State::Connected && hello_sent_; }
  // True when everything accepted so far has been acknowledged by the relay.
  bool drained() const;
  std::uint64_t boot_id() const { return boot_id_; }
  EmitterCounters counters() const;
  std::size_t queue_capacity() const { return queue_.capacity(); }

  // Bytes reserved by init() for a given queue capacity (the emitter's RAM).
  static std::size_t reserved_bytes(std::size_t queue_capacity);

 private:
  Status enqueue(EventKind kind, const AlertSpec& alert);
  void on_connected(std::uint64_t now_ms);
  void on_disconnected(std::uint64_t now_ms);
  void handle_inbound();
  void prepare_frames(std::uint64_t now_ms);
  bool write_pending();  // false when the link broke
  std::uint32_t next_backoff_ms();

  bool initialized_ = false;
  EmitterConfig config_{};
  BoundedString<limits::kRoverIdBytes> rover_id_;
  std::uint64_t boot_id_ = 0;
  std::uint64_t started_ms_ = 0;

  BoundedMpscQueue<AlertRecord> queue_;
  FrameEncoder alert_encoder_;    // alert frames; one may wait across a reconnect
  FrameEncoder control_encoder_;  // hello and heartbeat
  LinkConnection link_;

  // Producer-side counters (touched by raise from any thread).
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> truncated_fields_{0};
  std::array<std::atomic<std::uint64_t>, kPriorityCount> lost_{};

  // Link-side state (poll thread only, except the atomics read by counters()).
  // Outbound frames: a control frame goes first, but never into the middle of a
  // partly written alert frame.
  struct Outbound {
    std::span<const std::uint8_t> frame{};
    std::size_t written = 0;
  };
  Outbound control_out_;
  Outbound alert_out_;
  bool hello_sent_ = false;
  std::uint64_t next_connect_ms_ = 0;
  std::uint64_t next_heartbeat_ms_ = 0;
  std::uint32_t connect_attempts_ = 0;
  std::uint64_t jitter_state_ = 0;
  std::atomic<std::uint64_t> latest_seq_{0};
  std::atomic<std::uint64_t> acked_seq_{0};
  std::atomic<std::uint64_t> frames_sent_{0};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> link_errors_{0};
  OperatorAckHandler ack_handler_ = nullptr;
  void* ack_context_ = nullptr;
};

}  // namespace rover_alerts
