/* rover_alerts.h -- C API of the firmware emitter, for C control loops.
 *
 * The same emitter as the C++ API (emitter.hpp), with plain C structs:
 *
 *   rover_alerts_config_init(&config);   defaults, then set relay_port etc.
 *   rover_alerts_init(&emitter, &config);  reserves every byte it will use
 *   rover_alerts_raise / _update / _clear  wait-free, no allocation; strings
 *                                          are copied before the call returns
 *   rover_alerts_poll(emitter, ms);        the link side, one thread
 *   rover_alerts_destroy(emitter);
 *
 * Strings are NUL-terminated; NULL means empty. Fields longer than their bound
 * are truncated at a UTF-8 boundary and counted (ROVER_ALERTS_TRUNCATED). */
#ifndef ROVER_ALERTS_H
#define ROVER_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rover_alerts_status {
  ROVER_ALERTS_OK = 0,
  ROVER_ALERTS_TRUNCATED = 1,          /* accepted; a field was cut to its bound */
  ROVER_ALERTS_QUEUE_FULL = 2,         /* not accepted; counted as lost */
  ROVER_ALERTS_NOT_INITIALIZED = 3,
  ROVER_ALERTS_INVALID_ARGUMENT = 4,
  ROVER_ALERTS_OUT_OF_MEMORY = 5,
  ROVER_ALERTS_TOO_MANY_PRODUCERS = 6  /* not accepted; counted as lost */
} rover_alerts_status;

typedef enum rover_alerts_priority {
  ROVER_ALERTS_CRITICAL = 0,
  ROVER_ALERTS_HIGH = 1,
  ROVER_ALERTS_MEDIUM = 2,
  ROVER_ALERTS_LOW = 3,
  ROVER_ALERTS_INFO = 4
} rover_alerts_priority;

typedef struct rover_alerts_config {
  const char* rover_id;
  const char* relay_host;
  uint16_t relay_port;
  uint32_t queue_capacity;
  uint32_t max_producers;
  uint32_t staging_capacity;           /* per thread and priority: records of up to 512 B; power of two */
  uint32_t key_capacity;
  uint32_t min_update_interval_ms;
  uint32_t replay_ring_bytes;
  uint32_t heartbeat_interval_ms;
  uint32_t reconnect_initial_ms;
  uint32_t reconnect_max_ms;
  uint64_t boot_id;                    /* 0: random */
  uint32_t lz4_min_batch_bytes;        /* frames pending beyond this go lz4-batched if the relay agrees; 0: never */
  bool precise_timestamps;             /* false: timestamps at the kernel tick's resolution (cheaper raise) */
  bool has_link_key;                   /* true: authenticate the link with link_key (the relay's --rovers line) */
  uint8_t link_key[32];                /* this rover's secret; without it only an --insecure-links relay accepts the rover */
} rover_alerts_config;

typedef struct rover_alerts_kv {
  const char* key;
  const char* value;
} rover_alerts_kv;

typedef struct rover_alerts_action {
  const char* label;
  const char* action_type;
  const rover_alerts_kv* parameters;
  size_t parameter_count;
} rover_alerts_action;

typedef struct rover_alerts_alert {
  const char* key;                     /* source + code; required */
  rover_alerts_priority priority;
  const char* source;                  /* required for raise */
  const char* title;
  const char* message;                 /* required */
  const rover_alerts_action* action;   /* optional */
  const rover_alerts_kv* metadata;
  size_t metadata_count;
  const char* group_id;
  bool persistent;
  bool closable;
  uint64_t expires_at_ms;              /* unix ms; 0: never */
  uint32_t min_interval_ms;            /* 0xFFFFFFFF: the configured default */
} rover_alerts_alert;

typedef struct rover_alerts_operator_ack {
  const char* key;                     /* NUL-terminated copies, valid during the callback */
  const char* alert_id;
  const char* acknowledged_by;
  uint64_t acknowledged_at_ms;
} rover_alerts_operator_ack;

typedef void (*rover_alerts_ack_handler)(void* context, const rover_alerts_operator_ack* ack);

typedef struct rover_alerts_counters {
  uint64_t accepted;
  uint64_t truncated_fields;
  uint64_t lost_by_priority[5];
  uint64_t coalesced;
  uint64_t key_table_evictions;
  uint64_t frames_sent;
  uint64_t frames_replayed;
  uint64_t ring_gap_frames;
  uint64_t latest_seq;
  uint64_t acked_seq;
  uint64_t connects;
  uint64_t operator_acks;
  uint64_t relay_refused; /* alerts the relay acknowledged but refused to store (its per-rover cap) */
  uint64_t auth_failures; /* connections the relay did not authenticate itself on (wrong key, no challenge) */
} rover_alerts_counters;

typedef struct rover_alerts_emitter rover_alerts_emitter;

void rover_alerts_config_init(rover_alerts_config* config);
void rover_alerts_alert_init(rover_alerts_alert* alert);  /* zeroes; closable = true, default interval */

/* Allocates and initialises an emitter (the only allocations it makes). */
rover_alerts_status rover_alerts_init(rover_alerts_emitter** emitter, const rover_alerts_config* config);
void rover_alerts_destroy(rover_alerts_emitter* emitter);

rover_alerts_status rover_alerts_raise(rover_alerts_emitter* emitter, const rover_alerts_alert* alert);
rover_alerts_status rover_alerts_update(rover_alerts_emitter* emitter, const rover_alerts_alert* alert);
/* Source and priority come from the key's raise. */
rover_alerts_status rover_alerts_clear(rover_alerts_emitter* emitter, const char* key);

/* Called from rover_alerts_poll(), never from raise/update/clear. */
void rover_alerts_set_ack_handler(rover_alerts_emitter* emitter, rover_alerts_ack_handler handler, void* context);
void rover_alerts_poll(rover_alerts_emitter* emitter, int timeout_ms);

bool rover_alerts_drained(const rover_alerts_emitter* emitter);
void rover_alerts_get_counters(const rover_alerts_emitter* emitter, rover_alerts_counters* out);
const char* rover_alerts_status_string(rover_alerts_status status);

#ifdef __cplusplus
}
#endif

#endif /* ROVER_ALERTS_H */
