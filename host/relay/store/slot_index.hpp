#pragma once
// A hash index from a key to a record slot (uint32), for records that hold
// their own key: the index stores only (hash, slot), 8 bytes per entry, and
// asks the caller whether a slot's record has the key being looked up.
// Open addressing with linear probing and backward-shift deletion (no
// tombstones, so lookups never slow down after many removals); it doubles
// when 3/4 full, so probes stay short.
//
// Compared with std::unordered_map<std::string, T*> (a node, a string and a
// bucket pointer per entry: 60-100 bytes), this is what lets the store keep a
// million alerts in a few hundred bytes each.

#include <cstdint>
#include <vector>

namespace rover_alerts::relay {

class SlotIndex {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // Slot of the entry with `hash` whose record `matches(slot)`; kNone if none.
  template <class Matches>
  std::uint32_t find(std::uint32_t hash, const Matches& matches) const {
    if (entries_.empty()) return kNone;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kNone) return kNone;
      if (e.hash == hash && matches(e.slot)) return e.slot;
    }
  }

  // Starts loading the bucket of `hash` into the cache: an insert or find
  // that follows soon does not wait for memory (two lookups overlap).
  void prefetch(std::uint32_t hash) const {
    if (!entries_.empty()) __builtin_prefetch(&entries_[hash & mask_]);
  }

  // Adds (hash, slot). The caller guarantees no equal key is indexed.
  void insert(std::uint32_t hash, std::uint32_t slot);
  // Removes the entry (hash, slot); false if it is not there.
  bool erase(std::uint32_t hash, std::uint32_t slot);

  void reserve(std::size_t count);
  void clear();
  // clear(), and gives the memory back.
  void release();
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint32_t hash = 0;
    std::uint32_t slot = kNone;
  };
  void rehash(std::size_t capacity);
  void place(Entry entry);

  std::vector<Entry> entries_;  // size is 0 or a power of two
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rover_alerts::relay
