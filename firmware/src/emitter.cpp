#include <rover_alerts/emitter.hpp>
#include <rover_alerts/clock.hpp>

#include <algorithm>
#include <cstring>
#include <sys/random.h>

namespace rover_alerts {

namespace {

// The link thread waits on its socket in steps of this much: raise() does not
// wake it (that would cost a system call per raise), so staging rings must
// hold what producers raise in one step (DESIGN.md §1). A shorter step
// is not free: every look at staging reads the producers' ring indices,
// taking those cache lines from their cores, and their next raise pays to
// take them back. So the link thread skips the wait only while staging fills
// fast: after a pass that took a quarter of a ring's capacity or more, the
// next pass starts at once. Such a look is paid for by what it finds. (A
// 50 us wait there instead took ~120 us on a VM, timer slack and wake-up
// included: the link thread idled 11% of a flood it could not keep up with.)
constexpr std::uint64_t kPollStepUs = 1000;
// Frames encoded ahead of one send() while alerts are queued (~80 KiB of
// typical frames). Each send costs a system call and a wake-up of whoever
// reads the socket, which in a saturated link took more of the link thread's
// time than framing; 64 frames per send gave 0.82-1.27 M alerts/s on the
// bench's link, 256 gave 0.98-1.56 M (four interleaved runs each).
// When fewer are queued, they go at once.
constexpr std::size_t kFramesPerSend = 256;
// Emitter's first line holds initialized_, raise_clock_ and producers_.
static_assert(sizeof(ProducerTable) + 8 <= 64, "the fields every raise reads share one cache line");
// Smallest possible alert frame, to size the replay ring's index.
constexpr std::size_t kMinAlertFrameBytes = 64;

std::uint64_t random_u64() {
  std::uint64_t value = 0;
  if (::getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) {
    value = wall_ms() ^ (monotonic_ms() << 20);  // entropy pool unavailable: still unique per boot in practice
  }
  return value;
}

bool power_of_two(std::size_t n) { return n >= 2 && (n & (n - 1)) == 0; }

std::size_t ring_index_frames(std::size_t ring_bytes) { return ring_bytes / kMinAlertFrameBytes + 1; }

}  // namespace

std::size_t Emitter::reserved_bytes(const EmitterConfig& c) {
  return sizeof(Emitter) + ProducerTable::reserved_bytes(c.max_producers, c.staging_capacity) +
         PriorityOutbox::reserved_bytes(c.queue_capacity) + KeyTable::reserved_bytes(c.key_capacity) +
         ReplayRing::reserved_bytes(c.replay_ring_bytes, ring_index_frames(c.replay_ring_bytes)) +
         FrameEncoder::arena_bytes(FrameEncoder::kControlBuilderBytes) + sizeof(flatbuffers::FlatBufferBuilder) +
         (c.lz4_min_batch_bytes > 0 ? Lz4BatchEncoder::reserved_bytes() : 0);
}

Status Emitter::init(const EmitterConfig& config) {
  if (initialized_) return Status::InvalidArgument;
  if (config.rover_id.empty() || config.relay_host == nullptr || config.relay_port == 0 ||
      config.heartbeat_interval_ms == 0 || config.hello_timeout_ms == 0 || config.reconnect_initial_ms == 0 ||
      config.reconnect_max_ms < config.reconnect_initial_ms || !power_of_two(config.staging_capacity) ||
      config.max_producers == 0 || config.max_producers > ProducerTable::kMaxProducers ||
      config.queue_capacity == 0 || config.queue_capacity > PriorityOutbox::kMaxCapacity ||
      config.key_capacity == 0 || config.key_capacity > KeyTable::kMaxCapacity ||
      config.replay_ring_bytes < kMaxAlertFrameBytes || config.replay_ring_bytes > UINT32_MAX)
    return Status::InvalidArgument;
  if (!producers_.init(config.max_producers, config.staging_capacity) || !outbox_.init(config.queue_capacity) ||
      !keys_.init(config.key_capacity) ||
      !ring_.init(config.replay_ring_bytes, ring_index_frames(config.replay_ring_bytes)) ||
      !control_encoder_.init(FrameEncoder::kControlBuilderBytes) ||
      (config.lz4_min_batch_bytes > 0 && !batch_encoder_.init()))
    return Status::OutOfMemory;
  if (!link_.init(config.relay_host, config.relay_port, config.has_link_key)) return Status::InvalidArgument;
  if (config.has_link_key && !handshake_mac_.init(config.link_key)) return Status::OutOfMemory;
  config_ = config;
  rover_id_.assign(config.rover_id);
  config_.rover_id = rover_id_.view();
  boot_id_ = config.boot_id;
  while (boot_id_ == 0) boot_id_ = random_u64();
  jitter_state_ = boot_id_;
  started_ms_ = monotonic_ms();
  raise_clock_ = config.precise_timestamps ? CLOCK_REALTIME : CLOCK_REALTIME_COARSE;
  initialized_ = true;
  return Status::Ok;
}

// ---- producer side: wait-free ---------------------------------------------------

Status Emitter::enqueue(EventKind kind, const AlertSpec& alert) {
  if (!initialized_) return Status::NotInitialized;
  if (alert.key.empty() || alert.message.empty() || (kind == EventKind::Raise && alert.source.empty()))
    return Status::InvalidArgument;
  return stage(kind, alert, true);
}

Status Emitter::enqueue_clear(std::string_view key, std::string_view source, Priority priority, bool known) {
  if (!initialized_) return Status::NotInitialized;
  if (key.empty()) return Status::InvalidArgument;
  AlertSpec spec;
  spec.key = key;
  spec.source = source;
  spec.priority = priority;
  spec.message = "returned to normal";
  return stage(EventKind::Clear, spec, known);
}

Status Emitter::stage(EventKind kind, const AlertSpec& alert, bool priority_known) {
  const std::size_t p = index_of(alert.priority);
  if (p >= kPriorityCount) return Status::InvalidArgument;
  ProducerSlot* slot = producers_.slot_for_this_thread();
  if (slot == nullptr) {
    lost_no_slot_[p].fetch_add(1, std::memory_order_relaxed);
    return Status::TooManyProducers;
  }
  unsigned truncated = 0;
  // The clock is read only once the ring has room: a refused call costs less.
  const bool queued = slot->rings[p].try_push_with([&](std::uint8_t* at) {
    const auto stamp = static_cast<std::uint32_t>(slot->accepted.get());
    const StagingWrite written = encode_staging(at, kind, alert, clock_ms(raise_clock_), stamp, priority_known);
    truncated = written.truncated;
    return written.bytes;
  });
  if (!queued) {
    slot->lost[p].add(1);
    return Status::QueueFull;
  }
  slot->accepted.add(1);
  if (truncated == 0) return Status::Ok;
  slot->truncated_fields.add(truncated);
  return Status::Truncated;
}

// A clear without a priority travels in the critical staging ring: a flood of
// lower-priority raises cannot take its slot. Its real priority is the key's.
Status Emitter::clear(std::string_view key) { return enqueue_clear(key, {}, Priority::Critical, false); }

Status Emitter::clear(std::string_view key, std::string_view source, Priority priority) {
  return enqueue_clear(key, source, priority, true);
}

void Emitter::set_operator_ack_handler(OperatorAckHandler handler, void* context) {
  ack_handler_ = handler;
  ack_context_ = context;
}

// ---- link side: staging -> outbox (coalescing) ----------------------------------

std::size_t Emitter::drain_staging(std::uint64_t now_ms) {
  std::size_t most = 0;  // records taken from one slot
  const std::size_t claimed = producers_.claimed();
  // At most one ring's worth per priority per slot and pass, so a producer that
  // never pauses cannot keep the link thread from its socket.
  const std::size_t limit = kPriorityCount * producers_.ring_capacity();
  for (std::size_t i = 0; i < claimed; ++i) {
    ProducerSlot& slot = producers_.slot(i);
    std::size_t n = 0;
    for (; n < limit; ++n) {
      bool took = false;
      for (auto& ring : slot.rings) {
        const std::uint8_t* r = ring.front();
        if (r != nullptr && staging_stamp(r) == slot.drain_stamp) {
          admit(r, ring.front_size(), now_ms);
          ring.pop();
          ++slot.drain_stamp;
          took = true;
          break;
        }
      }
      if (!took) break;
    }
    most = std::max(most, n);
    producers_.recycle_if_drained(i);  // a slot whose thread ended is free once empty
  }
  return most;
}

void Emitter::account_push(const PriorityOutbox::PushResult& result, Priority priority, std::int32_t key) {
  if (result.evicted) {
    lost_outbox_[index_of(result.evicted_priority)].add(1);
    if (result.evicted_key_ref != PriorityOutbox::kNone) keys_.at(result.evicted_key_ref).pending = KeyTable::kNone;
  }
  if (result.slot == PriorityOutbox::kNone) {
    lost_outbox_[index_of(priority)].add(1);
  } else if (key != KeyTable::kNone) {
    keys_.at(key).pending = result.slot;
  }
}

void Emitter::push_outbox(const AlertRecord& record, std::uint64_t due_ms, std::uint64_t now_ms,
                          std::int32_t key) {
  account_push(outbox_.push(record, due_ms, now_ms, key), record.priority, key);
}

void Emitter::admit(const std::uint8_t* staged, std::size_t size, std::uint64_t now_ms) {
  const StagingPeek peek = staging_peek(staged);
  const std::uint64_t key_hash = KeyTable::hash(peek.key);
  const std::int32_t k = keys_.find(peek.key, key_hash);
  if (peek.kind != EventKind::Clear && k == KeyTable::kNone) {
    admit_new_key(staged, size, peek, key_hash, now_ms);
  } else {
    decode_staging(staged, drained_);
    admit_known(drained_, k, now_ms);
  }
}

// A raise or update of a key not in the table: a new alert. Its staging
// record goes into the outbox as it is, to be framed from there (the hot path
// of a busy link: no decoding, one copy of the bytes it uses).
void Emitter::admit_new_key(const std::uint8_t* staged, std::size_t size, const StagingPeek& peek,
                            std::uint64_t key_hash, std::uint64_t now_ms) {
  KeyTable::Eviction evicted;
  const std::int32_t n = keys_.insert(peek.key, key_hash, evicted);
  if (evicted.happened) {
    key_evictions_.add(1);
    // Its held update goes out now: a later clear of that key must not
    // overtake it.
    if (evicted.pending != KeyTable::kNone) release_held(evicted.pending);
  }
  // Dropped by the outbox's rule or not, the key is tracked from here on.
  account_push(outbox_.push_staged(staged, size, 0, now_ms, n), peek.priority, n);
  KeyTable::Entry& e = keys_.at(n);
  e.source.assign(peek.source.empty() ? rover_id_.view() : peek.source);
  e.priority = peek.priority;
  e.occurrences = 1;
  e.min_interval_ms = peek.min_interval_ms == kDefaultMinInterval ? config_.min_update_interval_ms : peek.min_interval_ms;
  e.raised_at_ms = peek.now_ms;
  e.last_seen_ms = peek.now_ms;
  e.last_sent_ms = now_ms;
}

// A key's held-back update (outbox `slot`) goes out now, at its own priority,
// and no longer belongs to the key. Returns that priority.
Priority Emitter::release_held(std::int32_t slot) {
  const Priority priority = outbox_.priority(slot);
  outbox_.make_ready(slot, priority);
  outbox_.set_key_ref(slot, PriorityOutbox::kNone);
  return priority;
}

// A clear, or a call for a key in the table (`k`, else KeyTable::kNone).
void Emitter::admit_known(AlertRecord& r, std::int32_t k, std::uint64_t now_ms) {
  if (r.kind == EventKind::Clear) {
    if (k != KeyTable::kNone) {
      KeyTable::Entry& e = keys_.at(k);
      if (r.source.empty()) r.source.copy_from(e.source);
      if (!r.priority_known) r.priority = e.priority;
      // A held-back update goes out now, and ahead of the clear: both in the
      // same priority list, which is FIFO.
      if (e.pending != KeyTable::kNone) r.priority = release_held(e.pending);
      keys_.remove(k);
    } else {
      if (r.source.empty()) r.source.assign(rover_id_.view());
      if (!r.priority_known) r.priority = Priority::Info;
    }
    r.priority_known = true;
    push_outbox(r, 0, now_ms, KeyTable::kNone);
    return;
  }

  // An active key: fold this call into its alert.
  KeyTable::Entry& e = keys_.at(k);
  keys_.touch(k);
  coalesced_.add(1);
  if (r.min_interval_ms != kDefaultMinInterval) e.min_interval_ms = r.min_interval_ms;
  if (r.kind == EventKind::Raise) ++e.occurrences;
  e.last_seen_ms = r.last_seen_ms;
  const bool escalated = index_of(r.priority) < index_of(e.priority);
  if (escalated) e.priority = r.priority;
  if (r.source.empty()) r.source.copy_from(e.source);
  r.priority = e.priority;
  r.occurrences = e.occurrences;
  r.raised_at_ms = e.raised_at_ms;

  if (e.pending != KeyTable::kNone) {
    // Not framed yet: the held entry takes the newest state. A raise the relay
    // has not seen stays a raise.
    if (outbox_.kind(e.pending) == EventKind::Raise) r.kind = EventKind::Raise;
    r.priority = outbox_.priority(e.pending);
    outbox_.replace(e.pending, r);
    if (escalated) outbox_.make_ready(e.pending, e.priority);  // news: no waiting, more urgent list
    return;
  }
  // Everything sent: the next update waits for the key's interval, unless the
  // priority rose (news the operators should see at once).
  const std::uint64_t due = escalated ? 0 : e.last_sent_ms + e.min_interval_ms;
  push_outbox(r, due, now_ms, k);
}

// ---- link side: outbox -> replay ring -> socket -------------------------------

bool Emitter::frame_next(std::uint64_t now_ms) {
  if (ring_blocked_) return false;
  const std::int32_t slot = outbox_.next_ready();
  if (slot == PriorityOutbox::kNone) return false;
  const std::uint64_t seq = latest_seq_.load(std::memory_order_relaxed) + 1;
  AlertView alert = outbox_.is_staged(slot) ? staged_view(outbox_.staged(slot), rover_id_.view())
                                             : view_of(outbox_.record(slot));
  alert.priority = outbox_.priority(slot);  // the entry's: make_ready() may have raised it
  const bool framed = ring_.append_with(seq, kMaxAlertFrameBytes, [&](std::uint8_t* at) {
    return write_alert_frame(alert, seq, wall_now_ms_, at);
  });
  if (!framed) {
    ring_blocked_ = true;  // wait for acks; the alert stays in the outbox
    return false;
  }
  latest_seq_.store(seq, std::memory_order_release);
  const std::int32_t k = outbox_.key_ref(slot);
  if (k != PriorityOutbox::kNone) {
    keys_.at(k).pending = KeyTable::kNone;
    keys_.at(k).last_sent_ms = now_ms;
  }
  outbox_.remove(slot);
  if (send_seq_ == 0) {
    send_seq_ = seq;
    send_offset_ = 0;
  }
  return true;
}

void Emitter::advance_send_cursor(std::size_t bytes) {
  while (bytes > 0 && send_seq_ != 0) {
    const std::size_t remaining = ring_.frame(send_seq_).size() - send_offset_;
    if (bytes < remaining) {
      send_offset_ += bytes;
      return;
    }
    bytes -= remaining;
    frames_sent_.add(1);
    if (send_seq_ <= highest_written_seq_) frames_replayed_.add(1);
    else highest_written_seq_ = send_seq_;
    send_offset_ = 0;
    send_seq_ = send_seq_ == ring_.newest_seq() ? 0 : send_seq_ + 1;
  }
}

LinkConnection::Io Emitter::write_counted(Outbound& out) {
  const std::size_t before = out.written;
  const auto io = link_.write_some(out.frame, out.written);
  bytes_sent_.add(out.written - before);
  return io;
}

// The whole frames from send_seq_ that lie back to back in the ring, up to a
// batch's bound; when they reach the threshold and compress smaller, they go
// as one Lz4Batch. The ring keeps the frames themselves for replay.
void Emitter::prepare_batch() {
  if (!lz4_agreed_ || send_seq_ == 0 || send_offset_ != 0 || !batch_out_.frame.empty() || link_.segment_open())
    return;
  const auto run = ring_.contiguous_from(send_seq_, 0);
  if (run.size() < config_.lz4_min_batch_bytes) return;
  std::size_t raw = 0;
  for (std::uint64_t seq = send_seq_; seq <= ring_.newest_seq(); ++seq) {
    const std::size_t size = ring_.frame(seq).size();
    if (raw + size > run.size() || raw + size > link::kMaxLz4BatchRawBytes) break;
    raw += size;
  }
  if (raw < config_.lz4_min_batch_bytes) return;
  const auto frame = batch_encoder_.encode(run.first(raw), wall_now_ms_);
  if (frame.empty()) return;  // incompressible: the frames go as they are
  batch_out_ = {frame, 0, false};
  batch_raw_bytes_ = raw;
}

bool Emitter::write_pending(std::uint64_t now_ms) {
  // The tag of a segment whose frames are all out (sealed links).
  if (const auto io = link_.flush(); io != LinkConnection::Io::Done) return io != LinkConnection::Io::Closed;
  for (;;) {
    const bool between_frames = send_offset_ == 0 && batch_out_.frame.empty() && !link_.segment_open();
    if (!control_out_.frame.empty() && between_frames) {
      const auto io = write_counted(control_out_);
      if (io == LinkConnection::Io::Closed) return false;
      if (io == LinkConnection::Io::WouldBlock) return true;
      if (control_out_.heartbeat) heartbeats_sent_.add(1);
      // The proof went plain; everything after it is sealed.
      if (control_out_.proof && !link_.start_sealing(session_key_)) return false;
      control_out_ = {};
    }
    if (stage_ != Stage::Streaming) return true;
    if (batch_out_.frame.empty()) {
      if (send_seq_ == 0 || ring_.newest_seq() - send_seq_ < kFramesPerSend)
        for (std::size_t i = 0; i < kFramesPerSend && frame_next(now_ms); ++i) {
        }
      if (send_seq_ == 0) return true;
      prepare_batch();
    }
    if (!batch_out_.frame.empty()) {
      const auto io = write_counted(batch_out_);
      if (io == LinkConnection::Io::Closed) return false;
      if (io == LinkConnection::Io::WouldBlock) return true;
      lz4_batches_.add(1);
      lz4_raw_bytes_.add(batch_raw_bytes_);
      lz4_batch_bytes_.add(batch_out_.frame.size());
      advance_send_cursor(batch_raw_bytes_);
      batch_out_ = {};
      batch_raw_bytes_ = 0;
      continue;
    }
    const auto run = ring_.contiguous_from(send_seq_, send_offset_);
    std::size_t written = 0;
    const auto io = link_.write_some(run, written);
    bytes_sent_.add(written);
    advance_send_cursor(written);
    if (io == LinkConnection::Io::Closed) return false;
    if (io == LinkConnection::Io::WouldBlock) return true;
  }
}

// ---- link side: connection ------------------------------------------------------

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
  connects_.add(1);
  // Hello says what the ring still holds; alert frames wait for the reply,
  // which says where to resume. With a key, the hello carries a fresh nonce
  // and the relay must answer with a challenge first.
  link::LinkNonce nonce{};
  const bool authenticate = config_.has_link_key;
  if (authenticate && !link::fill_random(nonce)) {
    on_disconnected(now_ms);
    return;
  }
  control_out_ = {};
  control_out_.frame = control_encoder_.encode_hello(
      rover_id_.view(), boot_id_, ring_.oldest_seq(), latest_seq_.load(std::memory_order_relaxed),
      batch_encoder_.initialized(), authenticate ? std::span<const std::uint8_t>(nonce) : std::span<const std::uint8_t>(),
      wall_now_ms_);
  hello_sent_bytes_ = std::min(control_out_.frame.size(), hello_sent_.size());
  std::memcpy(hello_sent_.data(), control_out_.frame.data(), hello_sent_bytes_);
  send_seq_ = 0;
  send_offset_ = 0;
  stage_ = authenticate ? Stage::AwaitingChallenge : Stage::AwaitingReply;
  hello_deadline_ms_ = now_ms + config_.hello_timeout_ms;
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
}

