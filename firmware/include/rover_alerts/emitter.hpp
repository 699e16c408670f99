#pragma once
// Emitter: the alert API the rover's control loop links.
//
//   init(config)        reserves every byte the emitter will ever use
//   raise/update/clear  copy the alert into the calling thread's staging ring
//                       and return: wait-free, no allocation, no lock, no wait
//                       on the link, safe from several threads at once
//   poll(timeout_ms)    the link side, from one thread (the application's I/O
//                       loop or a dedicated thread): drains the staging rings
//                       into the priority outbox (coalescing re-raises), frames
//                       alerts into the replay ring, connects with backoff,
//                       replays what the relay lacks, sends heartbeats, reads
//                       acks and invokes the operator-ack callback
//
// Every alert that is not delivered is counted per priority and reported to
// the relay in heartbeats, so a loss is never silent. firmware/DESIGN.md has
// the reasoning and the bounds.

#include <rover_alerts/alert_frame_writer.hpp>
#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/alert_spec.hpp>
#include <rover_alerts/bounded_string.hpp>
#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/key_table.hpp>
#include <rover_alerts/link_connection.hpp>
#include <rover_alerts/lz4_batch_encoder.hpp>
#include <rover_alerts/priority_outbox.hpp>
#include <rover_alerts/producer_table.hpp>
#include <rover_alerts/replay_ring.hpp>
#include <rover_alerts/status.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <span>
#include <string_view>

namespace rover_alerts {

struct EmitterConfig {
  std::string_view rover_id = "rover";  // copied, truncated to limits::kRoverIdBytes
  const char* relay_host = "127.0.0.1";
  std::uint16_t relay_port = 8100;
  std::size_t queue_capacity = 256;        // priority outbox: alerts waiting for the link
  std::size_t max_producers = 4;           // threads that may call raise/update/clear
  std::size_t staging_capacity = 16;       // per producer and priority: records of up to 512 B (power of two)
  std::size_t key_capacity = 256;          // active keys tracked for chatter suppression
  std::uint32_t min_update_interval_ms = 1000;  // per key; AlertSpec::min_interval_ms overrides
  std::size_t replay_ring_bytes = 256 * 1024;   // unacknowledged frames kept for replay
  std::uint32_t heartbeat_interval_ms = 1000;
  std::uint32_t hello_timeout_ms = 5000;   // no HelloReply by then: reconnect
  std::uint32_t reconnect_initial_ms = 100;
  std::uint32_t reconnect_max_ms = 5000;
  // Frames waiting to be sent beyond this many bytes go as one lz4 batch, if
  // the relay agrees in its hello reply; 0: never offer lz4 (and reserve nothing for it).
  std::size_t lz4_min_batch_bytes = 512;
  std::uint64_t boot_id = 0;               // 0: a random id is drawn at init
  // The rover's secret, the same as its line in the relay's --rovers file:
  // the link is then mutually authenticated and every frame sealed
  // (link_auth.hpp). Without it the link is plain, which only a relay started
  // with --insecure-links accepts.
  bool has_link_key = false;
  link::LinkKey link_key{};
  // Alert timestamps (raised_at, last_seen) come from CLOCK_REALTIME_COARSE:
  // the kernel's tick, no hardware counter read, a third of a raise's cost on
  // a virtualised x86 and more on a Cortex-A53. Resolution: one tick (4 ms at
  // HZ=250; timestamp_resolution_ms() tells). Alerts are ordered by sequence
  // number, not by time. true: CLOCK_REALTIME, to the millisecond.
  bool precise_timestamps = false;
};

// An operator acknowledgement forwarded by the relay. Views are valid only
// during the callback, which runs on the thread calling poll().
struct OperatorAckView {
  std::string_view key;
  std::string_view alert_id;
  std::string_view acknowledged_by;
  std::uint64_t acknowledged_at_ms = 0;
};
using OperatorAckHandler = void (*)(void* context, const OperatorAckView& ack);

struct EmitterCounters {
  std::uint64_t accepted = 0;          // raise/update/clear calls taken into staging
  std::uint64_t truncated_fields = 0;
  std::array<std::uint64_t, kPriorityCount> lost_by_priority{};  // all losses, as heartbeats report them
  std::uint64_t lost_in_staging = 0;   // of those: staging ring full or no producer slot
  std::uint64_t lost_in_outbox = 0;    // of those: displaced by the outbox's priority rule
  std::uint64_t coalesced = 0;         // re-raises/updates folded into a pending or later update
  std::uint64_t key_table_evictions = 0;
  std::uint64_t frames_sent = 0;       // alert frames written whole to a socket (replays included)
  std::uint64_t frames_replayed = 0;   // alert frames written again after a reconnect
  std::uint64_t ring_gap_frames = 0;   // frames the relay lacks and the ring no longer holds
  std::uint64_t latest_seq = 0;        // last sequence number assigned
  std::uint64_t acked_seq = 0;         // relay's cumulative ack for this boot
  std::uint64_t connects = 0;
  std::uint64_t link_errors = 0;       // bad frames from the relay, hello timeouts
  std::uint64_t auth_failures = 0;     // of those: the relay did not prove it holds the key (or asked for none)
  std::uint64_t operator_acks = 0;
  std::uint64_t relay_refused = 0;     // alerts the relay acknowledged but refused to store (its cap), per its acks
  std::uint64_t heartbeats_sent = 0;   // heartbeat frames written whole to a socket
  std::uint64_t bytes_sent = 0;        // every byte written to a socket
  std::uint64_t lz4_batches = 0;       // Lz4Batch frames written whole
  std::uint64_t lz4_raw_bytes = 0;     // alert frame bytes those batches carried
  std::uint64_t lz4_batch_bytes = 0;   // what those batches took on the wire
};

class Emitter {
 public:
  Emitter() = default;
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  Status init(const EmitterConfig& config);
  bool initialized() const { return initialized_; }

