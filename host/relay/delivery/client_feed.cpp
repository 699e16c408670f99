#include "delivery/client_feed.hpp"

#include "delivery/publisher.hpp"
#include "protocol/alert_json.hpp"
#include "protocol/flatbuffers_encoding.hpp"
#include "protocol/lz4_frame.hpp"
#include "protocol/response_json.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace rover_alerts::relay {

ClientFeed::ClientFeed(Publisher& publisher, FeedSink& sink)
    : publisher_(publisher), sink_(sink), outbox_(publisher.limits().outbox) {}

ClientFeed::~ClientFeed() { stop(); }

void ClientFeed::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (subscription_ && !draining_) publisher_.remove(this);
  outbox_.clear();
  catch_up_.reset();
}

void ClientFeed::drain_urgent_only() {
  if (stopped_ || draining_) return;
  draining_ = true;
  if (subscription_) publisher_.remove(this);
  catch_up_.reset();
  outbox_.clear_routine();
}

void ClientFeed::on_status(PushStatus status) {
  DeliveryMetrics& metrics = publisher_.metrics();
  switch (status) {
    case PushStatus::Queued:
      return;
    case PushStatus::Coalesced:
      ++metrics.coalesced;
      return;
    case PushStatus::Dropped:
      ++metrics.dropped;
      return;
    case PushStatus::Overflow:
      break;
  }
  if (too_slow_) return;
  too_slow_ = true;
  ++metrics.slow_closes;
  sink_.feed_too_slow("client too slow");
}

PushStatus ClientFeed::send(std::shared_ptr<const std::string> message) {
  if (stopped_) return PushStatus::Dropped;
  // Answers are not timed (urgent_wait_us): their wait is their requester's
  // own queue of answers, not what the relay makes every screen wait.
  const PushStatus status = outbox_.push_urgent(std::move(message));
  on_status(status);
  if (status == PushStatus::Queued) sink_.feed_ready();
  return status;
}

void ClientFeed::subscribe(SubscribeOptions options, CatchUp catch_up) {
  assert(!subscription_);
  if (stopped_) return;
  subscription_ = std::move(options);
  catch_up_ = std::move(catch_up);
  publisher_.add(this);
  sink_.feed_ready();
}

bool ClientFeed::wants(Priority priority, std::string_view source) const {
  return subscription_ && !stopped_ && !draining_ && subscription_->filter.matches(priority, source);
}

void ClientFeed::push_critical(const SharedChange& change, std::shared_ptr<const std::string> message, bool binary,
                               std::shared_ptr<const std::string> delta_message) {
  if (stopped_) return;
  // A delta applies to what the client holds: not while its snapshot is still
  // coming, nor over a queued change it will now never get.
  if (delta_message && delta() && !catching_up() && !outbox_.has_queued(change->alert_id))
    message = std::move(delta_message);
  const PushStatus status = outbox_.push_urgent(std::move(message), change->alert_id, binary, Clock::now());
  on_status(status);
  if (status == PushStatus::Queued) sink_.feed_ready();  // at once: nothing waits for a tick
}

void ClientFeed::push_notice(std::shared_ptr<const std::string> message) {
  if (stopped_) return;
  const PushStatus status = outbox_.push_urgent(std::move(message), {}, false, Clock::now());
  on_status(status);
  if (status == PushStatus::Queued) sink_.feed_ready();
}

void ClientFeed::push_routine(const SharedBatchPtr& batch, std::size_t index, Clock::time_point now) {
  if (stopped_ || catching_up()) return;
  on_status(outbox_.push_routine(batch, index, now));
}

std::size_t ClientFeed::batch_size() const {
  const BatchLimits& limits = publisher_.limits().batching;
  if (subscription_ && subscription_->batch_size)
    return std::clamp(*subscription_->batch_size, limits.min_batch_size, limits.max_batch_size);
  if (!rtt_) return limits.min_batch_size;
  // Adaptive: a slow link gets fewer, larger batches.
  const auto low = std::chrono::duration_cast<std::chrono::microseconds>(limits.low_rtt);
  const auto high = std::chrono::duration_cast<std::chrono::microseconds>(limits.high_rtt);
  if (*rtt_ <= low) return limits.min_batch_size;
  if (*rtt_ >= high) return limits.max_batch_size;
  const double share = static_cast<double>((*rtt_ - low).count()) / static_cast<double>((high - low).count());
  return limits.min_batch_size +
         static_cast<std::size_t>(share * static_cast<double>(limits.max_batch_size - limits.min_batch_size));
}

std::chrono::milliseconds ClientFeed::batch_timeout() const {
  const BatchLimits& limits = publisher_.limits().batching;
  const auto wanted = subscription_ && subscription_->batch_timeout ? *subscription_->batch_timeout
                                                                    : limits.default_batch_timeout;
  return std::clamp(wanted, limits.min_batch_timeout, limits.max_batch_timeout);
}