void Emitter::on_disconnected(std::uint64_t now_ms) {
  link_.close();
  stage_ = Stage::Disconnected;
  // A frame cut mid-write is sent again whole after the next hello (it is
  // still in the ring); control frames are rebuilt.
  control_out_ = {};
  batch_out_ = {};
  batch_raw_bytes_ = 0;
  lz4_agreed_ = false;
  send_seq_ = 0;
  send_offset_ = 0;
  next_connect_ms_ = now_ms + next_backoff_ms();
}

// The relay's challenge: prove the key (HMAC over both frames as sent) and
// derive this connection's session key; the reply comes sealed under it.
bool Emitter::on_challenge(std::span<const std::uint8_t> challenge_frame, const link::Challenge& challenge) {
  if (challenge.nonce()->size() != link::kNonceBytes) return false;
  const std::span<const std::uint8_t> hello(hello_sent_.data(), hello_sent_bytes_);
  link::LinkProof proof{};
  if (!handshake_mac_.compute(link::kRoverProofLabel, hello, challenge_frame, proof) ||
      !handshake_mac_.compute(link::kSessionKeyLabel, hello, challenge_frame, session_key_) ||
      !link_.start_opening(session_key_))
    return false;
  control_out_ = {};
  control_out_.frame = control_encoder_.encode_proof(proof, wall_now_ms_);
  control_out_.proof = true;
  stage_ = Stage::AwaitingReply;
  return true;
}

