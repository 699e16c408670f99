// The C API (rover_alerts.h) over Emitter.

#include <rover_alerts/emitter.hpp>
#include <rover_alerts/rover_alerts.h>

#include <cstring>
#include <new>

struct rover_alerts_emitter {
  rover_alerts::Emitter emitter;
  rover_alerts_ack_handler handler = nullptr;
  void* context = nullptr;
  // NUL-terminated copies of an operator ack's fields for the C callback
  // (the link's views are not terminated). Reserved with the emitter.
  char key[rover_alerts::limits::kKeyBytes * 4 + 1];
  char alert_id[256];
  char by[256];
};

namespace {

using rover_alerts::Status;

std::string_view view(const char* s) { return s ? std::string_view(s) : std::string_view(); }

rover_alerts_status to_c(Status s) {
  switch (s) {
    case Status::Ok: return ROVER_ALERTS_OK;
    case Status::Truncated: return ROVER_ALERTS_TRUNCATED;
    case Status::QueueFull: return ROVER_ALERTS_QUEUE_FULL;
    case Status::TooManyProducers: return ROVER_ALERTS_TOO_MANY_PRODUCERS;
    case Status::NotInitialized: return ROVER_ALERTS_NOT_INITIALIZED;
    case Status::InvalidArgument: return ROVER_ALERTS_INVALID_ARGUMENT;
    case Status::OutOfMemory: return ROVER_ALERTS_OUT_OF_MEMORY;
  }
  return ROVER_ALERTS_INVALID_ARGUMENT;
}

// Bounds of the views built per call, on the caller's stack (no heap).
constexpr std::size_t kMaxPairs = 16;
static_assert(kMaxPairs > rover_alerts::limits::kMetadataPairs && kMaxPairs > rover_alerts::limits::kActionParams,
              "over-bound pairs must still reach the emitter to be counted");

struct SpecBuilder {
  rover_alerts::AlertSpec spec;
  rover_alerts::ActionSpec action;
  rover_alerts::KeyValueView params[kMaxPairs];
  rover_alerts::KeyValueView metadata[kMaxPairs];
};

bool build(const rover_alerts_alert* a, SpecBuilder& b) {
  if (a == nullptr || static_cast<unsigned>(a->priority) >= rover_alerts::kPriorityCount) return false;
  auto& s = b.spec;
  s.key = view(a->key);
  s.priority = static_cast<rover_alerts::Priority>(a->priority);
  s.source = view(a->source);
  s.title = view(a->title);
  s.message = view(a->message);
  s.group_id = view(a->group_id);
  s.persistent = a->persistent;
  s.closable = a->closable;
  s.expires_at_ms = a->expires_at_ms;
  s.min_interval_ms = a->min_interval_ms;
  // kMaxPairs is above every pair bound of limits.hpp, so the emitter still
  // sees (and counts) pairs beyond its bound.
  const std::size_t meta = a->metadata ? a->metadata_count : 0;
  for (std::size_t i = 0; i < meta && i < kMaxPairs; ++i) b.metadata[i] = {view(a->metadata[i].key), view(a->metadata[i].value)};
  s.metadata = meta ? b.metadata : nullptr;
  s.metadata_count = meta < kMaxPairs ? meta : kMaxPairs;
  if (a->action) {
    const std::size_t n = a->action->parameters ? a->action->parameter_count : 0;
    for (std::size_t i = 0; i < n && i < kMaxPairs; ++i)
      b.params[i] = {view(a->action->parameters[i].key), view(a->action->parameters[i].value)};
    b.action = {view(a->action->label), view(a->action->action_type), n ? b.params : nullptr, n < kMaxPairs ? n : kMaxPairs};
    s.action = &b.action;
  }
  return true;
}

void forward_ack(void* context, const rover_alerts::OperatorAckView& ack) {
  auto* e = static_cast<rover_alerts_emitter*>(context);
  if (!e->handler) return;
  auto copy = [](char* dst, std::size_t cap, std::string_view src) {
    const std::size_t n = rover_alerts::utf8_prefix_length(src, cap - 1);
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
  };
  copy(e->key, sizeof e->key, ack.key);
  copy(e->alert_id, sizeof e->alert_id, ack.alert_id);
  copy(e->by, sizeof e->by, ack.acknowledged_by);
  const rover_alerts_operator_ack c{e->key, e->alert_id, e->by, ack.acknowledged_at_ms};
  e->handler(e->context, &c);
}

}  // namespace

