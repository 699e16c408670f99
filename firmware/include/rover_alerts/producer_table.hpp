#pragma once
// ProducerTable: the wait-free front of the emitter. Every thread that calls
// raise/update/clear owns one ProducerSlot, claimed on its first call with a
// single fetch_add on a table reserved by init(); the slot holds one SpscRing
// per priority, so a producer never races another producer and an info flood
// never takes a staging slot from a critical alert. The link thread (poll) is
// the single consumer of every ring.
//
// Steps per raise (the bound the design note states): one thread-local cache
// scan of kThreadCacheEntries entries; on a thread's first call only, one
// fetch_add; then one SpscRing push (at most one acquire load, the copy of the
// caller's fields -- bounded by limits.hpp -- and one release store); then
// single-writer counter stores. No CAS loop, no lock, no allocation.
//
// A slot belongs to its thread for the emitter's lifetime (slots are for the
// control loop's long-lived threads). A thread beyond max_producers gets
// Status::TooManyProducers and its alert is counted as lost.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/priority.hpp>
#include <rover_alerts/spsc_ring.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace rover_alerts {

// Counter written by exactly one thread and read by others: a relaxed load and
// a relaxed store, never a read-modify-write.
struct SingleWriterCounter {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t n) { value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct alignas(64) ProducerSlot {
  std::array<SpscRing<AlertRecord>, kPriorityCount> rings;
  std::uint32_t next_stamp = 0;  // owner thread only: call order across its rings
  SingleWriterCounter accepted;
  SingleWriterCounter truncated_fields;
  std::array<SingleWriterCounter, kPriorityCount> lost;  // staging ring full
  // Consumer (link thread) only: the stamp it takes next. Stamps of accepted
  // records are consecutive per producer, so the consumer restores the
  // producer's call order across its per-priority rings exactly: it takes the
  // front whose stamp is next, and waits when that one is not visible yet.
  alignas(64) std::uint32_t drain_stamp = 0;
};

class ProducerTable {
 public:
  // Per-thread cache of (table, slot) pairs; a thread feeding more emitters
  // than this claims a fresh slot when it comes back to an evicted one.
  static constexpr std::size_t kThreadCacheEntries = 4;
  static constexpr std::size_t kMaxProducers = 64;

  ProducerTable() = default;
  ProducerTable(const ProducerTable&) = delete;
  ProducerTable& operator=(const ProducerTable&) = delete;

  // Reserves `producers` slots of kPriorityCount rings of `ring_capacity` records.
  bool init(std::size_t producers, std::size_t ring_capacity);
  bool initialized() const { return slots_ != nullptr; }

  // The calling thread's slot, claimed on first use; nullptr when all are taken.
  ProducerSlot* slot_for_this_thread();

  // Consumer side: slots claimed so far (a prefix of the table).
  std::size_t claimed() const;
  ProducerSlot& slot(std::size_t i) { return slots_[i]; }
  const ProducerSlot& slot(std::size_t i) const { return slots_[i]; }
  std::size_t producers() const { return producers_; }
  std::size_t ring_capacity() const { return ring_capacity_; }

  static std::size_t reserved_bytes(std::size_t producers, std::size_t ring_capacity) {
    return producers * (sizeof(ProducerSlot) + kPriorityCount * ring_capacity * sizeof(AlertRecord));
  }

 private:
  std::unique_ptr<ProducerSlot[]> slots_;
  std::size_t producers_ = 0;
  std::size_t ring_capacity_ = 0;
  std::uint64_t uid_ = 0;  // tells this table from any other, past or present
  alignas(64) std::atomic<std::uint32_t> next_claim_{0};
};

}  // namespace rover_alerts