void Emitter::fail_auth(std::uint64_t now_ms) {
  link_errors_.add(1);
  auth_failures_.add(1);
  on_disconnected(now_ms);
}

void Emitter::on_hello_reply(std::uint64_t acked, bool lz4) {
  if (stage_ != Stage::AwaitingReply) return;  // one reply per hello
  connect_attempts_ = 0;  // backoff resets only once the relay took us: a refusal keeps backing off
  lz4_agreed_ = lz4 && batch_encoder_.initialized();
  const std::uint64_t latest = latest_seq_.load(std::memory_order_relaxed);
  acked = std::min(acked, latest);
  acked_seq_.store(acked, std::memory_order_release);
  if (ring_.release_through(acked) > 0) ring_blocked_ = false;
  // Frames after `acked` that the ring no longer holds (the relay acknowledged
  // them once and has since lost them) cannot be replayed: a counted gap.
  const std::uint64_t oldest_available = ring_.empty() ? latest + 1 : ring_.oldest_seq();
  if (oldest_available > acked + 1) {
    const std::uint64_t last_missing = oldest_available - 1;
    const std::uint64_t from = std::max(acked, gap_floor_seq_);
    if (last_missing > from) ring_gap_frames_.add(last_missing - from);
    gap_floor_seq_ = std::max(gap_floor_seq_, last_missing);
  }
  // Replay exactly what follows `acked`, then carry on with new frames.
  send_seq_ = ring_.empty() ? 0 : ring_.oldest_seq();
  send_offset_ = 0;
  stage_ = Stage::Streaming;
}

