#include <rover_alerts/producer_table.hpp>

#include <mutex>
#include <new>

#include <pthread.h>

namespace rover_alerts {

namespace {

struct ThreadCacheEntry {
  std::uint64_t table_uid = 0;  // 0: unused
  ProducerSlot* slot = nullptr;
};
struct alignas(64) ThreadCache {  // the first entry and its slot on one line
  std::array<ThreadCacheEntry, ProducerTable::kThreadCacheEntries> entries{};
  std::uint32_t next = 0;
  bool exit_hook_set = false;
};
// Trivially destructible on purpose: a thread_local with a destructor is
// registered with a heap allocation on first use; the exit hook is a pthread
// key instead, whose value lives in the thread descriptor.
thread_local ThreadCache t_cache{};

std::atomic<std::uint64_t> g_next_table_uid{1};

// Tables a thread-exit hook may still touch. The hook runs rarely (a producer
// thread ending), never on the raise path, so a lock is fine here.
std::mutex g_live_mutex;
ProducerTable* g_live_tables = nullptr;

pthread_key_t g_exit_key;
bool g_exit_key_ok = false;
std::once_flag g_exit_key_once;

}  // namespace

void release_thread_slots(void* cache_ptr) {
  auto* cache = static_cast<ThreadCache*>(cache_ptr);
  std::lock_guard lock(g_live_mutex);
  for (auto& e : cache->entries) {
    if (e.table_uid == 0) continue;
    // Only tables still alive: an emitter may be gone before its threads end.
    for (ProducerTable* t = g_live_tables; t != nullptr; t = t->next_live_)
      if (t->uid_ == e.table_uid) {
        e.slot->owner.store(SlotOwner::Released, std::memory_order_release);
        break;
      }
    e = {};
  }
}

bool ProducerTable::init(std::size_t producers, std::size_t ring_capacity) {
  if (slots_ || producers == 0 || producers > kMaxProducers) return false;
  std::call_once(g_exit_key_once, [] { g_exit_key_ok = ::pthread_key_create(&g_exit_key, release_thread_slots) == 0; });
  slots_.reset(new (std::nothrow) ProducerSlot[producers]);
  if (!slots_) return false;
  for (std::size_t i = 0; i < producers; ++i)
    for (auto& ring : slots_[i].rings)
      if (!ring.init(ring_bytes(ring_capacity), staging::kMaxBytes)) {
        slots_.reset();
        return false;
      }
  producers_ = producers;
  ring_capacity_ = ring_capacity;
  uid_ = g_next_table_uid.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(g_live_mutex);
  next_live_ = g_live_tables;
  g_live_tables = this;
  return true;
}

ProducerTable::~ProducerTable() {
  if (!slots_) return;
  std::lock_guard lock(g_live_mutex);
  for (ProducerTable** p = &g_live_tables; *p != nullptr; p = &(*p)->next_live_)
    if (*p == this) {
      *p = next_live_;
      break;
    }
}

ProducerSlot* ProducerTable::slot_for_this_thread() {
  for (const auto& e : t_cache.entries)
    if (e.table_uid == uid_) return e.slot;
  ProducerSlot* slot = nullptr;
  // A fresh slot: one fetch_add. Once the table is used up the load below
  // stops further increments (the counter can pass producers_ by at most the
  // number of racing threads, never wrap).
  if (next_claim_.load(std::memory_order_relaxed) < producers_) {
    const std::uint32_t index = next_claim_.fetch_add(1, std::memory_order_acq_rel);
    if (index < producers_) slot = &slots_[index];
  }
  // Else one freed by a thread that ended: at most producers_ attempts.
  for (std::size_t i = 0; slot == nullptr && i < claimed(); ++i) {
    SlotOwner expected = SlotOwner::Free;
    if (slots_[i].owner.load(std::memory_order_relaxed) == SlotOwner::Free &&
        slots_[i].owner.compare_exchange_strong(expected, SlotOwner::Thread, std::memory_order_acq_rel))
      slot = &slots_[i];
  }
  if (slot == nullptr) return nullptr;
  // Several emitters may cache this thread's slots; an evicted entry's slot
  // stays claimed (a thread feeding more than kThreadCacheEntries emitters).
  t_cache.entries[t_cache.next % kThreadCacheEntries] = {uid_, slot};
  ++t_cache.next;
  if (!t_cache.exit_hook_set && g_exit_key_ok) {
    // Keys below PTHREAD_KEY_2NDLEVEL_SIZE (32) live in the thread descriptor: no allocation.
    t_cache.exit_hook_set = ::pthread_setspecific(g_exit_key, &t_cache) == 0;
  }
  return slot;
}

std::size_t ProducerTable::claimed() const {
  const std::size_t n = next_claim_.load(std::memory_order_acquire);
  return n < producers_ ? n : producers_;
}

bool ProducerTable::recycle_if_drained(std::size_t i) {
  ProducerSlot& slot = slots_[i];
  if (slot.owner.load(std::memory_order_acquire) != SlotOwner::Released) return false;
  for (const auto& ring : slot.rings)
    if (!ring.empty()) return false;
  slot.owner.store(SlotOwner::Free, std::memory_order_release);
  return true;
}

}  // namespace rover_alerts
