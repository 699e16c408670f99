#include <rover_alerts/producer_table.hpp>

#include <new>

namespace rover_alerts {

namespace {

struct ThreadCacheEntry {
  std::uint64_t table_uid = 0;  // 0: unused
  ProducerSlot* slot = nullptr;
};
thread_local std::array<ThreadCacheEntry, ProducerTable::kThreadCacheEntries> t_cache{};
thread_local std::uint32_t t_cache_next = 0;

std::atomic<std::uint64_t> g_next_table_uid{1};

}  // namespace

bool ProducerTable::init(std::size_t producers, std::size_t ring_capacity) {
  if (slots_ || producers == 0 || producers > kMaxProducers) return false;
  slots_.reset(new (std::nothrow) ProducerSlot[producers]);
  if (!slots_) return false;
  for (std::size_t i = 0; i < producers; ++i)
    for (auto& ring : slots_[i].rings)
      if (!ring.init(ring_capacity)) {
        slots_.reset();
        return false;
      }
  producers_ = producers;
  ring_capacity_ = ring_capacity;
  uid_ = g_next_table_uid.fetch_add(1, std::memory_order_relaxed);
  return true;
}

ProducerSlot* ProducerTable::slot_for_this_thread() {
  for (const auto& e : t_cache)
    if (e.table_uid == uid_) return e.slot;
  // First call from this thread: one fetch_add claims a slot. Once the table is
  // full the load below stops further increments (the counter can pass
  // producers_ by at most the number of racing threads, never wrap).
  if (next_claim_.load(std::memory_order_relaxed) >= producers_) return nullptr;
  const std::uint32_t index = next_claim_.fetch_add(1, std::memory_order_acq_rel);
  if (index >= producers_) return nullptr;
  ProducerSlot* slot = &slots_[index];
  t_cache[t_cache_next % kThreadCacheEntries] = {uid_, slot};
  ++t_cache_next;
  return slot;
}

std::size_t ProducerTable::claimed() const {
  const std::size_t n = next_claim_.load(std::memory_order_acquire);
  return n < producers_ ? n : producers_;
}

}  // namespace rover_alerts
