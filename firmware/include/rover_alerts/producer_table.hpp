#pragma once
// ProducerTable: the wait-free front of the emitter. Every thread that calls
// raise/update/clear owns one ProducerSlot, claimed on its first call with a
// single fetch_add on a table reserved by init(); the slot holds one StagingRing
// per priority, so a producer never races another producer and an info flood
// never takes a staging slot from a critical alert. The link thread (poll) is
// the single consumer of every ring.
//
// Steps per raise (the bound the design note states): one thread-local cache
// scan of kThreadCacheEntries entries; on a thread's first call only, one
// fetch_add; then one StagingRing push (at most one acquire load, the copy of
// the caller's fields -- bounded by limits.hpp -- and one release store); then
// single-writer counter stores. No CAS loop, no lock, no allocation.
//
// A slot belongs to its thread until the thread ends: a thread-exit hook
// (a pthread key destructor: no allocation, unlike a C++ thread_local
// destructor) marks it released, and the link thread, once it has drained the
// slot's rings, makes it free for the next thread. A thread claims a fresh slot
// with the fetch_add while any are left, then a freed one with at most
// max_producers compare-exchanges (each failure means another thread got that
// slot): bounded, so still wait-free. Stamps and counters carry on across
// owners: every hand-over is a release/acquire pair (owner -> link thread ->
// next owner). A thread that finds no slot gets Status::TooManyProducers and
// its alert is counted as lost.

#include <rover_alerts/staging_record.hpp>
#include <rover_alerts/priority.hpp>
#include <rover_alerts/staging_ring.hpp>

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

// Who holds a slot (ProducerSlot::owner).
enum class SlotOwner : std::uint8_t {
  Thread,    // claimed: its thread raises into it
  Released,  // its thread ended; the link thread drains what is left
  Free,      // drained: the next thread may claim it
};

struct alignas(64) ProducerSlot {
  std::array<StagingRing, kPriorityCount> rings;
  // Written by the owner thread on every call; read by others only for
  // counters and heartbeats. `accepted` counts the calls taken; its low 32
  // bits are the next call's stamp (the call order across the slot's rings).
  alignas(64) SingleWriterCounter accepted;
  SingleWriterCounter truncated_fields;
  std::array<SingleWriterCounter, kPriorityCount> lost;  // staging ring full
  // Read by the link thread on every pass, written only when the slot changes
  // hands: a line of its own, or each raise would have to take the counters'
  // line back from the link thread's cache.
  alignas(64) std::atomic<SlotOwner> owner{SlotOwner::Thread};
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
  ~ProducerTable();
  ProducerTable(const ProducerTable&) = delete;
  ProducerTable& operator=(const ProducerTable&) = delete;

  // Reserves `producers` slots of kPriorityCount rings, each with room for
  // `ring_capacity` records of staging::kTypicalBytes (ring_bytes()).
  bool init(std::size_t producers, std::size_t ring_capacity);
  bool initialized() const { return slots_ != nullptr; }

  // The calling thread's slot, claimed on first use; nullptr when all are taken.
  ProducerSlot* slot_for_this_thread();

  // Consumer side: slots claimed so far (a prefix of the table).
  std::size_t claimed() const;
  // Consumer side, after draining slot `i`: a released slot whose rings are
  // empty becomes free for another thread. Returns whether it did.
  bool recycle_if_drained(std::size_t i);
  ProducerSlot& slot(std::size_t i) { return slots_[i]; }
  const ProducerSlot& slot(std::size_t i) const { return slots_[i]; }
  std::size_t producers() const { return producers_; }
  std::size_t ring_capacity() const { return ring_capacity_; }

  static constexpr std::size_t ring_bytes(std::size_t ring_capacity) {
    return StagingRing::bytes_for(ring_capacity, staging::kTypicalBytes, staging::kMaxBytes);
  }
  static std::size_t reserved_bytes(std::size_t producers, std::size_t ring_capacity) {
    return producers * (sizeof(ProducerSlot) + kPriorityCount * (ring_bytes(ring_capacity) + StagingRing::kPrefetchBytes));
  }

 private:
  std::unique_ptr<ProducerSlot[]> slots_;
  std::size_t producers_ = 0;
  std::size_t ring_capacity_ = 0;
  std::uint64_t uid_ = 0;  // tells this table from any other, past or present
  ProducerTable* next_live_ = nullptr;  // the live tables a thread-exit hook may touch
  friend void release_thread_slots(void*);
  // Written once per producer thread, so it may share the line every raise
  // reads (uid_, slots_): see Emitter's member order.
  std::atomic<std::uint32_t> next_claim_{0};
};

// The thread-exit hook (pthread key destructor); `cache` is the thread's slot cache.
void release_thread_slots(void* cache);

}  // namespace rover_alerts
