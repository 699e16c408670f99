#pragma once
// SpscRing: fixed-capacity ring, exactly one producer thread and one consumer
// thread. The building block of the emitter's wait-free raise path: each
// producer thread owns its rings (see producer_table.hpp), so a push never
// races another producer.
//
// Push: at most one acquire load of the consumer's index (only when the cached
// copy says "full"), the caller's fill of the slot, one release store. Pop:
// the mirror image. No read-modify-write, no loop: wait-free on every target.
// Indices are 32-bit so their loads and stores are single instructions on
// 32-bit ARM too; they wrap, which a power-of-two capacity tolerates.

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace rover_alerts {

template <typename T>
class SpscRing {
 public:
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

  SpscRing() = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Reserves `capacity` slots (a power of two, 2..2^30). Call once, before use.
  bool init(std::size_t capacity) {
    if (slots_ || capacity < 2 || capacity > kMaxCapacity || (capacity & (capacity - 1)) != 0) return false;
    slots_.reset(new (std::nothrow) T[capacity]);
    if (!slots_) return false;
    mask_ = static_cast<std::uint32_t>(capacity - 1);
    return true;
  }

  bool initialized() const { return slots_ != nullptr; }
  std::size_t capacity() const { return slots_ ? std::size_t{mask_} + 1 : 0; }

  // Producer. `fill(T&)` writes the slot in place; returns false (without
  // calling `fill`) when the ring is full.
  template <typename Fill>
  bool try_push_with(Fill&& fill) {
    assert(slots_ && "init() first");
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - cached_head_ > mask_) {
      cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - cached_head_ > mask_) return false;
    }
    fill(slots_[tail & mask_]);
    tail_.store(tail + 1, std::memory_order_release);
    prefetch_for_write(&slots_[(tail + 1) & mask_]);
    return true;
  }

  // Consumer. The oldest element, or nullptr when empty; valid until pop().
  T* front() {
    assert(slots_ && "init() first");
    const std::uint32_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return nullptr;
    }
    return &slots_[head & mask_];
  }
  // Consumer: releases the element front() returned.
  void pop() {
    const std::uint32_t head = head_.load(std::memory_order_relaxed);
    assert(head != cached_tail_ && "pop() without front()");
    head_.store(head + 1, std::memory_order_release);
  }

  // Any thread; exact when both sides are quiet.
  std::size_t size() const {
    return static_cast<std::uint32_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire));
  }
  bool empty() const { return size() == 0; }

  static constexpr std::size_t bytes_per_slot() { return sizeof(T); }

 private:
  // The next push writes the first lines of the next slot, which the consumer
  // read a lap ago and still holds: ask for them now, for writing, so that
  // push finds them owned instead of waiting on the other core's cache. A
  // hint: never a fault, no effect on correctness. On x86-64 `prefetchw`
  // (a NOP on the few old CPUs without it); elsewhere a store prefetch
  // (`prfm pstl1keep` on ARMv8, `pld` on ARMv7).
  static void prefetch_for_write(const T* slot) {
    constexpr std::size_t kLines = (std::min(sizeof(T), kPrefetchBytes) + 63) / 64;
    const char* at = reinterpret_cast<const char*>(slot);
    for (std::size_t i = 0; i < kLines; ++i) {
#if defined(__x86_64__)
      asm volatile("prefetchw %0" : : "m"(*(at + 64 * i)));
#else
      __builtin_prefetch(at + 64 * i, 1);
#endif
    }
  }
  static constexpr std::size_t kPrefetchBytes = 256;  // a typical staging record

  std::unique_ptr<T[]> slots_;
  std::uint32_t mask_ = 0;
  // Producer's line: its index and its view of the consumer's.
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::uint32_t cached_head_ = 0;
  // Consumer's line.
  alignas(64) std::atomic<std::uint32_t> head_{0};
  std::uint32_t cached_tail_ = 0;
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "ring indices must be plain loads and stores");

}  // namespace rover_alerts
