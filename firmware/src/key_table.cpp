#include <rover_alerts/key_table.hpp>

#include <cstring>
#include <new>

namespace rover_alerts {

// Eight bytes per step (keys are tens of bytes; a byte-wise hash is a chain
// of as many dependent multiplies). Only this process compares the values.
std::uint64_t KeyTable::hash(std::string_view key) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ key.size();
  std::size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, key.data() + i, 8);
    h = (h ^ word) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  if (i < key.size()) std::memcpy(&tail, key.data() + i, key.size() - i);
  // MurmurHash3's finalizer: the index takes the low bits, and without a full
  // avalanche keys that differ in their last characters ("cell-1", "cell-2",
  // ...) land in long runs (11 probes per miss instead of 1.5 in the test).
  h ^= tail;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 33);
}

std::size_t KeyTable::index_slots(std::size_t capacity) {
  std::size_t n = 4;
  while (n < 2 * capacity) n *= 2;
  return n;
}

bool KeyTable::init(std::size_t capacity) {
  if (entries_ || capacity == 0 || capacity > kMaxCapacity) return false;
  const std::size_t slots = index_slots(capacity);
  entries_.reset(new (std::nothrow) Entry[capacity]);
  index_.reset(new (std::nothrow) Slot[slots]);
  if (!entries_ || !index_) {
    entries_.reset();
    index_.reset();
    return false;
  }
  for (std::size_t i = 0; i < capacity; ++i)
    entries_[i].lru_next = i + 1 < capacity ? static_cast<std::int32_t>(i + 1) : kNone;
  free_head_ = 0;
  capacity_ = capacity;
  index_mask_ = slots - 1;
  return true;
}

std::int32_t KeyTable::find(std::string_view key, std::uint64_t h) const {
  // The index is at most half full, so a probe ends at an empty slot quickly;
  // it is bounded by the index size regardless.
  for (std::size_t i = static_cast<std::size_t>(h) & index_mask_, n = 0; n <= index_mask_; i = (i + 1) & index_mask_, ++n) {
    const Slot slot = index_[i];
    if (slot.entry == kNone) return kNone;
    if (slot.hash_low == static_cast<std::uint32_t>(h) && entries_[slot.entry].key.view() == key) return slot.entry;
  }
  return kNone;
}

void KeyTable::lru_unlink(std::int32_t index) {
  Entry& e = entries_[index];
  if (e.lru_prev != kNone) entries_[e.lru_prev].lru_next = e.lru_next;
  else lru_head_ = e.lru_next;
  if (e.lru_next != kNone) entries_[e.lru_next].lru_prev = e.lru_prev;
  else lru_tail_ = e.lru_prev;
  e.lru_prev = e.lru_next = kNone;
}

void KeyTable::lru_push_front(std::int32_t index) {
  Entry& e = entries_[index];
  e.lru_prev = kNone;
  e.lru_next = lru_head_;
  if (lru_head_ != kNone) entries_[lru_head_].lru_prev = index;
  else lru_tail_ = index;
  lru_head_ = index;
}

void KeyTable::touch(std::int32_t index) {
  if (lru_head_ == index) return;
  lru_unlink(index);
  lru_push_front(index);
}

std::int32_t KeyTable::insert(std::string_view key, std::uint64_t key_hash, Eviction& evicted) {
  evicted = {};
  if (free_head_ == kNone) {
    const std::int32_t victim = lru_tail_;
    evicted = {true, entries_[victim].pending};
    remove(victim);
  }
  const std::int32_t index = free_head_;
  free_head_ = entries_[index].lru_next;
  Entry& e = entries_[index];
  // Every field set here; the caller fills in the alert's (no 200-byte clear).
  e.key.assign(key);
  e.source.clear();
  e.hash = e.key.size() == key.size() ? key_hash : hash(e.key.view());  // a key cut to its bound hashes anew
  e.priority = Priority::Info;
  e.used = true;
  e.occurrences = 0;
  e.min_interval_ms = 0;
  e.raised_at_ms = e.last_seen_ms = e.last_sent_ms = 0;
  e.pending = kNone;
  std::size_t i = static_cast<std::size_t>(e.hash) & index_mask_;
  while (index_[i].entry != kNone) i = (i + 1) & index_mask_;
  index_[i] = {index, static_cast<std::uint32_t>(e.hash)};
  lru_push_front(index);
  ++size_;
  return index;
}

void KeyTable::remove(std::int32_t index) {
  Entry& e = entries_[index];
  // Find its hash slot, then shift later members of the probe run back so no
  // lookup ever stops early at the hole.
  std::size_t i = static_cast<std::size_t>(e.hash) & index_mask_;
  while (index_[i].entry != index) i = (i + 1) & index_mask_;
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & index_mask_; index_[j].entry != kNone; j = (j + 1) & index_mask_) {
    const std::size_t home = index_[j].hash_low & index_mask_;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool home_after_hole = ((j - home) & index_mask_) < ((j - hole) & index_mask_);
    if (!home_after_hole) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = {};
  lru_unlink(index);
  e.used = false;
  e.pending = kNone;
  e.lru_next = free_head_;
  free_head_ = index;
  --size_;
}

}  // namespace rover_alerts
