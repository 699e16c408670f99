#pragma once
// ClientOutbox: what waits to be written to one client, by delivery class
// (encoded_change.hpp), with a limit and an overflow policy for each.
//
//  - urgent: whole messages, first in first out, written before any routine
//    change; never dropped. Past its limits: Overflow (close the client).
//  - routine: changes of alerts in rev order, one per alert (a newer change
//    of a queued alert replaces it: Coalesced). Past the high-water mark a
//    droppable (low/info) change is refused and queued droppable changes are
//    evicted to make room for kept (high/medium) ones: Dropped, and the client
//    owes a resync from the lowest dropped rev - 1. Past the maximum: Overflow.
//
// Every push says what happened, like a send status. No I/O, no clock of its
// own: ClientFeed drives it; tests check it against a std:: model.
//
// Threading: the relay's io thread only.

#include "delivery/delivery_limits.hpp"
#include "delivery/shared_batch.hpp"
#include "store/slot_index.hpp"

#include <cassert>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

enum class PushStatus {
  Queued,     // added
  Coalesced,  // replaced the queued change of the same alert
  Dropped,    // a droppable change refused under pressure: a resync is owed
  Overflow,   // a change or message that is never dropped did not fit: close the client
};
std::string_view to_string(PushStatus status);

class ClientOutbox {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ClientOutbox(const OutboxLimits& limits) : limits_(limits) {
    assert(limits.routine_max_changes <= OutboxLimits::kMaxRoutineChanges);
  }

  // A whole message (critical change, notice, response). When it is a change
  // of `supersedes_alert` (a critical change), a queued routine change of that
  // alert is older and is removed.
  // `binary`: the message goes as a binary frame (a FlatBuffers critical change).
  // `queued_at`: when it was queued (or none), given back by pop_urgent (the
  // feed's urgent wait figure).
  PushStatus push_urgent(std::shared_ptr<const std::string> message, std::string_view supersedes_alert = {},
                         bool binary = false, Clock::time_point queued_at = {});
  // Change `index` of `batch`, a high, medium, low or info change.
  PushStatus push_routine(const SharedBatchPtr& batch, std::size_t index, Clock::time_point now);

  bool has_urgent() const { return !urgent_.empty(); }
  // True when a routine change of `alert` is queued.
  bool has_queued(std::string_view alert) const { return queued_seq(alert, alert_hash(alert)).has_value(); }
  // The oldest urgent message; `binary` (when given) says whether it goes as
  // a binary frame, `change` whether it carries an alert change (a critical
  // one, pushed with the alert it supersedes), `queued_at` when it was queued.
  std::shared_ptr<const std::string> pop_urgent(bool* binary = nullptr, bool* change = nullptr,
                                                Clock::time_point* queued_at = nullptr);

  // Takes up to `max_changes` queued routine changes (stopping before
  // `max_bytes` unless none was taken yet), oldest first. `whole_batch` is set
  // when what was taken is all `filter` lets through of one shared batch,
  // untouched: its shared message can be sent as it is.
  // `replaced[i]`: changes[i] replaced an older queued change of its alert
  // (which the client never got: a delta must not go for it).
  struct Taken {
    std::vector<SharedChange> changes;
    std::vector<bool> replaced;
    SharedBatchPtr whole_batch;
  };
  Taken take_routine(std::size_t max_changes, std::size_t max_bytes, const SubscriptionFilter& filter);

  // The rev to resync from, once owed and the routine backlog is down to half
  // the high-water mark (telling a client to resync while it is still being
  // dropped for would only make it ask again). Cleared by the call.
  std::optional<std::uint64_t> take_due_resync();
  std::optional<std::uint64_t> resync_owed() const { return resync_from_; }

  // Discards everything queued (the client is closing).
  void clear();
  // Discards the queued routine changes (the client is closing; what is
  // urgent may still go out).
  void clear_routine();

  std::size_t urgent_messages() const { return urgent_.size(); }
  std::size_t urgent_bytes() const { return urgent_bytes_; }
  std::size_t routine_changes() const { return routine_live_; }
  std::size_t routine_bytes() const { return routine_bytes_; }
  std::size_t kept_changes() const { return kept_live_; }
  // When the oldest queued routine change was queued (nullopt: none queued).
  std::optional<Clock::time_point> oldest_routine() const;
  // True when kept changes have waited past the stall deadline.
  bool stalled(Clock::time_point now) const;

 private:
  struct Slot {
    SharedBatchPtr batch;  // null: removed (coalesced, evicted or superseded)
    std::uint32_t index = 0;
    bool replaced = false;  // it replaced an older queued change of its alert
    Clock::time_point queued_at;
    const EncodedChange& change() const { return *batch->changes()[index]; }
  };

  // The queued routine change of `alert`: its slot's sequence number.
  std::optional<std::uint64_t> queued_seq(std::string_view alert, std::uint32_t hash) const;
  static std::uint32_t alert_hash(std::string_view alert);
  // Index entries hold a sequence number's low 31 bits: the live window
  // (at most kMaxRoutineChanges live slots plus as many removed ones before a
  // compaction) is far below 2^31, so they are unique within it, and never
  // SlotIndex::kNone.
  static constexpr std::uint32_t kSeqMask = 0x7fffffffu;
  static constexpr std::size_t kIndexKeptCapacity = 256;
  static_assert(2 * OutboxLimits::kMaxRoutineChanges + 64 < kSeqMask, "the live window must fit in an index entry");
  static std::uint32_t index_entry(std::uint64_t seq) { return static_cast<std::uint32_t>(seq) & kSeqMask; }
  std::uint64_t seq_of(std::uint32_t entry) const {
    return first_seq_ + ((entry - static_cast<std::uint32_t>(first_seq_)) & kSeqMask);
  }

  bool over_high_water(std::size_t extra_changes, std::size_t extra_bytes) const;
  bool over_max(std::size_t extra_changes, std::size_t extra_bytes) const;
  void remove_slot(std::uint64_t seq);
  void owe_resync(std::uint64_t rev);
  // Evicts the oldest queued droppable changes until the extra fits below the
  // high-water mark (or none is left).
  void evict_droppable(std::size_t extra_changes, std::size_t extra_bytes);
  void skip_removed_front();
  void compact_if_sparse();

  OutboxLimits limits_;

  struct Urgent {
    std::shared_ptr<const std::string> message;
    bool binary = false;
    bool change = false;
    Clock::time_point queued_at;
  };
  std::deque<Urgent> urgent_;
  std::size_t urgent_bytes_ = 0;

  // Routine slots in queue order; removed slots stay until they reach the
  // front or a compaction. `first_seq_` is the sequence number of routine_[0].
  std::deque<Slot> routine_;
  std::uint64_t first_seq_ = 0;
  // Alert id -> its queued slot. Open addressing, no allocation per entry:
  // every client looks up every change published to it.
  SlotIndex queued_by_alert_;
  std::size_t routine_live_ = 0;
  std::size_t routine_bytes_ = 0;
  std::size_t kept_live_ = 0;
  std::size_t removed_slots_ = 0;
  // Droppable slots not yet removed, for eviction without a scan from the front.
  std::deque<std::uint64_t> droppable_seqs_;

  std::optional<std::uint64_t> resync_from_;
};

}  // namespace rover_alerts::relay
