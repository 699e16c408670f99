#include <rover_alerts/emitter.hpp>
#include <rover_alerts/clock.hpp>

#include <algorithm>
#include <poll.h>
#include <sys/random.h>

namespace rover_alerts {

namespace {

std::uint64_t random_u64() {
  std::uint64_t value = 0;
  if (::getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) {
    value = wall_ms() ^ (monotonic_ms() << 20);  // entropy pool unavailable: still unique per boot in practice
  }
  return value;
}

template <std::size_t N>
unsigned assign_counted(BoundedString<N>& dst, std::string_view src) {
  return dst.assign(src) ? 1u : 0u;
}

// Copies up to N pairs; pairs beyond the bound count as one truncation each.
template <std::size_t N>
unsigned assign_pairs(std::array<KeyValue, N>& dst, std::uint8_t& count, const KeyValueView* src,
                      std::size_t src_count) {
  unsigned truncated = 0;
  const std::size_t n = std::min(src_count, N);
  for (std::size_t i = 0; i < n; ++i) {
    truncated += assign_counted(dst[i].key, src[i].key);
    truncated += assign_counted(dst[i].value, src[i].value);
  }
  count = static_cast<std::uint8_t>(n);
  return truncated + static_cast<unsigned>(src_count - n);
}

// Fills a queue slot from the caller's spec; returns the number of fields cut.
unsigned fill_record(AlertRecord& r, EventKind kind, const AlertSpec& a, std::uint64_t now_ms) {
  unsigned truncated = 0;
  r.kind = kind;
  r.priority = a.priority;
  r.persistent = a.persistent;
  r.closable = a.closable;
  r.occurrences = 1;
  r.expires_at_ms = a.expires_at_ms;
  r.raised_at_ms = now_ms;
  r.last_seen_ms = now_ms;
  truncated += assign_counted(r.key, a.key);
  truncated += assign_counted(r.source, a.source);
  truncated += assign_counted(r.title, a.title);
  truncated += assign_counted(r.message, a.message);
  truncated += assign_counted(r.group_id, a.group_id);
  r.has_action = a.action != nullptr;
  r.action_param_count = 0;
  if (a.action) {
    truncated += assign_counted(r.action_label, a.action->label);
    truncated += assign_counted(r.action_type, a.action->action_type);
    truncated += assign_pairs(r.action_params, r.action_param_count, a.action->parameters,
                              a.action->parameters ? a.action->parameter_count : 0);
  }
  truncated += assign_pairs(r.metadata, r.metadata_count, a.metadata, a.metadata ? a.metadata_count : 0);
  r.truncated = truncated != 0;
  return truncated;
}

}  // namespace

std::size_t Emitter::reserved_bytes(std::size_t queue_capacity) {
  return sizeof(Emitter) + queue_capacity * BoundedMpscQueue<AlertRecord>::bytes_per_cell() +
         FrameEncoder::arena_bytes(FrameEncoder::kAlertBuilderBytes) +
         FrameEncoder::arena_bytes(FrameEncoder::kControlBuilderBytes) + 2 * sizeof(flatbuffers::FlatBufferBuilder);
}

Status Emitter::init(const EmitterConfig& config) {
  if (initialized_) return Status::InvalidArgument;
  if (config.rover_id.empty() || config.relay_host == nullptr || config.relay_port == 0 ||
      config.heartbeat_interval_ms == 0 || config.reconnect_initial_ms == 0 ||
      config.reconnect_max_ms < config.reconnect_initial_ms)
    return Status::InvalidArgument;
  if (!queue_.init(config.queue_capacity)) return Status::InvalidArgument;
  if (!alert_encoder_.init(FrameEncoder::kAlertBuilderBytes) ||
      !control_encoder_.init(FrameEncoder::kControlBuilderBytes))
    return Status::OutOfMemory;
  if (!link_.init(config.relay_host, config.relay_port)) return Status::InvalidArgument;
  config_ = config;
  rover_id_.assign(config.rover_id);
  config_.rover_id = rover_id_.view();
  boot_id_ = config.boot_id;
  while (boot_id_ == 0) boot_id_ = random_u64();
  jitter_state_ = boot_id_;
  started_ms_ = monotonic_ms();
  initialized_ = true;
  return Status::Ok;
}

Status Emitter::enqueue(EventKind kind, const AlertSpec& alert) {
  if (!initialized_) return Status::NotInitialized;
  if (alert.key.empty() || alert.source.empty() || alert.message.empty()) return Status::InvalidArgument;
  const std::uint64_t now = wall_ms();
  unsigned truncated = 0;
  const bool queued = queue_.try_push_with([&](AlertRecord& r) { truncated = fill_record(r, kind, alert, now); });
  if (!queued) {
    lost_[index_of(alert.priority)].fetch_add(1, std::memory_order_relaxed);
    return Status::QueueFull;
  }
  accepted_.fetch_add(1, std::memory_order_release);
  if (truncated == 0) return Status::Ok;
  truncated_fields_.fetch_add(truncated, std::memory_order_relaxed);
  return Status::Truncated;
}

Status Emitter::clear(std::string_view key, std::string_view source, Priority priority) {
  AlertSpec spec;
  spec.key = key;
  spec.source = source;
  spec.priority = priority;
  spec.message = "returned to normal";
  return enqueue(EventKind::Clear, spec);
}

void Emitter::set_operator_ack_handler(OperatorAckHandler handler, void* context) {
  ack_handler_ = handler;
  ack_context_ = context;
}

bool Emitter::drained() const {
  const auto latest = latest_seq_.load(std::memory_order_acquire);
  return accepted_.load(std::memory_order_acquire) == latest && acked_seq_.load(std::memory_order_acquire) == latest;
}

EmitterCounters Emitter::counters() const {
  EmitterCounters c;
  c.accepted = accepted_.load(std::memory_order_relaxed);
  c.truncated_fields = truncated_fields_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kPriorityCount; ++i) c.lost_by_priority[i] = lost_[i].load(std::memory_order_relaxed);
  c.frames_sent = frames_sent_.load(std::memory_order_relaxed);
  c.latest_seq = latest_seq_.load(std::memory_order_relaxed);
  c.acked_seq = acked_seq_.load(std::memory_order_relaxed);
  c.connects = connects_.load(std::memory_order_relaxed);
  c.link_errors = link_errors_.load(std::memory_order_relaxed);
  return c;
}

