#pragma once
// The delivery engine's limits, with their defaults: the one place they are
// written down (relay_config.hpp embeds this struct, command_line.cpp prints
// these values in --help, README and host/relay/DESIGN.md quote them).
//
// Memory per client is bounded by
//   urgent_max_bytes + routine_max_bytes + write_max_bytes
// (queued bytes are counted as encoded; routine changes are shared between
// clients, so the real cost is lower).

#include <chrono>
#include <cstddef>

namespace rover_alerts::relay {

// One client's queues (ClientOutbox).
struct OutboxLimits {
  // The most routine_max_changes may be set to (--client-max-queued).
  static constexpr std::size_t kMaxRoutineChanges = 10'000'000;

  // Critical changes, ack notices, responses, resync notices: never dropped.
  // A client that lets more than this pile up is closed ("client too slow").
  std::size_t urgent_max_messages = 4096;
  std::size_t urgent_max_bytes = 16 * 1024 * 1024;
  // Routine changes (high, medium, low, info). Past the high-water mark low
  // and info are dropped (oldest queued first) and the client owes a resync;
  // high and medium are kept up to the maximum, past which the client is closed.
  std::size_t routine_high_water_changes = 4096;
  std::size_t routine_high_water_bytes = 2 * 1024 * 1024;
  std::size_t routine_max_changes = 32768;
  std::size_t routine_max_bytes = 16 * 1024 * 1024;
  // High or medium changes queued longer than this: the client is closed.
  std::chrono::milliseconds stall_deadline{10'000};
};

// How routine changes are batched for one client (ClientFeed).
struct BatchLimits {
  // A client's batch size (alert_subscribe batchSize, or adapted from its RTT)
  // is kept within these bounds; a batch goes out as soon as it holds this many.
  std::size_t min_batch_size = 10;
  std::size_t max_batch_size = 100;
  // A partial batch goes out once its oldest change waited this long
  // (alert_subscribe batchTimeout, kept within the bounds).
  std::chrono::milliseconds default_batch_timeout{20};
  std::chrono::milliseconds min_batch_timeout{5};
  std::chrono::milliseconds max_batch_timeout{1000};
  // The relay's batching tick: how often partial batches and deadlines are checked.
  std::chrono::milliseconds tick{5};
  // Batching adapts to load too: after a routine write, a client's next one
  // waits this long unless max_batch_size changes are queued. At a few
  // changes per tick nothing changes; under a flood each write carries a
  // tick's worth (writes, not encoding, are the cost of fan-out).
  std::chrono::milliseconds routine_write_spacing{5};
  // Adaptive batching: at or below `low_rtt` the batch size is the minimum, at
  // or above `high_rtt` the maximum, linear in between.
  std::chrono::milliseconds low_rtt{50};
  std::chrono::milliseconds high_rtt{500};
  // A client that is behind gets what is queued merged into one message of at
  // most this many changes and bytes (fewer, larger writes).
  std::size_t write_max_changes = 2000;
  std::size_t write_max_bytes = 512 * 1024;
  // Routine writes (batches, pages) due for many clients go out this many
  // clients per io handler, so that urgent work waits for one slice at most,
  // not for a whole round (Publisher).
  std::size_t routine_writes_per_slice = 4;
  // ... and a slice ends once it has written this many bytes (after at least
  // one write): four 40 KiB batches took up to 2 ms of the io thread.
  std::size_t routine_slice_max_bytes = 64 * 1024;
  // Snapshot and sinceRev catch-up: entries per page, one page in flight.
  std::size_t catch_up_page = 500;
  // compression "lz4": batches over the client's compressionThreshold (this
  // default, and never below the minimum: compressing small messages saves
  // nothing) go compressed.
  std::size_t default_compression_threshold = 1024;
  std::size_t min_compression_threshold = 256;
};

// permessage-deflate (RFC 7692), what browsers offer: negotiated when a
// client offers it. Each client has its own compressor, so this costs CPU per
// client and message (lz4 batches are compressed once for every client).
struct DeflateLimits {
  bool enabled = true;
  int server_max_window_bits = 12;  // 4 KiB window: memory per client
  int compression_level = 3;
  int memory_level = 4;
  std::size_t min_message_bytes = 512;  // smaller messages go uncompressed
};

// Liveness of a client connection: a WebSocket ping every `ping_interval`
// (its pong gives the RTT); no pong for `ping_timeout`: the connection is
// half-open and is cut.
struct KeepAliveLimits {
  std::chrono::milliseconds ping_interval{5'000};
  std::chrono::milliseconds ping_timeout{20'000};
};

// Expensive reads, alert_sync pages and catch-up (snapshot, sinceRev) pages,
// share one relay-wide budget of entries read per second, so that clients
// paging through the store take a bounded share of the io thread and never
// raise another client's latency beyond one page. Past it, syncs wait in a
// bounded FIFO (beyond it: RATE_LIMITED) and catch-ups wait for the budget.
struct ReadBudgetLimits {
  // At 50 000/s a saturating pager keeps the io thread about a quarter busy
  // (docs/performance.md, "Paging history"); the burst lets a 10 000-alert
  // resync through without waiting.
  double entries_per_s = 50'000;
  double burst = 20'000;
  std::size_t max_waiting_syncs = 256;
};

struct DeliveryLimits {
  OutboxLimits outbox;
  ReadBudgetLimits read_budget;
  BatchLimits batching;
  KeepAliveLimits keep_alive;
  DeflateLimits deflate;
};

}  // namespace rover_alerts::relay
