#pragma once
// KeyTable: the link thread's fixed-capacity table of active alert keys, for
// chatter suppression. Link thread only (no atomics).
//
// An entry remembers one active condition: its occurrence count, first and
// last raise, highest priority, source, when an update last went out and which
// outbox entry (if any) still holds its unsent state. Open addressing with
// linear probing over an index of at least twice the capacity; removal by
// backward shift, so lookups never walk tombstones. Each index slot holds the
// low half of its key's hash beside the entry number: a probe compares those
// and touches an entry only when they match, and a backward shift finds each
// key's home slot in the index itself. With a table larger than the cache,
// touching the entries of a probe run cost a cache miss each.
//
// Full table: inserting a new key evicts the least recently seen key (an LRU
// list). That loses no alert -- only coalescing for the evicted key, whose next
// raise goes out as a fresh raise that the relay folds into the active alert by
// key -- and the emitter counts it (key_table_evictions).

#include <rover_alerts/bounded_string.hpp>
#include <rover_alerts/limits.hpp>
#include <rover_alerts/priority.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace rover_alerts {

class KeyTable {
 public:
  static constexpr std::int32_t kNone = -1;
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 20;

  // Ordered by use: what a lookup, an LRU step or a removal reads comes
  // first, with the key, so those touch one cache line of a cold entry.
  struct Entry {
    std::uint64_t hash = 0;
    std::int32_t lru_prev = kNone;      // towards most recently seen
    std::int32_t lru_next = kNone;      // towards least recently seen
    std::int32_t pending = kNone;       // outbox slot holding unsent state
    Priority priority = Priority::Info;
    bool used = false;
    BoundedString<limits::kKeyBytes> key;
    std::uint32_t occurrences = 0;
    std::uint32_t min_interval_ms = 0;
    std::uint64_t raised_at_ms = 0;     // wall clock, first raise of this occurrence
    std::uint64_t last_seen_ms = 0;     // wall clock, latest raise
    std::uint64_t last_sent_ms = 0;     // monotonic, when its latest state was framed
    BoundedString<limits::kSourceBytes> source;
  };

  KeyTable() = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  bool init(std::size_t capacity);
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }

  // What an insert into a full table pushed out. The evicted entry itself is
  // reused for the new key; its caller needs only the unsent state it held.
  struct Eviction {
    bool happened = false;
    std::int32_t pending = kNone;  // the evicted key's Entry::pending
  };

  std::int32_t find(std::string_view key) const { return find(key, hash(key)); }
  std::int32_t find(std::string_view key, std::uint64_t key_hash) const;  // key_hash: hash(key)
  // Adds `key` (not present) as most recently seen. When full, first evicts the
  // least recently seen entry, `least_recent()`, and says so in `evicted`.
  std::int32_t insert(std::string_view key, Eviction& evicted) { return insert(key, hash(key), evicted); }
  std::int32_t insert(std::string_view key, std::uint64_t key_hash, Eviction& evicted);
  void touch(std::int32_t index);  // most recently seen
  void remove(std::int32_t index);
  std::int32_t least_recent() const { return lru_tail_; }  // kNone when empty

  Entry& at(std::int32_t index) { return entries_[index]; }
  const Entry& at(std::int32_t index) const { return entries_[index]; }

  static std::uint64_t hash(std::string_view key);
  static std::size_t index_slots(std::size_t capacity);
  static std::size_t reserved_bytes(std::size_t capacity) {
    return capacity * sizeof(Entry) + index_slots(capacity) * sizeof(Slot);
  }

 private:
  void lru_unlink(std::int32_t index);
  void lru_push_front(std::int32_t index);

  struct Slot {
    std::int32_t entry = kNone;  // kNone: empty
    std::uint32_t hash_low = 0;  // the entry's hash, low 32 bits (the index mask fits: kMaxCapacity)
  };
  static_assert(std::uint64_t{2} * kMaxCapacity <= std::uint64_t{1} << 32, "home slots come from hash_low");

  std::unique_ptr<Entry[]> entries_;
  std::unique_ptr<Slot[]> index_;
  std::size_t capacity_ = 0;
  std::size_t index_mask_ = 0;
  std::size_t size_ = 0;
  std::int32_t free_head_ = kNone;  // through lru_next
  std::int32_t lru_head_ = kNone;   // most recently seen
  std::int32_t lru_tail_ = kNone;   // least recently seen
};

}  // namespace rover_alerts
