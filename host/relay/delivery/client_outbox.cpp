#include "delivery/client_outbox.hpp"

#include <algorithm>
#include <cassert>
#include <functional>

namespace rover_alerts::relay {

std::string_view to_string(PushStatus status) {
  switch (status) {
    case PushStatus::Queued:
      return "queued";
    case PushStatus::Coalesced:
      return "coalesced";
    case PushStatus::Dropped:
      return "dropped";
    case PushStatus::Overflow:
      break;
  }
  return "overflow";
}

std::uint32_t ClientOutbox::alert_hash(std::string_view alert) {
  const std::uint64_t h = std::hash<std::string_view>{}(alert);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

std::optional<std::uint64_t> ClientOutbox::queued_seq(std::string_view alert, std::uint32_t hash) const {
  const std::uint32_t entry = queued_by_alert_.find(hash, [&](std::uint32_t e) {
    const Slot& slot = routine_[seq_of(e) - first_seq_];
    return slot.batch && slot.change().alert_id == alert;
  });
  if (entry == SlotIndex::kNone) return std::nullopt;
  return seq_of(entry);
}

PushStatus ClientOutbox::push_urgent(std::shared_ptr<const std::string> message, std::string_view supersedes_alert,
                                     bool binary, Clock::time_point queued_at) {
  if (urgent_.size() + 1 > limits_.urgent_max_messages || urgent_bytes_ + message->size() > limits_.urgent_max_bytes)
    return PushStatus::Overflow;
  if (!supersedes_alert.empty()) {
    if (const auto seq = queued_seq(supersedes_alert, alert_hash(supersedes_alert)))
      remove_slot(*seq);
  }
  urgent_bytes_ += message->size();
  urgent_.push_back(Urgent{std::move(message), binary, !supersedes_alert.empty(), queued_at});
  return PushStatus::Queued;
}

std::shared_ptr<const std::string> ClientOutbox::pop_urgent(bool* binary, bool* change,
                                                            Clock::time_point* queued_at) {
  assert(!urgent_.empty());
  auto message = std::move(urgent_.front().message);
  if (binary != nullptr) *binary = urgent_.front().binary;
  if (change != nullptr) *change = urgent_.front().change;
  if (queued_at != nullptr) *queued_at = urgent_.front().queued_at;
  urgent_.pop_front();
  urgent_bytes_ -= message->size();
  return message;
}

bool ClientOutbox::over_high_water(std::size_t extra_changes, std::size_t extra_bytes) const {
  return routine_live_ + extra_changes > limits_.routine_high_water_changes ||
         routine_bytes_ + extra_bytes > limits_.routine_high_water_bytes;
}

bool ClientOutbox::over_max(std::size_t extra_changes, std::size_t extra_bytes) const {
  return routine_live_ + extra_changes > limits_.routine_max_changes ||
         routine_bytes_ + extra_bytes > limits_.routine_max_bytes;
}

void ClientOutbox::owe_resync(std::uint64_t rev) {
  assert(rev > 0);
  resync_from_ = std::min(resync_from_.value_or(rev - 1), rev - 1);
}

PushStatus ClientOutbox::push_routine(const SharedBatchPtr& batch, std::size_t index, Clock::time_point now) {
  const EncodedChange& change = *batch->changes()[index];
  const DeliveryClass cls = delivery_class(change.priority);
  assert(cls != DeliveryClass::Urgent);
  const std::size_t bytes = change.json.size();

  // A newer change of a queued alert replaces it: never dropped for that,
  // since it adds no change to the backlog.
  const std::uint32_t hash = alert_hash(change.alert_id);
  const auto queued = queued_seq(change.alert_id, hash);
  const bool coalesces = queued.has_value();
  const std::size_t replaced_bytes = coalesces ? routine_[*queued - first_seq_].change().json.size() : 0;
  const std::size_t extra_changes = coalesces ? 0 : 1;
  const std::size_t extra_bytes = bytes > replaced_bytes ? bytes - replaced_bytes : 0;

  if (!coalesces && over_high_water(extra_changes, extra_bytes)) {
    if (cls == DeliveryClass::Droppable) {
      owe_resync(change.rev);
      return PushStatus::Dropped;
    }
    evict_droppable(extra_changes, extra_bytes);
  }
  if (over_max(extra_changes, extra_bytes)) {
    if (cls == DeliveryClass::Droppable) {
      owe_resync(change.rev);
      return PushStatus::Dropped;
    }
    return PushStatus::Overflow;
  }

  if (coalesces) remove_slot(*queued);
  const std::uint64_t seq = first_seq_ + routine_.size();
  routine_.push_back(Slot{batch, static_cast<std::uint32_t>(index), coalesces, now});
  queued_by_alert_.insert(hash, index_entry(seq));
  ++routine_live_;
  routine_bytes_ += bytes;
  if (cls == DeliveryClass::Kept) {
    ++kept_live_;
  } else {
    droppable_seqs_.push_back(seq);
  }
  compact_if_sparse();
  return coalesces ? PushStatus::Coalesced : PushStatus::Queued;
}

void ClientOutbox::remove_slot(std::uint64_t seq) {
  Slot& slot = routine_[seq - first_seq_];
  assert(slot.batch);
  const EncodedChange& change = slot.change();
  [[maybe_unused]] const bool indexed = queued_by_alert_.erase(alert_hash(change.alert_id), index_entry(seq));
  assert(indexed);
  --routine_live_;
  routine_bytes_ -= change.json.size();
  if (delivery_class(change.priority) == DeliveryClass::Kept) --kept_live_;
  slot.batch.reset();
  ++removed_slots_;
}

void ClientOutbox::evict_droppable(std::size_t extra_changes, std::size_t extra_bytes) {
  while (over_high_water(extra_changes, extra_bytes) && !droppable_seqs_.empty()) {
    const std::uint64_t seq = droppable_seqs_.front();
    droppable_seqs_.pop_front();
    if (seq < first_seq_) continue;
    Slot& slot = routine_[seq - first_seq_];
    if (!slot.batch) continue;  // already taken or removed
    owe_resync(slot.change().rev);
    remove_slot(seq);
  }
  skip_removed_front();
}

void ClientOutbox::skip_removed_front() {
  while (!routine_.empty() && !routine_.front().batch) {
    routine_.pop_front();
    ++first_seq_;
    --removed_slots_;
  }
  while (!droppable_seqs_.empty() && droppable_seqs_.front() < first_seq_) droppable_seqs_.pop_front();
}

void ClientOutbox::compact_if_sparse() {
  // A flapping alert of a stalled client must not grow the slot deque without
  // bound: once most slots are removed ones, rebuild it from the live ones.
  if (removed_slots_ < 64 || removed_slots_ < routine_live_) return;
  std::deque<Slot> live;
  for (Slot& slot : routine_)
    if (slot.batch) live.push_back(std::move(slot));
  first_seq_ += routine_.size();  // fresh sequence numbers: stale ones can never match
  routine_ = std::move(live);
  removed_slots_ = 0;
  queued_by_alert_.clear();
  droppable_seqs_.clear();
  for (std::size_t i = 0; i < routine_.size(); ++i) {
    const EncodedChange& change = routine_[i].change();
    queued_by_alert_.insert(alert_hash(change.alert_id), index_entry(first_seq_ + i));
    if (delivery_class(change.priority) == DeliveryClass::Droppable) droppable_seqs_.push_back(first_seq_ + i);
  }
}

ClientOutbox::Taken ClientOutbox::take_routine(std::size_t max_changes, std::size_t max_bytes,
                                               const SubscriptionFilter& filter) {
  Taken taken;
  skip_removed_front();
  std::size_t bytes = 0;
  const SharedBatch* only_batch = routine_.empty() ? nullptr : routine_.front().batch.get();
  SharedBatchPtr first_batch = routine_.empty() ? nullptr : routine_.front().batch;
  while (!routine_.empty() && taken.changes.size() < max_changes) {
    Slot& slot = routine_.front();
    if (!slot.batch) {
      routine_.pop_front();
      ++first_seq_;
      --removed_slots_;
      continue;
    }
    const std::size_t size = slot.change().json.size();
    if (!taken.changes.empty() && bytes + size > max_bytes) break;
    if (slot.batch.get() != only_batch) only_batch = nullptr;
    taken.changes.push_back(slot.batch->changes()[slot.index]);
    taken.replaced.push_back(slot.replaced);
    bytes += size;
    remove_slot(first_seq_);
    --removed_slots_;  // popped here, not left behind
    routine_.pop_front();
    ++first_seq_;
  }
  skip_removed_front();
  // Every client looks up every change in its index: one that once held a
  // large backlog must not keep a large, cold index once it has caught up.
  if (routine_live_ == 0 && queued_by_alert_.capacity() > kIndexKeptCapacity) queued_by_alert_.release();
  if (only_batch != nullptr && taken.changes.size() == only_batch->count_for(filter)) taken.whole_batch = first_batch;
  return taken;
}

std::optional<std::uint64_t> ClientOutbox::take_due_resync() {
  if (!resync_from_) return std::nullopt;
  if (routine_live_ * 2 > limits_.routine_high_water_changes || routine_bytes_ * 2 > limits_.routine_high_water_bytes)
    return std::nullopt;
  const auto rev = resync_from_;
  resync_from_.reset();
  return rev;
}

void ClientOutbox::clear() {
  urgent_.clear();
  urgent_bytes_ = 0;
  clear_routine();
}

void ClientOutbox::clear_routine() {
  first_seq_ += routine_.size();
  routine_.clear();
  queued_by_alert_.release();
  droppable_seqs_.clear();
  routine_live_ = routine_bytes_ = kept_live_ = removed_slots_ = 0;
}

std::optional<ClientOutbox::Clock::time_point> ClientOutbox::oldest_routine() const {
  for (const Slot& slot : routine_)
    if (slot.batch) return slot.queued_at;
  return std::nullopt;
}

bool ClientOutbox::stalled(Clock::time_point now) const {
  if (kept_live_ == 0) return false;
  // Routine changes leave in queue order, so the oldest live one has waited at
  // least as long as the oldest kept one: when it has not waited past the
  // deadline, no kept one has. Otherwise the first kept one in the queue is the
  // one that counts (droppable ones ahead of it must not close the client).
  const auto oldest = oldest_routine();
  if (!oldest || now - *oldest <= limits_.stall_deadline) return false;
  for (const Slot& slot : routine_)
    if (slot.batch && delivery_class(slot.change().priority) == DeliveryClass::Kept)
      return now - slot.queued_at > limits_.stall_deadline;
  return false;
}

}  // namespace rover_alerts::relay