void ClientFeed::set_rtt(std::chrono::microseconds rtt) { rtt_ = rtt; }

bool ClientFeed::routine_due(Clock::time_point now) const {
  const std::size_t queued = outbox_.routine_changes();
  if (queued == 0) return false;
  const BatchLimits& limits = publisher_.limits().batching;
  if (queued >= limits.max_batch_size) return true;
  const bool spaced = !last_routine_write_ || now - *last_routine_write_ >= limits.routine_write_spacing;
  if (queued >= batch_size() && spaced) return true;
  const auto oldest = outbox_.oldest_routine();
  return oldest && now - *oldest >= batch_timeout();
}

void ClientFeed::poll(Clock::time_point now) {
  if (stopped_) return;
  if (outbox_.stalled(now)) {
    ++publisher_.metrics().slow_closes;
    too_slow_ = true;
    return sink_.feed_too_slow("client too slow: high/medium alerts not taken in time");
  }
  if (outbox_.has_urgent() || outbox_.resync_owed()) return sink_.feed_ready();
  if (routine_due(now) || (waiting_for_budget_ && catching_up())) publisher_.schedule_routine(*this);
}

std::size_t ClientFeed::write_routine() {
  if (stopped_) return 0;
  const auto& bytes = publisher_.metrics().bytes;
  const std::uint64_t before = std::accumulate(bytes.begin(), bytes.end(), std::uint64_t{0});
  sink_.feed_ready();
  return static_cast<std::size_t>(std::accumulate(bytes.begin(), bytes.end(), std::uint64_t{0}) - before);
}

std::shared_ptr<const std::string> ClientFeed::take_urgent(bool* binary, bool* change) {
  Clock::time_point queued_at;
  auto message = outbox_.pop_urgent(binary, change, &queued_at);
  // The real clock, as at the push (`now` in next() may be a test's clock).
  if (queued_at != Clock::time_point{})
    publisher_.metrics().urgent_wait_us.observe(static_cast<double>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - queued_at).count()));
  return message;
}

std::optional<ClientFeed::Outgoing> ClientFeed::next(Clock::time_point now) {
  if (stopped_) return std::nullopt;
  DeliveryMetrics& metrics = publisher_.metrics();
  std::optional<Outgoing> out;
  if (outbox_.has_urgent()) {
    out = Outgoing{nullptr, DeliveryClass::Urgent, 0};
    bool change = false;
    out->bytes = take_urgent(&out->binary, &change);
    out->changes = change ? 1 : 0;  // a critical change counts as a delivery
  } else if (const auto rev = outbox_.take_due_resync()) {
    ++metrics.resyncs;
    out = Outgoing{std::make_shared<const std::string>(
                       resync_required_message(*rev, "client too slow: low/info alerts were dropped")),
                   DeliveryClass::Urgent, 0};
  } else if (draining_) {
    return std::nullopt;
  } else if (catching_up()) {
    // Pages share the relay's read budget: past it, wait (the publisher polls again).
    waiting_for_budget_ = !publisher_.read_budget_available();
    if (waiting_for_budget_) {
      publisher_.wait_for_read_budget();
      return std::nullopt;
    }
    out = next_catch_up_page();
  } else if (routine_due(now)) {
    out = routine_write(now);
  }
  if (!out) return out;
  const auto cls = static_cast<std::size_t>(out->cls);
  ++metrics.messages[cls];
  metrics.changes[cls] += out->changes;
  metrics.bytes[cls] += out->bytes->size();
  // An LZ4 frame starts with its magic number 0x184D2204, little-endian.
  const bool lz4 = out->binary && out->bytes->size() >= 4 && out->bytes->compare(0, 4, "\x04\x22\x4D\x18") == 0;
  metrics.bytes_by_encoding[!out->binary ? 0 : lz4 ? 1 : 2] += out->bytes->size();
  return out;
}

std::optional<ClientFeed::Outgoing> ClientFeed::next_catch_up_page() {
  // Pages until one carries something or the walk is done.
  while (catching_up()) {
    const BatchLimits& limits = publisher_.limits().batching;
    CatchUp::Page page = catch_up_->next_page(publisher_.store(), publisher_.committed_rev(), subscription_->filter,
                                              limits.catch_up_page, publisher_.next_batch_id(),
                                              subscription_->flatbuffers);
    if (page.history_lost) {
      ++publisher_.metrics().resyncs;
      return Outgoing{std::make_shared<const std::string>(resync_required_message(
                          catch_up_->cursor(), "history pruned while the catch-up ran")),
                      DeliveryClass::Urgent, 0};
    }
    if (page.done) {
      // Live from here: everything up to the published rev has been walked.
      outbox_.push_urgent(std::make_shared<const std::string>(catch_up_complete_message(catch_up_->cursor())));
    }
    publisher_.charge_read(page.entries_read);
    if (page.message) {
      ++publisher_.metrics().catch_up_pages;
      publisher_.metrics().catch_up_changes += page.changes;
      Outgoing out{std::move(page.message), DeliveryClass::Kept, page.changes};
      out.binary = subscription_->flatbuffers;
      compress_if_wanted(out);
      return out;
    }
  }
  if (outbox_.has_urgent()) {
    Outgoing out{nullptr, DeliveryClass::Urgent, 0};
    out.bytes = take_urgent(&out.binary, nullptr);
    return out;
  }
  return std::nullopt;
}

