#include "delivery/publisher.hpp"

#include "protocol/alert_json.hpp"
#include "protocol/flatbuffers_encoding.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <unordered_map>

namespace rover_alerts::relay {

Publisher::Publisher(const AlertStore& store, const DeliveryLimits& limits)
    : store_(store),
      limits_(limits),
      read_budget_(limits.read_budget.entries_per_s, limits.read_budget.burst, TokenBucket::Clock::now()) {}

void Publisher::start(boost::asio::any_io_executor executor, std::uint64_t committed_rev) {
  executor_ = executor;
  tick_ = std::make_unique<boost::asio::steady_timer>(executor);
  budget_timer_ = std::make_unique<boost::asio::steady_timer>(std::move(executor));
  committed_rev_ = committed_rev;
}

void Publisher::add(ClientFeed* feed) {
  feeds_.push_back(feed);
  ++live_feeds_;
  if (feed->flatbuffers()) ++flatbuffers_feeds_;
  if (feed->delta()) ++delta_feeds_;
}

void Publisher::remove(ClientFeed* feed) {
  const auto it = std::find(feeds_.begin(), feeds_.end(), feed);
  if (it == feeds_.end()) return;
  *it = nullptr;
  if (feed->routine_scheduled_) {
    feed->routine_scheduled_ = false;
    std::erase(routine_due_, feed);
  }
  --live_feeds_;
  if (feed->flatbuffers()) --flatbuffers_feeds_;
  if (feed->delta()) --delta_feeds_;
  if (iterating_ == 0) std::erase(feeds_, nullptr);
}

template <class F>
void Publisher::for_each_feed(F&& f) {
  ++iterating_;
  // By index: feeds added meanwhile are appended, removed ones become null.
  for (std::size_t i = 0; i < feeds_.size(); ++i)
    if (feeds_[i] != nullptr) f(*feeds_[i]);
  if (--iterating_ == 0 && live_feeds_ != feeds_.size()) std::erase(feeds_, nullptr);
}

void Publisher::publish(std::span<const AlertChange> changes, std::uint64_t committed_rev) {
  committed_rev_ = committed_rev;
  if (changes.empty()) return;
  ++metrics_.publications;
  const auto now = ClientFeed::Clock::now();

  std::vector<SharedChange> routine;
  std::unordered_map<std::string_view, std::size_t> routine_index;  // alert id -> position in `routine`
  for (const AlertChange& change : changes) {
    auto encoded = std::make_shared<EncodedChange>();
    encoded->alert_id = change.alert.id;
    encoded->source = change.alert.source;
    encoded->priority = change.alert.priority;
    encoded->rev = change.rev;
    encoded->json = encode_change_json(change.type, change.alert);
    if (flatbuffers_feeds_ > 0) encoded->flatbuffer = encode_change_flatbuffer(change.type, change.alert);
    if (delta_feeds_ > 0) encoded->delta_json = encode_change_delta_json(change);
    encoded->published_at = now;
    const auto queued = routine_index.find(encoded->alert_id);
    if (delivery_class(encoded->priority) == DeliveryClass::Urgent) {
      // An older routine change of this alert in this publication is
      // superseded (out of the index first: its key views that change's id).
      if (queued != routine_index.end()) {
        const std::size_t at = queued->second;
        routine_index.erase(queued);
        routine[at] = nullptr;
      }
      auto message = std::make_shared<const std::string>(alert_message(encoded->json));
      std::shared_ptr<const std::string> delta_message;
      if (encoded->delta_json) delta_message = std::make_shared<const std::string>(alert_message(*encoded->delta_json));
      // ServerFrame{Alert}, built once for every flatbuffers feed.
      std::shared_ptr<const std::string> frame;
      if (encoded->flatbuffer) frame = std::make_shared<const std::string>(flatbuffers_alert_frame(*encoded->flatbuffer));
      SharedChange shared = std::move(encoded);
      for_each_feed([&](ClientFeed& feed) {
        if (!feed.wants(shared->priority, shared->source)) return;
        if (feed.flatbuffers() && frame)
          feed.push_critical(shared, frame, true);
        else
          feed.push_critical(shared, message, false, delta_message);
      });
    } else if (queued != routine_index.end()) {
      // Coalesced within the batch. The index's key views the alert id of the
      // change being replaced: re-key it on the new one before the old goes.
      const std::size_t at = queued->second;
      routine_index.erase(queued);
      routine[at] = std::move(encoded);
      routine_index.emplace(routine[at]->alert_id, at);
    } else {
      routine_index.emplace(encoded->alert_id, routine.size());
      routine.push_back(std::move(encoded));
    }
  }
  std::erase(routine, nullptr);

  if (!routine.empty()) {
    const auto batch = std::make_shared<const SharedBatch>(next_batch_id(), std::move(routine));
    for_each_feed([&](ClientFeed& feed) {
      if (feed.catching_up()) return;  // its catch-up walk picks these up
      for (std::size_t i = 0; i < batch->changes().size(); ++i) {
        const EncodedChange& change = *batch->changes()[i];
        if (feed.wants(change.priority, change.source)) feed.push_routine(batch, i, now);
        if (feed.stopped()) return;
      }
    });
  }
  for_each_feed([&](ClientFeed& feed) { feed.poll(now); });
  arm_tick();
}

void Publisher::publish_notice(const std::shared_ptr<const std::string>& message, Priority priority,
                               std::string_view source) {
  for_each_feed([&](ClientFeed& feed) {
    if (feed.wants(priority, source)) feed.push_notice(message);
  });
}

void Publisher::broadcast_notice(const std::shared_ptr<const std::string>& message) {
  for_each_feed([&](ClientFeed& feed) { feed.push_notice(message); });
}

void Publisher::schedule_routine(ClientFeed& feed) {
  if (feed.routine_scheduled_) return;
  feed.routine_scheduled_ = true;
  routine_due_.push_back(&feed);
  arm_slice();
}

void Publisher::arm_slice() {
  if (slice_posted_ || stopped_ || !executor_) return;
  slice_posted_ = true;
  boost::asio::post(executor_, [this] {
    slice_posted_ = false;
    if (!stopped_) run_slice();
  });
}

void Publisher::run_slice() {
  if (urgent_flush_) urgent_flush_();
  std::size_t written = 0;
  for (std::size_t n = 0; n < limits_.batching.routine_writes_per_slice &&
                          written < limits_.batching.routine_slice_max_bytes && !routine_due_.empty();
       ++n) {
    ClientFeed* feed = routine_due_.front();
    routine_due_.pop_front();
    feed->routine_scheduled_ = false;
    written += feed->write_routine();
  }
  if (!routine_due_.empty()) arm_slice();
}

void Publisher::arm_tick() {
  if (tick_armed_ || stopped_ || !tick_) return;
  bool waiting = false;
  for (const ClientFeed* feed : feeds_)
    if (feed != nullptr && feed->has_routine()) waiting = true;
  if (!waiting) return;
  tick_armed_ = true;
  tick_->expires_after(limits_.batching.tick);
  tick_->async_wait([this](const boost::system::error_code& ec) {
    tick_armed_ = false;
    if (!ec) on_tick();
  });
}

void Publisher::on_tick() {
  const auto now = ClientFeed::Clock::now();
  for_each_feed([&](ClientFeed& feed) { feed.poll(now); });
  arm_tick();
}

Publisher::Depths Publisher::depths() const {
  Depths depths;
  for (const ClientFeed* feed : feeds_) {
    if (feed == nullptr) continue;
    depths.urgent_messages += feed->outbox().urgent_messages();
    depths.routine_changes += feed->outbox().routine_changes();
    depths.queued_bytes += feed->outbox().urgent_bytes() + feed->outbox().routine_bytes();
  }
  return depths;
}

bool Publisher::read_budget_available() {
  read_budget_.refill(TokenBucket::Clock::now());
  return read_budget_.time_to_clear() == TokenBucket::Clock::duration::zero();
}

void Publisher::charge_read(std::size_t entries) { read_budget_.take(static_cast<double>(entries)); }

bool Publisher::when_read_budget_allows(std::function<void()> read) {
  // Behind others already waiting, even if the budget has refilled meanwhile: FIFO.
  if (waiting_syncs_.empty() && read_budget_available()) {
    read();
    return true;
  }
  if (waiting_syncs_.size() >= limits_.read_budget.max_waiting_syncs) {
    ++metrics_.read_budget_refused;
    return false;
  }
  ++metrics_.read_budget_waits_sync;
  waiting_syncs_.push_back(std::move(read));
  arm_budget_timer();
  return true;
}

void Publisher::wait_for_read_budget() {
  if (!feeds_wait_for_budget_) ++metrics_.read_budget_waits_catch_up;
  feeds_wait_for_budget_ = true;
  arm_budget_timer();
}

void Publisher::arm_budget_timer() {
  if (budget_timer_armed_ || stopped_ || !budget_timer_) return;
  read_budget_.refill(TokenBucket::Clock::now());
  budget_timer_armed_ = true;
  budget_timer_->expires_after(std::max<TokenBucket::Clock::duration>(read_budget_.time_to_clear(),
                                                                     std::chrono::milliseconds(1)));
  budget_timer_->async_wait([this](const boost::system::error_code& ec) {
    budget_timer_armed_ = false;
    if (!ec) on_budget_timer();
  });
}

void Publisher::on_budget_timer() {
  // Waiting syncs first, in order, while the budget lasts; then the feeds.
  while (!waiting_syncs_.empty() && read_budget_available()) {
    auto read = std::move(waiting_syncs_.front());
    waiting_syncs_.pop_front();
    read();
  }
  if (feeds_wait_for_budget_ && read_budget_available()) {
    feeds_wait_for_budget_ = false;
    const auto now = ClientFeed::Clock::now();
    for_each_feed([&](ClientFeed& feed) { feed.poll(now); });
  }
  if (!waiting_syncs_.empty() || feeds_wait_for_budget_) arm_budget_timer();
}

void Publisher::stop() {
  stopped_ = true;
  for (ClientFeed* feed : routine_due_) feed->routine_scheduled_ = false;
  routine_due_.clear();
  tick_.reset();
  budget_timer_.reset();
  waiting_syncs_.clear();
}

}  // namespace rover_alerts::relay