void Emitter::on_ack(std::uint64_t acked) {
  acked = std::min(acked, latest_seq_.load(std::memory_order_relaxed));
  if (acked <= acked_seq_.load(std::memory_order_relaxed)) return;
  acked_seq_.store(acked, std::memory_order_release);
  // Never release the frame being written, or a batch's frames while the
  // batch is: the send cursor walks them when it is done.
  const bool mid_write = send_offset_ > 0 || !batch_out_.frame.empty() || link_.segment_open();
  const std::uint64_t keep_from = mid_write ? send_seq_ : UINT64_MAX;
  if (ring_.release_through(acked, keep_from) > 0) ring_blocked_ = false;
  if (send_seq_ != 0 && !mid_write && send_seq_ <= acked)
    send_seq_ = acked < ring_.newest_seq() ? acked + 1 : 0;
}

void Emitter::prepare_control(std::uint64_t now_ms) {
  if (stage_ != Stage::Streaming || !control_out_.frame.empty() || now_ms < next_heartbeat_ms_) return;
  control_out_.frame = control_encoder_.encode_heartbeat(latest_seq_.load(std::memory_order_relaxed), lost_totals(),
                                                         truncated_total(), ring_gap_frames_.get(),
                                                         now_ms - started_ms_, wall_now_ms_);
  control_out_.written = 0;
  control_out_.heartbeat = true;
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
}

