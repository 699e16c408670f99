#pragma once
// What the delivery engine counts, for /metrics and get_stats (their names,
// types and help texts are in http/metrics.cpp's table).

#include "delivery/encoded_change.hpp"
#include "histogram.hpp"

#include <array>
#include <cstdint>

namespace rover_alerts::relay {

inline constexpr std::size_t kDeliveryClassCount = 3;

struct DeliveryMetrics {
  // Written to clients, by class: messages, changes in them, bytes.
  std::array<std::uint64_t, kDeliveryClassCount> messages{};
  std::array<std::uint64_t, kDeliveryClassCount> changes{};
  std::array<std::uint64_t, kDeliveryClassCount> bytes{};
  // The same bytes by what they are: JSON text, an LZ4 frame, a FlatBuffers frame.
  std::array<std::uint64_t, 3> bytes_by_encoding{};
  // Routine writes that reused a shared batch's bytes, and those assembled for one client.
  std::uint64_t shared_batch_writes = 0;
  std::uint64_t assembled_batch_writes = 0;
  std::uint64_t coalesced = 0;          // queued changes replaced by a newer one
  std::uint64_t dropped = 0;            // low/info changes dropped for slow clients
  std::uint64_t resyncs = 0;            // resync_required notices sent
  std::uint64_t slow_closes = 0;        // clients closed: a queue that is never dropped overflowed or stalled
  std::uint64_t catch_up_pages = 0;
  std::uint64_t catch_up_changes = 0;
  // The read budget (ReadBudgetLimits): reads that had to wait for it, by
  // kind, and syncs refused because too many waited.
  std::uint64_t read_budget_waits_sync = 0;
  std::uint64_t read_budget_waits_catch_up = 0;
  std::uint64_t read_budget_refused = 0;
  std::uint64_t publications = 0;       // publish() calls (one per commit with changes)
  // lz4-compressed writes: bytes before and after compression.
  std::uint64_t lz4_messages = 0;
  std::uint64_t lz4_bytes_in = 0;
  std::uint64_t lz4_bytes_out = 0;
  Histogram<7> batch_changes{{1, 5, 10, 25, 50, 100, 500}};
  // From publication (after the commit) to the start of the write that carries it.
  Histogram<10> publish_to_write_us{{50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000}};
  // A critical change or notice (an ack, a flood) from being queued for a
  // client to the start of its write: what it lost to the write in flight
  // before it and to the io thread's other work. Answers are not counted:
  // theirs is their requester's own queue.
  Histogram<10> urgent_wait_us{{10, 25, 50, 100, 250, 500, 1000, 2500, 10000, 100000}};
};

}  // namespace rover_alerts::relay