// Exponential backoff with jitter: a fleet of rovers (or a restarting relay)
// must not see every client reconnect in the same millisecond.
std::uint32_t Emitter::next_backoff_ms() {
  const std::uint32_t shift = std::min<std::uint32_t>(connect_attempts_, 16);
  const std::uint64_t ceiling = std::min<std::uint64_t>(
      static_cast<std::uint64_t>(config_.reconnect_initial_ms) << shift, config_.reconnect_max_ms);
  ++connect_attempts_;
  jitter_state_ ^= jitter_state_ << 13;  // xorshift64
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  const std::uint64_t half = ceiling / 2;
  return static_cast<std::uint32_t>(half + (half ? jitter_state_ % (half + 1) : 0));
}

void Emitter::on_connected(std::uint64_t now_ms) {
  connect_attempts_ = 0;
  connects_.fetch_add(1, std::memory_order_relaxed);
  hello_sent_ = false;
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
}

void Emitter::on_disconnected(std::uint64_t now_ms) {
  link_.close();
  hello_sent_ = false;
  // An alert frame cut mid-write is sent again whole after the next hello;
  // control frames are rebuilt instead.
  control_out_ = {};
  alert_out_.written = 0;
  next_connect_ms_ = now_ms + next_backoff_ms();
}

// Fills the outbound slots: hello first on a new connection, a heartbeat when
// due, and the next queued alert once the previous one is written.
void Emitter::prepare_frames(std::uint64_t now_ms) {
  if (control_out_.frame.empty() && alert_out_.written == 0) {
    if (!hello_sent_) {
      const auto latest = latest_seq_.load(std::memory_order_relaxed);
      const auto acked = acked_seq_.load(std::memory_order_relaxed);
      control_out_.frame = control_encoder_.encode_hello(rover_id_.view(), boot_id_, acked < latest ? acked + 1 : 0,
                                                         latest, false, wall_ms());
      hello_sent_ = true;
    } else if (now_ms >= next_heartbeat_ms_) {
      std::array<std::uint64_t, kPriorityCount> lost{};
      for (std::size_t i = 0; i < kPriorityCount; ++i) lost[i] = lost_[i].load(std::memory_order_relaxed);
      control_out_.frame = control_encoder_.encode_heartbeat(latest_seq_.load(std::memory_order_relaxed), lost,
                                                             truncated_fields_.load(std::memory_order_relaxed), 0,
                                                             now_ms - started_ms_, wall_ms());
      next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
    }
  }
  if (alert_out_.frame.empty()) {
    queue_.try_pop_with([&](const AlertRecord& r) {
      const std::uint64_t seq = latest_seq_.load(std::memory_order_relaxed) + 1;
      alert_out_.frame = alert_encoder_.encode_alert(r, seq, wall_ms());
      latest_seq_.store(seq, std::memory_order_release);
    });
  }
}