void Emitter::handle_inbound(std::uint64_t now_ms) {
  for (;;) {
    link::FrameStatus status = link::FrameStatus::Ok;
    bool closed = false;
    const link::Frame* frame = link_.next_frame(status, closed);
    if (status == link::FrameStatus::Unauthentic) return fail_auth(now_ms);
    if (closed || status != link::FrameStatus::Ok) {
      if (status != link::FrameStatus::Ok) link_errors_.add(1);
      on_disconnected(now_ms);
      return;
    }
    if (frame == nullptr) return;
    // A rover with a key talks only to a relay that challenges it and then seals.
    if (stage_ == Stage::AwaitingChallenge && frame->payload_type() != link::Payload::Challenge)
      return fail_auth(now_ms);
    switch (frame->payload_type()) {
      case link::Payload::Challenge: {
        if (stage_ != Stage::AwaitingChallenge) return fail_auth(now_ms);
        if (!on_challenge(link_.last_frame_bytes(), *frame->payload_as_Challenge())) return fail_auth(now_ms);
        break;
      }
      case link::Payload::HelloReply: {
        const auto* reply = frame->payload_as_HelloReply();
        if (reply->boot_id() != boot_id_) {  // answering some other boot: start over
          link_errors_.add(1);
          on_disconnected(now_ms);
          return;
        }
        on_hello_reply(reply->acked_seq(), reply->lz4());
        break;
      }
      case link::Payload::LinkAck: {
        const auto* ack = frame->payload_as_LinkAck();
        if (ack->boot_id() == boot_id_ && stage_ == Stage::Streaming) {
          on_ack(ack->acked_seq());
          relay_refused_.store(ack->refused_alerts(), std::memory_order_relaxed);
        }
        break;
      }
      case link::Payload::OperatorAck: {
        const auto* ack = frame->payload_as_OperatorAck();
        operator_acks_.add(1);
        if (ack_handler_) {
          const OperatorAckView view{ack->key()->string_view(), ack->alert_id()->string_view(),
                                     ack->acknowledged_by()->string_view(), ack->acknowledged_at_ms()};
          ack_handler_(ack_context_, view);
        }
        break;
      }
      default:  // frames only a rover sends: the relay is confused, start over
        link_errors_.add(1);
        on_disconnected(now_ms);
        return;
    }
  }
}