ClientFeed::Outgoing ClientFeed::routine_write(Clock::time_point now) {
  const BatchLimits& limits = publisher_.limits().batching;
  DeliveryMetrics& metrics = publisher_.metrics();
  ClientOutbox::Taken taken =
      outbox_.take_routine(limits.write_max_changes, limits.write_max_bytes, subscription_->filter);
  assert(!taken.changes.empty());
  last_routine_write_ = now;
  const auto written = Clock::now();  // `now` may be a test's clock
  for (const SharedChange& change : taken.changes)
    metrics.publish_to_write_us.observe(static_cast<double>(
        std::chrono::duration_cast<std::chrono::microseconds>(written - change->published_at).count()));
  metrics.batch_changes.observe(static_cast<double>(taken.changes.size()));
  Outgoing out;
  out.changes = taken.changes.size();
  // A kept change anywhere in it makes the write kept.
  out.cls = DeliveryClass::Droppable;
  for (const SharedChange& change : taken.changes)
    if (delivery_class(change->priority) == DeliveryClass::Kept) out.cls = DeliveryClass::Kept;
  const bool flatbuffers = subscription_->flatbuffers;
  const bool delta = this->delta();
  const bool any_replaced = std::find(taken.replaced.begin(), taken.replaced.end(), true) != taken.replaced.end();
  if (taken.whole_batch && !(delta && any_replaced)) {
    ++metrics.shared_batch_writes;
    const SharedBatch& batch = *taken.whole_batch;
    const SubscriptionFilter& filter = subscription_->filter;
    out.bytes = flatbuffers ? batch.flatbuffers_message_for(filter)
                : delta     ? batch.delta_message_for(filter)
                            : batch.message_for(filter);
    out.binary = flatbuffers;
    // Compressed once per shared batch, whoever asks first.
    if (subscription_->lz4 && out.bytes->size() > compression_threshold()) {
      const std::size_t plain = out.bytes->size();
      out.bytes = flatbuffers ? batch.flatbuffers_lz4_message_for(filter)
                  : delta     ? batch.delta_lz4_message_for(filter)
                              : batch.lz4_message_for(filter);
      out.binary = true;
      ++metrics.lz4_messages;
      metrics.lz4_bytes_in += plain;
      metrics.lz4_bytes_out += out.bytes->size();
    }
    return out;
  }
  ++metrics.assembled_batch_writes;
  std::vector<std::string_view> items;
  items.reserve(taken.changes.size());
  if (flatbuffers) {
    // Every change published while this feed was subscribed carries its blob.
    for (const SharedChange& change : taken.changes) {
      assert(change->flatbuffer);
      if (change->flatbuffer) items.push_back(*change->flatbuffer);
    }
    out.bytes = std::make_shared<const std::string>(flatbuffers_batch_frame(publisher_.next_batch_id(), items));
    out.binary = true;
  } else {
    for (std::size_t i = 0; i < taken.changes.size(); ++i) {
      const EncodedChange& change = *taken.changes[i];
      items.push_back(delta && change.delta_json && !taken.replaced[i] ? *change.delta_json : change.json);
    }
    out.bytes = std::make_shared<const std::string>(alert_batch_message(publisher_.next_batch_id(), items));
  }
  compress_if_wanted(out);
  return out;
}

std::size_t ClientFeed::compression_threshold() const {
  const BatchLimits& limits = publisher_.limits().batching;
  return std::max(subscription_->compression_threshold.value_or(limits.default_compression_threshold),
                  limits.min_compression_threshold);
}

void ClientFeed::compress_if_wanted(Outgoing& out) {
  if (!subscription_->lz4 || out.bytes->size() <= compression_threshold()) return;
  DeliveryMetrics& metrics = publisher_.metrics();
  const std::size_t plain = out.bytes->size();
  out.bytes = std::make_shared<const std::string>(lz4_frame(*out.bytes));
  out.binary = true;
  ++metrics.lz4_messages;
  metrics.lz4_bytes_in += plain;
  metrics.lz4_bytes_out += out.bytes->size();
}

}  // namespace rover_alerts::relay