  // The condition holds. A raise of a key that is already active updates that
  // alert (occurrences, last seen, priority if higher) instead of adding one.
  Status raise(const AlertSpec& alert) { return enqueue(EventKind::Raise, alert); }
  // Fields of an active alert changed. An empty source means "as raised".
  Status update(const AlertSpec& alert) { return enqueue(EventKind::Update, alert); }
  // The condition behind `key` returned to normal. Source and priority come
  // from the key's raise (the relay's fallback if the key is no longer tracked:
  // the rover id and info).
  Status clear(std::string_view key);
  Status clear(std::string_view key, std::string_view source, Priority priority);

  // Called from poll(), never from raise/update/clear. Set before polling.
  void set_operator_ack_handler(OperatorAckHandler handler, void* context);

  // Link side; call from one thread only. Returns within about `timeout_ms`.
  void poll(int timeout_ms);

  bool link_up() const { return link_.state() == LinkConnection::State::Connected && stage_ == Stage::Streaming; }
  // Link thread: everything accepted so far has been framed and acknowledged.
  bool drained() const;
  std::uint64_t boot_id() const { return boot_id_; }
  // How far behind the wall clock a raise's timestamp may be (milliseconds, at least 1).
  std::uint64_t timestamp_resolution_ms() const;
  EmitterCounters counters() const;
  const EmitterConfig& config() const { return config_; }

  // Bytes init() reserves for `config` (the emitter's RAM, the Emitter object included).
  static std::size_t reserved_bytes(const EmitterConfig& config);

 private:
  enum class Stage : std::uint8_t { Disconnected, Connecting, AwaitingChallenge, AwaitingReply, Streaming };
  struct Outbound {
    std::span<const std::uint8_t> frame{};
    std::size_t written = 0;
    bool heartbeat = false;
    bool proof = false;  // once written, everything after it is sealed
  };
  // Hello, as sent, for the handshake MACs; fits the control builder.
  static constexpr std::size_t kMaxHelloBytes = FrameEncoder::kControlBuilderBytes;

  Status enqueue(EventKind kind, const AlertSpec& alert);
  Status enqueue_clear(std::string_view key, std::string_view source, Priority priority, bool priority_known);
  Status stage(EventKind kind, const AlertSpec& alert, bool priority_known);  // the wait-free part

  // Link thread.
  std::size_t drain_staging(std::uint64_t now_ms);  // most records taken from one producer
  void admit(const std::uint8_t* staged, std::size_t size, std::uint64_t now_ms);
  void admit_new_key(const std::uint8_t* staged, std::size_t size, const StagingPeek& peek, std::uint64_t key_hash,
                     std::uint64_t now_ms);
  void admit_known(AlertRecord& record, std::int32_t key, std::uint64_t now_ms);
  Priority release_held(std::int32_t slot);
  void push_outbox(const AlertRecord& record, std::uint64_t due_ms, std::uint64_t now_ms, std::int32_t key);
  void account_push(const PriorityOutbox::PushResult& result, Priority priority, std::int32_t key);
  bool frame_next(std::uint64_t now_ms);  // outbox -> replay ring; false when nothing was framed
  void on_connected(std::uint64_t now_ms);
  void on_disconnected(std::uint64_t now_ms);
  void on_hello_reply(std::uint64_t acked_seq, bool lz4);
  // false: the relay's challenge is malformed or the MACs failed (disconnect).
  bool on_challenge(std::span<const std::uint8_t> challenge_frame, const link::Challenge& challenge);
  void fail_auth(std::uint64_t now_ms);
  void on_ack(std::uint64_t acked_seq);
  void handle_inbound(std::uint64_t now_ms);
  void service_link(std::uint64_t now_ms, bool readable);
  void prepare_control(std::uint64_t now_ms);
  bool write_pending(std::uint64_t now_ms);  // false when the link broke
  void prepare_batch();                      // frames from send_seq_ -> one Lz4Batch, if worth it
  LinkConnection::Io write_counted(Outbound& out);
  void advance_send_cursor(std::size_t bytes);
  std::uint32_t next_backoff_ms();
  std::array<std::uint64_t, kPriorityCount> lost_totals() const;
  std::uint64_t truncated_total() const;

