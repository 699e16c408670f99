#pragma once
// Publisher: after each journal commit, sends the committed changes to every
// subscribed client feed whose filter matches.
//
// Each change is encoded once (EncodedChange). A critical change also becomes
// one `alert` message, the same bytes queued as urgent for every client. The
// routine changes of one publication form one SharedBatch (a newer change of
// an alert replaces an older one in it), whose `alert_batch` message is encoded
// once per filter and shared by every client that takes it whole. While a
// subscriber asked for encoding "flatbuffers", each change is also encoded
// once as a FlatBuffers AlertChange, and a critical change also becomes one
// shared ServerFrame{Alert}.
//
// A tick (BatchLimits::tick) runs while routine changes wait anywhere: it
// releases partial batches whose timeout passed and closes stalled clients.
//
// Urgent messages are written in the handler that queued them. Routine writes
// (batches, catch-up pages) found due are not: the feeds queue, and slices of
// BatchLimits::routine_writes_per_slice of them (fewer once a slice has
// written routine_slice_max_bytes) are written, one slice per io handler. A
// round of 12-50 KiB batches to 100 clients took 9 ms in one handler, and a
// critical alert read meanwhile waited for all of it; now the reader runs
// between slices, and each slice first runs the urgent flush (the
// relay's urgent changes not yet published), so routine work in progress
// delays an urgent change by at most about one slice.
//
// It also keeps the relay's read budget (ReadBudgetLimits): sync pages and
// catch-up pages are charged the entries they read; while the budget is in
// debt, syncs wait in a FIFO and catching-up feeds wait, and a timer wakes
// them, syncs first, when it has refilled.
//
// Threading: the relay's io thread only; nothing here locks.

#include "delivery/client_feed.hpp"
#include "delivery/delivery_limits.hpp"
#include "delivery/delivery_metrics.hpp"
#include "store/alert_store.hpp"
#include "token_bucket.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

class Publisher {
 public:
  Publisher(const AlertStore& store, const DeliveryLimits& limits);
  // Before the first publication: the io loop's executor (for the tick) and
  // the rev the store was restored to (all of it committed).
  void start(boost::asio::any_io_executor executor, std::uint64_t committed_rev);
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Feeds add themselves when they subscribe and remove themselves when they stop.
  void add(ClientFeed* feed);
  void remove(ClientFeed* feed);
  std::size_t size() const { return live_feeds_; }
  // Subscribed feeds that asked for encoding "flatbuffers": while there is
  // one, each change is also encoded as a FlatBuffers AlertChange.
  std::size_t flatbuffers_feeds() const { return flatbuffers_feeds_; }

  // The changes of one commit, in rev order, all at or below `committed_rev`.
  void publish(std::span<const AlertChange> changes, std::uint64_t committed_rev);
  // Urgent changes (all of them critical) before their commit, their revs
  // within the journal's reservation (AlertJournal::reserved_rev()). The
  // committed rev stays where it is: catch-ups still read committed state.
  void publish_before_commit(std::span<const AlertChange> changes) { publish(changes, committed_rev_); }
  // An urgent notice (an acknowledgement) for every feed that wants alerts of
  // this priority and source.
  void publish_notice(const std::shared_ptr<const std::string>& message, Priority priority, std::string_view source);
  // An urgent notice for every subscribed feed, whatever its filter (an alarm flood).
  void broadcast_notice(const std::shared_ptr<const std::string>& message);

  // A feed with a routine write due: written in a later slice.
  void schedule_routine(ClientFeed& feed);
  // Runs at the start of every slice, before its routine writes.
  void set_urgent_flush(std::function<void()> flush) { urgent_flush_ = std::move(flush); }
  // Feeds whose routine write waits for a slice.
  std::size_t routine_waiting() const { return routine_due_.size(); }

  // Everything at or below this rev has been published.
  std::uint64_t committed_rev() const { return committed_rev_; }
  std::uint64_t next_batch_id() { return next_batch_id_++; }
  const AlertStore& store() const { return store_; }
  const DeliveryLimits& limits() const { return limits_; }
  DeliveryMetrics& metrics() { return metrics_; }
  const DeliveryMetrics& metrics() const { return metrics_; }
  // Queue depths over every feed, for /metrics.
  struct Depths {
    std::size_t urgent_messages = 0;
    std::size_t routine_changes = 0;
    std::size_t queued_bytes = 0;
  };
  Depths depths() const;

  // Stops the tick for good (relay shutdown; before the io_context goes).
  void stop();

  // The read budget. read_budget_available(): a read may start now.
  bool read_budget_available();
  void charge_read(std::size_t entries);
  // Runs `read` now if the budget allows, else once it does (FIFO); false
  // (nothing queued) when max_waiting_syncs already wait.
  bool when_read_budget_allows(std::function<void()> read);
  // A catching-up feed found the budget spent: it is polled once it refills.
  void wait_for_read_budget();

 private:
  template <class F>
  void for_each_feed(F&& f);
  void arm_tick();
  void on_tick();
  void arm_budget_timer();
  void on_budget_timer();
  void arm_slice();
  void run_slice();

  const AlertStore& store_;
  const DeliveryLimits& limits_;
  DeliveryMetrics metrics_;
  std::uint64_t committed_rev_ = 0;
  std::uint64_t next_batch_id_ = 1;

  // Removed feeds leave a null until the next compaction, so that feeds may
  // stop (be closed) while a publication iterates.
  std::vector<ClientFeed*> feeds_;
  std::size_t live_feeds_ = 0;
  std::size_t flatbuffers_feeds_ = 0;
  std::size_t delta_feeds_ = 0;  // subscribed with delta: true: changes get their delta form
  int iterating_ = 0;

  TokenBucket read_budget_;
  std::deque<std::function<void()>> waiting_syncs_;
  bool feeds_wait_for_budget_ = false;

  // Routine writes waiting for a slice, each feed once (ClientFeed::routine_scheduled_).
  std::deque<ClientFeed*> routine_due_;
  std::function<void()> urgent_flush_;
  boost::asio::any_io_executor executor_;
  bool slice_posted_ = false;

  // Destroyed by stop(), while the io_context still exists.
  std::unique_ptr<boost::asio::steady_timer> tick_;
  bool tick_armed_ = false;
  std::unique_ptr<boost::asio::steady_timer> budget_timer_;
  bool budget_timer_armed_ = false;
  bool stopped_ = false;
};

}  // namespace rover_alerts::relay
