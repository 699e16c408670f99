#include <rover_alerts/priority_outbox.hpp>
#include <rover_alerts/small_copy.hpp>

#include <new>

namespace rover_alerts {

bool PriorityOutbox::init(std::size_t capacity) {
  if (entries_ || capacity == 0 || capacity > kMaxCapacity) return false;
  entries_.reset(new (std::nothrow) Entry[capacity]);
  if (!entries_) return false;
  capacity_ = capacity;
  for (std::size_t i = 0; i < capacity; ++i)
    entries_[i].next = i + 1 < capacity ? static_cast<std::int32_t>(i + 1) : kNone;
  free_head_ = 0;
  return true;
}

void PriorityOutbox::link_tail(std::int32_t slot, std::uint8_t list) {
  Entry& e = entries_[slot];
  List& l = lists_[list];
  e.list = list;
  e.next = kNone;
  e.prev = l.tail;
  if (l.tail != kNone) entries_[l.tail].next = slot;
  else l.head = slot;
  l.tail = slot;
  if (list % 2 == 1) {
    ++deferred_count_;
    if (e.due_ms < earliest_due_ms_) earliest_due_ms_ = e.due_ms;
  }
}

void PriorityOutbox::unlink(std::int32_t slot) {
  Entry& e = entries_[slot];
  List& l = lists_[e.list];
  if (e.prev != kNone) entries_[e.prev].next = e.next;
  else l.head = e.next;
  if (e.next != kNone) entries_[e.next].prev = e.prev;
  else l.tail = e.prev;
  if (e.list % 2 == 1) --deferred_count_;
  e.prev = e.next = kNone;
}

std::int32_t PriorityOutbox::allocate() {
  const std::int32_t slot = free_head_;
  if (slot != kNone) {
    free_head_ = entries_[slot].next;
    ++size_;
  }
  return slot;
}

void PriorityOutbox::remove(std::int32_t slot) {
  unlink(slot);
  entries_[slot].key_ref = kNone;
  entries_[slot].next = free_head_;
  free_head_ = slot;
  --size_;
}

PriorityOutbox::PushResult PriorityOutbox::push(const AlertRecord& record, std::uint64_t due_ms,
                                                std::uint64_t now_ms, std::int32_t key_ref) {
  const PushResult result = place(record.priority, due_ms, now_ms, key_ref);
  if (result.slot != kNone) replace(result.slot, record);
  return result;
}

PriorityOutbox::PushResult PriorityOutbox::push_staged(const std::uint8_t* staged, std::size_t size,
                                                       std::uint64_t due_ms, std::uint64_t now_ms,
                                                       std::int32_t key_ref) {
  assert(size > 0 && size <= staging::kMaxBytes);
  const PushResult result = place(staging_priority(staged), due_ms, now_ms, key_ref);
  if (result.slot == kNone) return result;
  Entry& e = entries_[result.slot];
  // The byte array becomes the payload's live member (trivial: nothing runs).
  new (&e.payload.staged) std::array<std::uint8_t, staging::kMaxBytes>;
  copy_small(e.payload.staged.data(), staged, size);
  e.holds_staged = true;
  return result;
}

void PriorityOutbox::replace(std::int32_t slot, const AlertRecord& record) {
  Entry& e = entries_[slot];
  if (e.holds_staged) {
    new (&e.payload.record) AlertRecord(record);  // the record becomes the live member
    e.holds_staged = false;
  } else {
    copy_record(e.payload.record, record);
  }
}

EventKind PriorityOutbox::kind(std::int32_t slot) const {
  return is_staged(slot) ? staging_kind(staged(slot)) : entries_[slot].payload.record.kind;
}

PriorityOutbox::PushResult PriorityOutbox::place(Priority priority, std::uint64_t due_ms, std::uint64_t now_ms,
                                                 std::int32_t key_ref) {
  PushResult result;
  const std::size_t p = index_of(priority);
  if (size_ == capacity_) {
    // Least urgent priority present.
    std::size_t q = kPriorityCount;
    while (q-- > 0)
      if (lists_[2 * q].head != kNone || lists_[2 * q + 1].head != kNone) break;
    if (q < p) return result;  // everything held is more urgent: the newcomer is dropped
    const std::int32_t victim = lists_[2 * q + 1].head != kNone ? lists_[2 * q + 1].head : lists_[2 * q].head;
    result.evicted = true;
    result.evicted_priority = static_cast<Priority>(q);
    result.evicted_key_ref = entries_[victim].key_ref;
    remove(victim);
  }
  const std::int32_t slot = allocate();
  Entry& e = entries_[slot];
  e.priority = priority;
  e.key_ref = key_ref;
  e.due_ms = due_ms;
  link_tail(slot, static_cast<std::uint8_t>(2 * p + (due_ms > now_ms ? 1 : 0)));
  result.slot = slot;
  return result;
}

void PriorityOutbox::make_ready(std::int32_t slot, Priority priority) {
  const auto ready_list = static_cast<std::uint8_t>(2 * index_of(priority));
  if (entries_[slot].list == ready_list) return;  // already there: keep its place
  unlink(slot);
  entries_[slot].priority = priority;
  entries_[slot].due_ms = 0;
  link_tail(slot, static_cast<std::uint8_t>(2 * index_of(priority)));
}

std::size_t PriorityOutbox::release_due(std::uint64_t now_ms) {
  if (deferred_count_ == 0 || now_ms < earliest_due_ms_) return 0;
  std::size_t moved = 0;
  std::uint64_t earliest = UINT64_MAX;
  for (std::size_t p = 0; p < kPriorityCount; ++p) {
    for (std::int32_t s = lists_[2 * p + 1].head; s != kNone;) {
      const std::int32_t next = entries_[s].next;
      if (entries_[s].due_ms <= now_ms) {
        unlink(s);
        link_tail(s, static_cast<std::uint8_t>(2 * p));
        ++moved;
      } else if (entries_[s].due_ms < earliest) {
        earliest = entries_[s].due_ms;
      }
      s = next;
    }
  }
  earliest_due_ms_ = earliest;
  return moved;
}

std::int32_t PriorityOutbox::next_ready() const {
  for (std::size_t p = 0; p < kPriorityCount; ++p)
    if (lists_[2 * p].head != kNone) return lists_[2 * p].head;
  return kNone;
}

}  // namespace rover_alerts
