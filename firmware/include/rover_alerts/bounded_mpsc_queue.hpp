#pragma once
// BoundedMpscQueue: fixed-capacity queue, many producers, one consumer.
//
// Storage is reserved once by init() and never grows. Producers never block and
// never wait for each other to finish: a producer that finds the queue full
// gets `false` at once and the caller counts the loss. Cells carry a sequence
// number (after D. Vyukov's bounded queue) so a producer fills its cell in place
// and publishes it with one release store; the consumer reads cells in order.
//
// The producer's slot claim is a CAS loop: lock-free (some producer always makes
// progress), bounded in practice by the number of producers racing for a slot.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace rover_alerts {

template <typename T>
class BoundedMpscQueue {
 public:
  BoundedMpscQueue() = default;
  BoundedMpscQueue(const BoundedMpscQueue&) = delete;
  BoundedMpscQueue& operator=(const BoundedMpscQueue&) = delete;

  // Reserves `capacity` cells (a power of two, >= 2). Returns false if the
  // capacity is invalid or memory is short. Call once, before any producer.
  bool init(std::size_t capacity) {
    if (cells_ || capacity < 2 || (capacity & (capacity - 1)) != 0) return false;
    cells_.reset(new (std::nothrow) Cell[capacity]);
    if (!cells_) return false;
    for (std::size_t i = 0; i < capacity; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
    mask_ = capacity - 1;
    return true;
  }

  bool initialized() const { return cells_ != nullptr; }
  std::size_t capacity() const { return cells_ ? mask_ + 1 : 0; }

  // Approximate under concurrency; exact when producers and consumer are quiet.
  std::size_t size() const {
    const auto tail = enqueue_pos_.load(std::memory_order_acquire);
    const auto head = dequeue_pos_.load(std::memory_order_acquire);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }
  bool empty() const { return size() == 0; }
  bool full() const { return size() >= capacity(); }
  std::size_t available() const { return capacity() - size(); }

  // Producer side. `fill(T&)` writes the claimed cell in place. Returns false,
  // without calling `fill`, when the queue is full.
  template <typename Fill>
  bool try_push_with(Fill&& fill) {
    assert(cells_ && "init() first");
    Cell* cell = nullptr;
    std::uint64_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      cell = &cells_[static_cast<std::size_t>(pos & mask_)];
      const std::uint64_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::int64_t>(seq - pos);
      if (diff == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;  // the consumer has not freed this cell yet: full
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    fill(cell->value);
    cell->sequence.store(pos + 1, std::memory_order_release);
    return true;
  }

  bool try_push(const T& value) {
    return try_push_with([&](T& slot) { slot = value; });
  }

  // Consumer side (one thread only). `take(T&)` reads the cell in place.
  template <typename Take>
  bool try_pop_with(Take&& take) {
    assert(cells_ && "init() first");
    const std::uint64_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    Cell& cell = cells_[static_cast<std::size_t>(pos & mask_)];
    if (cell.sequence.load(std::memory_order_acquire) != pos + 1) return false;  // empty
    take(cell.value);
    cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
    dequeue_pos_.store(pos + 1, std::memory_order_release);
    return true;
  }

  bool try_pop(T& out) {
    return try_pop_with([&](T& slot) { out = slot; });
  }

  static constexpr std::size_t bytes_per_cell() { return sizeof(Cell); }

 private:
  struct Cell {
    std::atomic<std::uint64_t> sequence{0};
    T value{};
  };

  // Producers and the consumer touch different counters: keep them on
  // different cache lines.
  std::unique_ptr<Cell[]> cells_;
  std::size_t mask_ = 0;
  alignas(64) std::atomic<std::uint64_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::uint64_t> dequeue_pos_{0};
};

}  // namespace rover_alerts
