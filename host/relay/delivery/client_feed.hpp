#pragma once
// ClientFeed: everything one client is sent, and in which order.
//
// It owns the client's outbox (ClientOutbox), its subscription (filter,
// batching, catch-up) and decides what the next write carries:
//   1. urgent messages (critical changes, ack notices, responses), in order;
//   2. a due resync_required notice;
//   3. the next catch-up page while the subscription is catching up;
//   4. routine changes, once `batch size` of them wait or the oldest has
//      waited `batch timeout`: the shared batch itself when exactly one is
//      queued, otherwise everything waiting merged into one alert_batch.
// The session asks for the next message whenever it has no write in flight
// (one write in flight: a page is produced only once the previous write is
// done, which is the catch-up's flow control).
//
// Threading: the relay's io thread only.

#include "delivery/catch_up.hpp"
#include "delivery/client_outbox.hpp"
#include "delivery/delivery_limits.hpp"
#include "delivery/subscription_filter.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class Publisher;

// What the feed needs from the connection that carries it.
class FeedSink {
 public:
  virtual ~FeedSink() = default;
  // Something can be written now.
  virtual void feed_ready() = 0;
  // The client cannot keep up with what is never dropped: close it.
  virtual void feed_too_slow(std::string_view why) = 0;
};

struct SubscribeOptions {
  SubscriptionFilter filter;
  std::optional<std::size_t> batch_size;                   // none: adapted from the RTT
  std::optional<std::chrono::milliseconds> batch_timeout;  // none: the relay's default
  bool lz4 = false;                                        // compress large batches
  std::optional<std::size_t> compression_threshold;        // none: the relay's default
  // encoding "flatbuffers": alert changes (critical alerts, batches, catch-up
  // pages) come as binary FlatBuffers ServerFrames; everything else stays JSON.
  bool flatbuffers = false;
  // delta: updates carry only the fields that changed (JSON only: ignored
  // with flatbuffers). Whole changes still go where a delta could not apply:
  // a change that replaced a queued one, a critical one during catch-up or
  // replacing a queued one, a new alert, a priority change.
  bool delta = false;
};

class ClientFeed {
 public:
  using Clock = std::chrono::steady_clock;

  ClientFeed(Publisher& publisher, FeedSink& sink);
  ~ClientFeed();
  ClientFeed(const ClientFeed&) = delete;
  ClientFeed& operator=(const ClientFeed&) = delete;

  // A protocol message for this client alone (welcome, response, error): urgent.
  PushStatus send(std::shared_ptr<const std::string> message);

  // Starts the subscription: `catch_up` first, then live changes.
  void subscribe(SubscribeOptions options, CatchUp catch_up);
  bool subscribed() const { return subscription_.has_value(); }
  // Subscribed with encoding "flatbuffers".
  bool flatbuffers() const { return subscription_ && subscription_->flatbuffers; }
  // Subscribed with delta updates (and JSON).
  bool delta() const { return subscription_ && subscription_->delta && !subscription_->flatbuffers; }
  // Stops everything: nothing more is queued or produced; queued messages are
  // discarded (a closing connection).
  void stop();
  bool stopped() const { return stopped_; }
  // A connection closing gracefully: nothing more is queued, queued routine
  // changes and the catch-up are discarded, what is urgent still goes out.
  void drain_urgent_only();

  struct Outgoing {
    std::shared_ptr<const std::string> bytes;
    DeliveryClass cls = DeliveryClass::Urgent;
    std::size_t changes = 0;  // alert changes carried
    bool binary = false;      // a binary frame (lz4-compressed or FlatBuffers)
  };
  // The next message to write now, if any.
  std::optional<Outgoing> next(Clock::time_point now);

  // The round-trip time measured with a WebSocket ping.
  void set_rtt(std::chrono::microseconds rtt);
  std::size_t batch_size() const;
  std::chrono::milliseconds batch_timeout() const;
  std::optional<std::chrono::microseconds> rtt() const { return rtt_; }

  // ---- from the publisher ----
  bool wants(Priority priority, std::string_view source) const;
  bool catching_up() const { return catch_up_ && !catch_up_->done() && !draining_; }
  // `message`: the change's `alert` message, or its FlatBuffers
  // ServerFrame{Alert} (binary) for a flatbuffers() feed.
  // `delta_message`: the change's delta `alert` message, when it has one.
  void push_critical(const SharedChange& change, std::shared_ptr<const std::string> message, bool binary = false,
                     std::shared_ptr<const std::string> delta_message = nullptr);
  void push_notice(std::shared_ptr<const std::string> message);
  void push_routine(const SharedBatchPtr& batch, std::size_t index, Clock::time_point now);
  // After a publication or on the relay's tick: wakes the sink when an urgent
  // write is due, schedules a routine one with the publisher (a later slice),
  // closes a client stalled past the deadline.
  void poll(Clock::time_point now);
  // The publisher's slice: the routine write scheduled by poll() is due now.
  // Returns the bytes the session took from the feed meanwhile (a session
  // takes its next message at once when no write is in flight).
  std::size_t write_routine();
  bool has_routine() const { return outbox_.routine_changes() > 0; }

  const ClientOutbox& outbox() const { return outbox_; }

 private:
  friend class Publisher;  // routine_scheduled_
  void on_status(PushStatus status);
  bool routine_due(Clock::time_point now) const;
  std::optional<Outgoing> next_catch_up_page();
  Outgoing routine_write(Clock::time_point now);
  // Pops the oldest urgent message and records how long it waited (critical
  // changes and notices; answers and the catch-up's end are pushed untimed).
  std::shared_ptr<const std::string> take_urgent(bool* binary, bool* change);
  std::size_t compression_threshold() const;
  // A batch message as this client takes it: lz4-compressed when asked for
  // and large enough (a FlatBuffers frame is binary either way).
  void compress_if_wanted(Outgoing& out);

  Publisher& publisher_;
  FeedSink& sink_;
  ClientOutbox outbox_;
  std::optional<SubscribeOptions> subscription_;
  std::optional<CatchUp> catch_up_;
  std::optional<std::chrono::microseconds> rtt_;
  std::optional<Clock::time_point> last_routine_write_;
  bool too_slow_ = false;
  bool draining_ = false;
  bool stopped_ = false;
  bool waiting_for_budget_ = false;  // its catch-up stopped on the read budget; poll() wakes it
  bool routine_scheduled_ = false;   // in the publisher's queue of routine writes
};

}  // namespace rover_alerts::relay
