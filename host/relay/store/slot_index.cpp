#include "store/slot_index.hpp"

#include <cassert>

namespace rover_alerts::relay {

namespace {
constexpr std::size_t kMinCapacity = 16;
}  // namespace

void SlotIndex::place(Entry entry) {
  std::size_t i = entry.hash & mask_;
  while (entries_[i].slot != kNone) i = (i + 1) & mask_;
  entries_[i] = entry;
}

void SlotIndex::rehash(std::size_t capacity) {
  std::vector<Entry> old = std::move(entries_);
  entries_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  for (const Entry& e : old) {
    if (e.slot != kNone) place(e);
  }
}

void SlotIndex::reserve(std::size_t count) {
  std::size_t capacity = entries_.empty() ? kMinCapacity : entries_.size();
  while (count * 4 > capacity * 3) capacity *= 2;
  if (capacity != entries_.size()) rehash(capacity);
}

void SlotIndex::insert(std::uint32_t hash, std::uint32_t slot) {
  assert(slot != kNone);
  reserve(size_ + 1);
  place(Entry{hash, slot});
  ++size_;
}

bool SlotIndex::erase(std::uint32_t hash, std::uint32_t slot) {
  if (entries_.empty()) return false;
  std::size_t i = hash & mask_;
  while (entries_[i].slot != slot) {
    if (entries_[i].slot == kNone) return false;
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion: pull later entries of the probe run into the
  // hole when their home bucket is at or before it (cyclically).
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & mask_; entries_[j].slot != kNone; j = (j + 1) & mask_) {
    const std::size_t home = entries_[j].hash & mask_;
    const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      entries_[hole] = entries_[j];
      hole = j;
    }
  }
  entries_[hole] = Entry{};
  --size_;
  return true;
}

void SlotIndex::clear() {
  entries_.clear();
  mask_ = 0;
  size_ = 0;
}

void SlotIndex::release() {
  std::vector<Entry>().swap(entries_);
  mask_ = 0;
  size_ = 0;
}

}  // namespace rover_alerts::relay