void Emitter::service_link(std::uint64_t now_ms, bool readable) {
  if (stage_ == Stage::Disconnected) {
    if (now_ms < next_connect_ms_) return;
    if (!link_.start_connect()) {
      on_disconnected(now_ms);
      return;
    }
    stage_ = Stage::Connecting;
  }
  if (stage_ == Stage::Connecting) {
    const auto state = link_.finish_connect(0);
    if (state == LinkConnection::State::Disconnected) {
      on_disconnected(now_ms);
      return;
    }
    if (state == LinkConnection::State::Connecting) return;
    on_connected(now_ms);
  }
  if ((stage_ == Stage::AwaitingChallenge || stage_ == Stage::AwaitingReply) && now_ms >= hello_deadline_ms_) {
    link_errors_.add(1);
    on_disconnected(now_ms);
    return;
  }
  prepare_control(now_ms);
  if (!write_pending(now_ms)) {
    on_disconnected(now_ms);
    return;
  }
  // Reading costs a system call; while alerts stream, one read per
  // millisecond (or when the ring needs acks to make room) is plenty.
  const bool need_acks = ring_blocked_ || ring_.bytes_used() > ring_.capacity_bytes() / 2;
  if (!readable && stage_ == Stage::Streaming && !need_acks && now_ms < next_read_ms_) return;
  next_read_ms_ = now_ms + 1;
  handle_inbound(now_ms);
  // Acks may have freed ring room or a hello reply may have opened the stream.
  if (stage_ == Stage::Streaming && !write_pending(now_ms)) on_disconnected(now_ms);
}

