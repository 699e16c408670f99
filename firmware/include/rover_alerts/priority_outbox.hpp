#pragma once
// PriorityOutbox: the link thread's fixed pool of alerts waiting to be framed,
// one FIFO per priority. Link thread only (no atomics).
//
// Eviction when full (the emitter's loss rule): the victim is the oldest entry
// of the least urgent priority present. If that priority is more urgent than
// the newcomer's, the newcomer is the one dropped instead -- so an alert is
// only ever displaced by one at least as urgent, and a critical alert never by
// a lower priority. Within the victim's priority, a deferred update (chatter
// suppression holding it back; the relay already knows that alert) goes before
// a never-sent alert.
//
// Each priority has two lists: ready (may be framed now) and deferred (held
// until `due_ms`, the key's minimum update interval). Every operation is O(1)
// except release_due(), which walks only the deferred entries.
//
// An entry holds its alert in one of two forms. A new alert -- the busy path,
// one per raise of a new key -- keeps its staging record as it arrived
// (push_staged: one copy of the bytes it uses, ~300 for a typical alert, on
// consecutive lines), and the frame writer reads it in place. An alert the
// emitter composed (a clear, an update folded with what it knows of the key)
// is an AlertRecord (push, replace). The entry's own priority and list are
// what count: make_ready() moves an entry without touching its alert.

#include <rover_alerts/alert_record.hpp>
#include <rover_alerts/priority.hpp>
#include <rover_alerts/staging_record.hpp>

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace rover_alerts {

class PriorityOutbox {
 public:
  static constexpr std::int32_t kNone = -1;
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 24;

  struct PushResult {
    std::int32_t slot = kNone;     // where the newcomer went; kNone if it was dropped
    bool evicted = false;          // an older entry was displaced to make room
    Priority evicted_priority = Priority::Info;
    std::int32_t evicted_key_ref = kNone;  // that entry's key reference
  };

  PriorityOutbox() = default;
  PriorityOutbox(const PriorityOutbox&) = delete;
  PriorityOutbox& operator=(const PriorityOutbox&) = delete;

  bool init(std::size_t capacity);
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t deferred() const { return deferred_count_; }

  // Copies `record` in (its priority picks the list). `due_ms` > now: deferred.
  PushResult push(const AlertRecord& record, std::uint64_t due_ms, std::uint64_t now_ms, std::int32_t key_ref);
  // Copies the staging record `staged` (`size` bytes, staging_record.hpp) in;
  // its priority picks the list.
  PushResult push_staged(const std::uint8_t* staged, std::size_t size, std::uint64_t due_ms, std::uint64_t now_ms,
                         std::int32_t key_ref);
  // The entry's alert becomes `record` (its place, priority and key are kept).
  void replace(std::int32_t slot, const AlertRecord& record);

  bool is_staged(std::int32_t slot) const { return entries_[slot].holds_staged; }
  const std::uint8_t* staged(std::int32_t slot) const { return entries_[slot].payload.staged.data(); }
  const AlertRecord& record(std::int32_t slot) const {
    assert(!is_staged(slot) && "a staged entry has no AlertRecord");
    return entries_[slot].payload.record;
  }
  Priority priority(std::int32_t slot) const { return entries_[slot].priority; }
  EventKind kind(std::int32_t slot) const;
  std::int32_t key_ref(std::int32_t slot) const { return entries_[slot].key_ref; }
  void set_key_ref(std::int32_t slot, std::int32_t ref) { entries_[slot].key_ref = ref; }
  bool is_deferred(std::int32_t slot) const { return entries_[slot].list % 2 == 1; }

  // Moves an entry to the ready list of `priority` (tail): it may go now. An
  // entry already in that list keeps its place.
  void make_ready(std::int32_t slot, Priority priority);
  // Moves deferred entries whose time has come to their ready lists. Returns
  // how many moved. Cheap when nothing is due (one comparison).
  std::size_t release_due(std::uint64_t now_ms);

  // The entry to frame next: head of the most urgent non-empty ready list.
  std::int32_t next_ready() const;
  void remove(std::int32_t slot);

  static std::size_t reserved_bytes(std::size_t capacity) { return capacity * sizeof(Entry); }

 private:
  static constexpr std::size_t kLists = 2 * kPriorityCount;  // [2p] ready, [2p+1] deferred
  struct Entry {
    union Payload {
      Payload() : record() {}
      AlertRecord record;
      std::array<std::uint8_t, staging::kMaxBytes> staged;
    } payload;
    std::uint64_t due_ms = 0;
    std::int32_t prev = kNone;
    std::int32_t next = kNone;
    std::int32_t key_ref = kNone;
    bool holds_staged = false;  // which member of `payload` is live
    std::uint8_t list = 0;
    Priority priority = Priority::Info;
  };
  PushResult place(Priority priority, std::uint64_t due_ms, std::uint64_t now_ms, std::int32_t key_ref);
  struct List {
    std::int32_t head = kNone;
    std::int32_t tail = kNone;
  };

  void link_tail(std::int32_t slot, std::uint8_t list);
  void unlink(std::int32_t slot);
  std::int32_t allocate();

  std::unique_ptr<Entry[]> entries_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t deferred_count_ = 0;
  std::uint64_t earliest_due_ms_ = UINT64_MAX;  // lower bound over deferred entries
  std::int32_t free_head_ = kNone;
  std::array<List, kLists> lists_{};
};

}  // namespace rover_alerts
