#pragma once
// CatchUp: what a new subscriber is owed before live changes, sent in pages
// with one page in flight (flow control), outside the live queue's limits.
//
//  - snapshot (no sinceRev): every current alert (type "new"), walked in rev
//    order from a cursor;
//  - sinceRev: exactly what was missed (current state of each alert changed
//    since, type "update", and each removal), or, when the history no longer
//    reaches back, `reset` and a snapshot.
//
// The walk reads the store as it is when each page is taken, up to the
// committed rev, so a change made while pages are being sent is picked up by
// a later page (an alert that changes moves to a higher rev): nothing is lost,
// and the subscriber goes live once the cursor has caught up with what has
// been published. A critical change published meanwhile is also sent at once,
// so a subscriber may see one change twice; clients apply a change only when
// its rev is newer than what they hold for that alert.
//
// The same page query serves alert_sync (AlertRequestHandler).

#include "delivery/subscription_filter.hpp"
#include "store/alert_store.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace rover_alerts::relay {

class CatchUp {
 public:
  // A snapshot of everything current, starting at `committed_rev`.
  static CatchUp snapshot(std::uint64_t committed_rev);
  // What was missed after `since_rev`; `reset()` tells whether the history
  // reached back (otherwise a snapshot follows).
  static CatchUp since(const AlertStore& store, std::uint64_t since_rev, std::uint64_t committed_rev);

  bool reset() const { return reset_; }
  bool done() const { return done_; }
  std::uint64_t cursor() const { return cursor_; }

  struct Page {
    // alert_batch (or, for `flatbuffers`, a ServerFrame{AlertBatch}); null
    // when nothing matched.
    std::shared_ptr<const std::string> message;
    std::size_t changes = 0;
    std::size_t entries_read = 0;  // from the store, matched or not: what the read budget is charged
    bool done = false;  // caught up with `committed_rev`: go live
    // The history the walk needed was pruned while it ran: the subscriber
    // must resync (the walk stops).
    bool history_lost = false;
  };
  // The next page: at most `max_entries` entries after the cursor, none above
  // `committed_rev`, filtered by `filter`; as a FlatBuffers AlertBatch frame
  // when `flatbuffers`.
  Page next_page(const AlertStore& store, std::uint64_t committed_rev, const SubscriptionFilter& filter,
                 std::size_t max_entries, std::uint64_t batch_id, bool flatbuffers = false);

 private:
  CatchUp(std::uint64_t cursor, std::uint64_t removals_after, bool snapshot, bool reset)
      : cursor_(cursor), removals_after_(removals_after), snapshot_(snapshot), reset_(reset) {}

  std::uint64_t cursor_;
  std::uint64_t removals_after_;
  bool snapshot_;
  bool reset_;
  bool done_ = false;
};

}  // namespace rover_alerts::relay