extern "C" {

void rover_alerts_config_init(rover_alerts_config* c) {
  if (!c) return;
  const rover_alerts::EmitterConfig d;
  *c = {};
  c->rover_id = "rover";
  c->relay_host = d.relay_host;
  c->relay_port = d.relay_port;
  c->queue_capacity = static_cast<uint32_t>(d.queue_capacity);
  c->max_producers = static_cast<uint32_t>(d.max_producers);
  c->staging_capacity = static_cast<uint32_t>(d.staging_capacity);
  c->key_capacity = static_cast<uint32_t>(d.key_capacity);
  c->min_update_interval_ms = d.min_update_interval_ms;
  c->replay_ring_bytes = static_cast<uint32_t>(d.replay_ring_bytes);
  c->heartbeat_interval_ms = d.heartbeat_interval_ms;
  c->reconnect_initial_ms = d.reconnect_initial_ms;
  c->reconnect_max_ms = d.reconnect_max_ms;
  c->boot_id = 0;
  c->lz4_min_batch_bytes = static_cast<uint32_t>(d.lz4_min_batch_bytes);
  c->precise_timestamps = d.precise_timestamps;
  c->has_link_key = false;
}

void rover_alerts_alert_init(rover_alerts_alert* a) {
  if (!a) return;
  *a = {};
  a->priority = ROVER_ALERTS_INFO;
  a->closable = true;
  a->min_interval_ms = rover_alerts::kDefaultMinInterval;
}

rover_alerts_status rover_alerts_init(rover_alerts_emitter** out, const rover_alerts_config* c) {
  if (!out || !c) return ROVER_ALERTS_INVALID_ARGUMENT;
  *out = nullptr;
  auto* e = new (std::nothrow) rover_alerts_emitter;
  if (!e) return ROVER_ALERTS_OUT_OF_MEMORY;
  rover_alerts::EmitterConfig config;
  config.rover_id = view(c->rover_id);
  config.relay_host = c->relay_host;
  config.relay_port = c->relay_port;
  config.queue_capacity = c->queue_capacity;
  config.max_producers = c->max_producers;
  config.staging_capacity = c->staging_capacity;
  config.key_capacity = c->key_capacity;
  config.min_update_interval_ms = c->min_update_interval_ms;
  config.replay_ring_bytes = c->replay_ring_bytes;
  config.heartbeat_interval_ms = c->heartbeat_interval_ms;
  config.reconnect_initial_ms = c->reconnect_initial_ms;
  config.reconnect_max_ms = c->reconnect_max_ms;
  config.boot_id = c->boot_id;
  config.lz4_min_batch_bytes = c->lz4_min_batch_bytes;
  config.precise_timestamps = c->precise_timestamps;
  config.has_link_key = c->has_link_key;
  std::memcpy(config.link_key.data(), c->link_key, config.link_key.size());
  const Status s = e->emitter.init(config);
  if (s != Status::Ok) {
    delete e;
    return to_c(s);
  }
  e->emitter.set_operator_ack_handler(forward_ack, e);
  *out = e;
  return ROVER_ALERTS_OK;
}

void rover_alerts_destroy(rover_alerts_emitter* e) { delete e; }

rover_alerts_status rover_alerts_raise(rover_alerts_emitter* e, const rover_alerts_alert* a) {
  if (!e) return ROVER_ALERTS_NOT_INITIALIZED;
  SpecBuilder b;
  if (!build(a, b)) return ROVER_ALERTS_INVALID_ARGUMENT;
  return to_c(e->emitter.raise(b.spec));
}

rover_alerts_status rover_alerts_update(rover_alerts_emitter* e, const rover_alerts_alert* a) {
  if (!e) return ROVER_ALERTS_NOT_INITIALIZED;
  SpecBuilder b;
  if (!build(a, b)) return ROVER_ALERTS_INVALID_ARGUMENT;
  return to_c(e->emitter.update(b.spec));
}

rover_alerts_status rover_alerts_clear(rover_alerts_emitter* e, const char* key) {
  if (!e) return ROVER_ALERTS_NOT_INITIALIZED;
  return to_c(e->emitter.clear(view(key)));
}

void rover_alerts_set_ack_handler(rover_alerts_emitter* e, rover_alerts_ack_handler handler, void* context) {
  if (!e) return;
  e->handler = handler;
  e->context = context;
}

void rover_alerts_poll(rover_alerts_emitter* e, int timeout_ms) {
  if (e) e->emitter.poll(timeout_ms);
}

bool rover_alerts_drained(const rover_alerts_emitter* e) { return e && e->emitter.drained(); }

void rover_alerts_get_counters(const rover_alerts_emitter* e, rover_alerts_counters* out) {
  if (!out) return;
  *out = {};
  if (!e) return;
  const auto c = e->emitter.counters();
  out->accepted = c.accepted;
  out->truncated_fields = c.truncated_fields;
  for (std::size_t i = 0; i < rover_alerts::kPriorityCount; ++i) out->lost_by_priority[i] = c.lost_by_priority[i];
  out->coalesced = c.coalesced;
  out->key_table_evictions = c.key_table_evictions;
  out->frames_sent = c.frames_sent;
  out->frames_replayed = c.frames_replayed;
  out->ring_gap_frames = c.ring_gap_frames;
  out->latest_seq = c.latest_seq;
  out->acked_seq = c.acked_seq;
  out->connects = c.connects;
  out->operator_acks = c.operator_acks;
  out->relay_refused = c.relay_refused;
  out->auth_failures = c.auth_failures;
}

const char* rover_alerts_status_string(rover_alerts_status s) {
  switch (s) {
    case ROVER_ALERTS_OK: return "ok";
    case ROVER_ALERTS_TRUNCATED: return "truncated";
    case ROVER_ALERTS_QUEUE_FULL: return "queue full";
    case ROVER_ALERTS_NOT_INITIALIZED: return "not initialized";
    case ROVER_ALERTS_INVALID_ARGUMENT: return "invalid argument";
    case ROVER_ALERTS_OUT_OF_MEMORY: return "out of memory";
    case ROVER_ALERTS_TOO_MANY_PRODUCERS: return "too many producer threads";
  }
  return "unknown";
}

}  // extern "C"