void Emitter::poll(int timeout_ms) {
  if (!initialized_) return;
  const std::uint64_t deadline = monotonic_ms() + static_cast<std::uint64_t>(std::max(timeout_ms, 0));
  bool readable = false;  // unknown: the once-per-millisecond read covers it
  for (;;) {
    const std::uint64_t now = monotonic_ms();
    wall_now_ms_ = wall_ms();
    const bool filling = drain_staging(now) >= producers_.ring_capacity() / 4;
    outbox_.release_due(now);
    service_link(now, readable);
    const std::uint64_t after = monotonic_ms();
    if (after >= deadline) return;
    if (filling) {
      readable = false;  // unknown: the once-per-millisecond read covers it
      continue;
    }
    const std::uint64_t wait_us = std::min<std::uint64_t>((deadline - after) * 1000, kPollStepUs);
    if (stage_ == Stage::Disconnected) {
      LinkConnection::sleep_us(wait_us);
      readable = false;
    } else {
      const bool want_write = stage_ == Stage::Connecting || !control_out_.frame.empty() || link_.tail_pending() ||
                              (send_seq_ != 0 && stage_ == Stage::Streaming);
      readable = link_.wait_us(wait_us, want_write);
    }
  }
}

// ---- observers ------------------------------------------------------------------