  // What every raise reads, on one cache line written only by init(): a raise
  // after a pause finds one line to fetch, not three, and no link-thread
  // write ever takes it from the producers' caches.
  alignas(64) bool initialized_ = false;
  clockid_t raise_clock_ = CLOCK_REALTIME_COARSE;  // config_.precise_timestamps
  // Producer side: per-thread staging rings and counters (producer_table.hpp).
  ProducerTable producers_;

  alignas(64) std::array<std::atomic<std::uint64_t>, kPriorityCount> lost_no_slot_{};  // rare path, fetch_add
  EmitterConfig config_{};
  BoundedString<limits::kRoverIdBytes> rover_id_;
  std::uint64_t boot_id_ = 0;
  std::uint64_t started_ms_ = 0;

  // Link side (poll thread only, except the atomics read by counters()).
  AlertRecord drained_;  // the staging record being admitted, decoded
  PriorityOutbox outbox_;
  KeyTable keys_;
  ReplayRing ring_;
  FrameEncoder control_encoder_;  // hello and heartbeat; alert frames are written into the ring
  Lz4BatchEncoder batch_encoder_; // initialized only when lz4 is offered
  LinkConnection link_;

  Stage stage_ = Stage::Disconnected;
  std::array<std::uint8_t, kMaxHelloBytes> hello_sent_{};  // this connection's Hello, for the handshake
  std::size_t hello_sent_bytes_ = 0;
  std::array<std::uint8_t, 32> session_key_{};  // this connection's, once challenged
  link::HandshakeMac handshake_mac_;             // keyed once by init() when there is a key
  Outbound control_out_;          // a control frame goes between whole alert frames
  Outbound batch_out_;            // an Lz4Batch of the ring's frames from send_seq_
  std::size_t batch_raw_bytes_ = 0;  // ring bytes batch_out_ carries
  bool lz4_agreed_ = false;       // this connection's hello reply said lz4
  std::uint64_t send_seq_ = 0;    // next ring frame to write; 0: none
  std::size_t send_offset_ = 0;   // bytes of it already written
  std::uint64_t highest_written_seq_ = 0;
  std::uint64_t gap_floor_seq_ = 0;  // gaps up to here are counted already
  std::uint64_t hello_deadline_ms_ = 0;
  std::uint64_t next_connect_ms_ = 0;
  std::uint64_t next_heartbeat_ms_ = 0;
  std::uint32_t connect_attempts_ = 0;
  std::uint64_t jitter_state_ = 0;
  std::uint64_t wall_now_ms_ = 0;  // wall clock read once per pass, for frame timestamps
  bool ring_blocked_ = false;      // the last frame did not fit; retry once acks free room
  std::uint64_t next_read_ms_ = 0; // while streaming flat out, acks are read once per millisecond
  // Link-thread counters, readable from any thread.
  std::array<SingleWriterCounter, kPriorityCount> lost_outbox_{};
  SingleWriterCounter coalesced_;
  SingleWriterCounter key_evictions_;
  std::atomic<std::uint64_t> latest_seq_{0};
  std::atomic<std::uint64_t> acked_seq_{0};
  SingleWriterCounter frames_sent_;
  SingleWriterCounter frames_replayed_;
  SingleWriterCounter ring_gap_frames_;
  SingleWriterCounter connects_;
  SingleWriterCounter link_errors_;
  SingleWriterCounter auth_failures_;
  SingleWriterCounter operator_acks_;
  std::atomic<std::uint64_t> relay_refused_{0};  // the latest LinkAck's count (link thread writes)
  SingleWriterCounter heartbeats_sent_;
  SingleWriterCounter bytes_sent_;
  SingleWriterCounter lz4_batches_;
  SingleWriterCounter lz4_raw_bytes_;
  SingleWriterCounter lz4_batch_bytes_;
  OperatorAckHandler ack_handler_ = nullptr;
  void* ack_context_ = nullptr;
};

}  // namespace rover_alerts
