#pragma once
// StagingRing: the wait-free hand-over from one producer thread to the link
// thread, as a byte ring of variable-length records laid back to back.
//
// Why bytes and not fixed slots: a slot must hold the worst-case record
// (2.4 KB), so a ring of 256 slots spans 620 KiB -- more than a core's L2 --
// while a typical alert is ~300 bytes. Packed, a lap of the ring is a fraction
// of that, the lines a raise writes are usually still in its cache, and they
// are written in order, which the hardware prefetcher follows.
//
// Layout: each record is a 4-byte size, then its bytes, padded to a cache
// line. Why: the consumer reads a record up to its last line, and if the next
// record began in that line, the producer's next push would have to take it
// back from the other core first (a round trip of 45 to 250 ns on the
// development VM, whose host noise hid the difference in interleaved runs).
// With each record on lines of its own, the lines of the next push are not
// touched by the consumer after the producer prefetches them. A record never
// straddles the end of the buffer: when the room left at the end is less than
// a worst-case record, the producer writes a size of 0 there (a marker: "the
// next record is at the start") and goes on at offset 0.
//
// Push: at most one acquire load of the consumer's index (only when the cached
// copy says "full"), the caller's write, one release store. The room a push
// needs is a worst-case record (so the caller need not size its record first);
// what it takes is what the record used. Pop: the mirror image. No
// read-modify-write, no loop on the other side's progress: wait-free. Indices
// are 32-bit byte counters (single loads and stores on 32-bit ARM too); they
// wrap, which a power-of-two capacity tolerates.

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace rover_alerts {

class StagingRing {
 public:
  static constexpr std::size_t kPrefixBytes = 4;
  static constexpr std::size_t kAlign = 64;  // a cache line (see Layout)
  static constexpr std::size_t kMaxCapacityBytes = std::size_t{1} << 30;
  // Prefetched ahead of the next push: a typical staging record, whole. The
  // buffer has this much slack past its end, so no prefetch needs a bound.
  static constexpr std::uint32_t kPrefetchBytes = 512;

  StagingRing() = default;
  StagingRing(const StagingRing&) = delete;
  StagingRing& operator=(const StagingRing&) = delete;

  // The ring's size for `records` records of `typical` bytes each, and room
  // for at least two of `max_record` bytes whatever `records` says.
  static constexpr std::size_t bytes_for(std::size_t records, std::size_t typical, std::size_t max_record) {
    const std::size_t want = std::max(records * stride(typical), 2 * stride(max_record));
    std::size_t n = kAlign;
    while (n < want) n *= 2;
    return n;
  }

  // Reserves `bytes` (a power of two, at least two worst-case records) for
  // records of at most `max_record` bytes. Call once, before use.
  bool init(std::size_t bytes, std::size_t max_record) {
    if (data_ || max_record == 0 || bytes > kMaxCapacityBytes || (bytes & (bytes - 1)) != 0 ||
        bytes < 2 * stride(max_record))
      return false;
    // Zeroed: its pages are touched now, not by the first raises. The slack
    // past the end is never written: prefetches may reach into it.
    data_.reset(new (std::align_val_t{kAlign}, std::nothrow) std::uint8_t[bytes + kPrefetchBytes]());
    if (!data_) return false;
    capacity_ = static_cast<std::uint32_t>(bytes);
    mask_ = capacity_ - 1;
    reserve_ = static_cast<std::uint32_t>(stride(max_record));
    return true;
  }

  bool initialized() const { return data_ != nullptr; }
  std::size_t capacity_bytes() const { return capacity_; }

  // Producer. `write(std::uint8_t* at)` writes one record of at most
  // max_record bytes at `at` and returns its size (> 0). Returns false
  // (without calling `write`) when the ring lacks room for a worst-case record.
  template <typename Write>
  bool try_push_with(Write&& write) {
    assert(data_ && "init() first");
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint32_t offset = tail & mask_;
    const std::uint32_t pad = capacity_ - offset < reserve_ ? capacity_ - offset : 0;
    const std::uint32_t need = pad + reserve_;
    if (capacity_ - (tail - cached_head_) < need) {
      cached_head_ = head_.load(std::memory_order_acquire);
      if (capacity_ - (tail - cached_head_) < need) return false;
    }
    if (pad != 0) store_size(offset, 0);  // the rest of this lap is unused
    const std::uint32_t at = pad != 0 ? 0 : offset;
    const std::size_t size = write(data_.get() + at + kPrefixBytes);
    assert(size > 0 && stride(size) <= reserve_);
    store_size(at, static_cast<std::uint32_t>(size));
    const std::uint32_t next = tail + pad + static_cast<std::uint32_t>(stride(size));
    tail_.store(next, std::memory_order_release);
    prefetch_for_write(next & mask_);
    return true;
  }

  // Consumer. The oldest record (its bytes; front_size() says how many), or
  // nullptr when empty; valid until pop().
  const std::uint8_t* front() {
    assert(data_ && "init() first");
    std::uint32_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return nullptr;
    }
    std::uint32_t offset = head & mask_;
    std::uint32_t size = load_size(offset);
    if (size == 0) {  // a marker: the record was written at the start, with it
      head += capacity_ - offset;
      head_.store(head, std::memory_order_release);
      offset = 0;
      size = load_size(0);
    }
    assert(size > 0 && stride(size) <= reserve_);
    front_size_ = size;
    return data_.get() + offset + kPrefixBytes;
  }
  std::size_t front_size() const { return front_size_; }
  // Consumer: releases the record front() returned.
  void pop() {
    assert(front_size_ > 0 && "pop() without front()");
    const std::uint32_t head = head_.load(std::memory_order_relaxed);
    head_.store(head + static_cast<std::uint32_t>(stride(front_size_)), std::memory_order_release);
    front_size_ = 0;
  }

  // Any thread; exact when both sides are quiet.
  std::size_t bytes_used() const {
    return static_cast<std::uint32_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire));
  }
  bool empty() const { return bytes_used() == 0; }

  // Bytes a record of `size` takes in the ring.
  static constexpr std::size_t stride(std::size_t size) { return (kPrefixBytes + size + kAlign - 1) / kAlign * kAlign; }

 private:
  void store_size(std::uint32_t offset, std::uint32_t size) { std::memcpy(data_.get() + offset, &size, sizeof size); }
  std::uint32_t load_size(std::uint32_t offset) const {
    std::uint32_t size = 0;
    std::memcpy(&size, data_.get() + offset, sizeof size);
    return size;
  }
  // The next push writes from `offset` on, lines the consumer read a lap ago
  // and may still hold: ask for them now, for writing, so that push finds
  // them owned instead of waiting on the other core's cache. A hint: never a
  // fault, no effect on correctness. On x86-64 `prefetchw` (a NOP on the few
  // old CPUs without it); elsewhere a store prefetch (`prfm pstl1keep` on
  // ARMv8, `pld` on ARMv7).
  void prefetch_for_write(std::uint32_t offset) const {
    const std::uint8_t* at = data_.get() + offset;
    for (std::uint32_t i = 0; i < kPrefetchBytes / 64; ++i) {
#if defined(__x86_64__)
      asm volatile("prefetchw %0" : : "m"(*(at + 64 * i)));
#else
      __builtin_prefetch(at + 64 * i, 1);
#endif
    }
  }

  struct AlignedDelete {
    void operator()(std::uint8_t* p) const { ::operator delete[](p, std::align_val_t{kAlign}); }
  };
  std::unique_ptr<std::uint8_t[], AlignedDelete> data_;
  std::uint32_t capacity_ = 0;
  std::uint32_t mask_ = 0;
  std::uint32_t reserve_ = 0;  // room a push needs: a worst-case record
  // Producer's line: its index and its view of the consumer's.
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::uint32_t cached_head_ = 0;
  // Consumer's line.
  alignas(64) std::atomic<std::uint32_t> head_{0};
  std::uint32_t cached_tail_ = 0;
  std::size_t front_size_ = 0;
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "ring indices must be plain loads and stores");

}  // namespace rover_alerts