bool Emitter::write_pending() {
  for (Outbound* out : {&control_out_, &alert_out_}) {
    if (out->frame.empty()) continue;
    const auto io = link_.write_some(out->frame, out->written);
    if (io == LinkConnection::Io::Closed) return false;
    if (io == LinkConnection::Io::WouldBlock) return true;
    *out = {};
    frames_sent_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

void Emitter::handle_inbound() {
  for (;;) {
    link::FrameStatus status = link::FrameStatus::Ok;
    bool closed = false;
    const link::Frame* frame = link_.next_frame(status, closed);
    if (closed || status != link::FrameStatus::Ok) {
      if (status != link::FrameStatus::Ok) link_errors_.fetch_add(1, std::memory_order_relaxed);
      on_disconnected(monotonic_ms());
      return;
    }
    if (frame == nullptr) return;
    switch (frame->payload_type()) {
      case link::Payload::HelloReply: {
        const auto* reply = frame->payload_as_HelloReply();
        if (reply->boot_id() == boot_id_) {
          const auto acked = std::min(reply->acked_seq(), latest_seq_.load(std::memory_order_relaxed));
          acked_seq_.store(std::max(acked, acked_seq_.load(std::memory_order_relaxed)), std::memory_order_release);
        }
        break;
      }
      case link::Payload::LinkAck: {
        const auto* ack = frame->payload_as_LinkAck();
        if (ack->boot_id() == boot_id_) {
          const auto acked = std::min(ack->acked_seq(), latest_seq_.load(std::memory_order_relaxed));
          acked_seq_.store(std::max(acked, acked_seq_.load(std::memory_order_relaxed)), std::memory_order_release);
        }
        break;
      }
      case link::Payload::OperatorAck: {
        const auto* ack = frame->payload_as_OperatorAck();
        if (ack_handler_) {
          const OperatorAckView view{ack->key()->string_view(), ack->alert_id()->string_view(),
                                     ack->acknowledged_by()->string_view(), ack->acknowledged_at_ms()};
          ack_handler_(ack_context_, view);
        }
        break;
      }
      default:  // frames only a rover sends: the relay is confused, start over
        link_errors_.fetch_add(1, std::memory_order_relaxed);
        on_disconnected(monotonic_ms());
        return;
    }
  }
}

void Emitter::poll(int timeout_ms) {
  if (!initialized_) return;
  std::uint64_t now = monotonic_ms();
  const std::uint64_t deadline = now + static_cast<std::uint64_t>(std::max(timeout_ms, 0));

  if (link_.state() == LinkConnection::State::Disconnected) {
    if (now < next_connect_ms_) {
      // Nothing to do until the backoff ends; sleep without a socket.
      const auto wait = static_cast<int>(std::min<std::uint64_t>(next_connect_ms_ - now, deadline - now));
      if (wait > 0) ::poll(nullptr, 0, wait);
      return;
    }
    if (!link_.start_connect()) {
      on_disconnected(now);
      return;
    }
  }
  if (link_.state() == LinkConnection::State::Connecting) {
    const auto state = link_.finish_connect(timeout_ms);
    now = monotonic_ms();
    if (state == LinkConnection::State::Disconnected) {
      on_disconnected(now);
      return;
    }
    if (state == LinkConnection::State::Connecting) return;
    on_connected(now);
  } else if (!hello_sent_) {
    on_connected(now);  // connect() succeeded at once
  }

  // Connected: write until the socket pushes back or nothing is left, then
  // read acks, then wait for the socket until the deadline.
  for (;;) {
    for (;;) {
      prepare_frames(now);
      if (control_out_.frame.empty() && alert_out_.frame.empty()) break;
      if (!write_pending()) {
        on_disconnected(monotonic_ms());
        return;
      }
      if (!control_out_.frame.empty() || !alert_out_.frame.empty()) break;  // socket full
    }
    handle_inbound();
    if (link_.state() != LinkConnection::State::Connected) return;
    now = monotonic_ms();
    if (now >= deadline) return;
    const bool want_write = !control_out_.frame.empty() || !alert_out_.frame.empty();
    const auto until_heartbeat = next_heartbeat_ms_ > now ? next_heartbeat_ms_ - now : 0;
    // raise() does not wake this thread, so wait in short steps.
    const auto wait = std::min<std::uint64_t>({deadline - now, until_heartbeat, 5u});
    link_.wait(static_cast<int>(wait), want_write);
    now = monotonic_ms();
  }
}

}  // namespace rover_alerts