std::uint64_t Emitter::timestamp_resolution_ms() const {
  timespec res{};
  if (::clock_getres(raise_clock_, &res) != 0) return 1000;  // unknown: say a second
  const std::uint64_t ns = static_cast<std::uint64_t>(res.tv_sec) * 1000000000u + static_cast<std::uint64_t>(res.tv_nsec);
  return std::max<std::uint64_t>(1, (ns + 999999) / 1000000);
}

bool Emitter::drained() const {
  for (std::size_t i = 0; i < producers_.claimed(); ++i)
    for (const auto& ring : producers_.slot(i).rings)
      if (!ring.empty()) return false;
  return outbox_.empty() && ring_.empty() &&
         acked_seq_.load(std::memory_order_acquire) == latest_seq_.load(std::memory_order_acquire);
}

std::array<std::uint64_t, kPriorityCount> Emitter::lost_totals() const {
  std::array<std::uint64_t, kPriorityCount> lost{};
  for (std::size_t p = 0; p < kPriorityCount; ++p) {
    lost[p] = lost_no_slot_[p].load(std::memory_order_relaxed) + lost_outbox_[p].get();
    for (std::size_t i = 0; i < producers_.claimed(); ++i) lost[p] += producers_.slot(i).lost[p].get();
  }
  return lost;
}

std::uint64_t Emitter::truncated_total() const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < producers_.claimed(); ++i) n += producers_.slot(i).truncated_fields.get();
  return n;
}

EmitterCounters Emitter::counters() const {
  EmitterCounters c;
  if (!initialized_) return c;
  for (std::size_t i = 0; i < producers_.claimed(); ++i) c.accepted += producers_.slot(i).accepted.get();
  c.truncated_fields = truncated_total();
  c.lost_by_priority = lost_totals();
  for (std::size_t p = 0; p < kPriorityCount; ++p) {
    c.lost_in_outbox += lost_outbox_[p].get();
    c.lost_in_staging += c.lost_by_priority[p] - lost_outbox_[p].get();
  }
  c.coalesced = coalesced_.get();
  c.key_table_evictions = key_evictions_.get();
  c.frames_sent = frames_sent_.get();
  c.frames_replayed = frames_replayed_.get();
  c.ring_gap_frames = ring_gap_frames_.get();
  c.latest_seq = latest_seq_.load(std::memory_order_relaxed);
  c.acked_seq = acked_seq_.load(std::memory_order_relaxed);
  c.connects = connects_.get();
  c.link_errors = link_errors_.get();
  c.auth_failures = auth_failures_.get();
  c.operator_acks = operator_acks_.get();
  c.relay_refused = relay_refused_.load(std::memory_order_relaxed);
  c.heartbeats_sent = heartbeats_sent_.get();
  c.bytes_sent = bytes_sent_.get();
  c.lz4_batches = lz4_batches_.get();
  c.lz4_raw_bytes = lz4_raw_bytes_.get();
  c.lz4_batch_bytes = lz4_batch_bytes_.get();
  return c;
}

}  // namespace rover_alerts
