// ClientFeed and Publisher on a real AlertStore: the order of what one client
// is sent (critical first, never dropped), coalescing, shared batches, the
// paged catch-up and the adaptive batch size.

#include "feed_recorder.hpp"


#include <boost/asio/io_context.hpp>
#include <rover_alerts/ground/frame_decoding.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace rover_alerts::relay;
using rover_alerts::testing::FeedRecorder;
namespace json = boost::json;

namespace {

RoverEvent raise(const std::string& key, Priority priority, std::uint64_t at_ms = 1000) {
  RoverEvent e;
  e.key = key;
  e.priority = priority;
  e.source = "power-management";
  e.message = "Battery low";
  e.raised_at_ms = e.last_seen_ms = at_ms;
  return e;
}

// A store, the relay's publication step (every change published once
// "committed") and clients on the real delivery path.
struct Tester {
  explicit Tester(DeliveryLimits l = {}) : limits(l) {
    publisher.start(io.get_executor(), store.rev());
    store.set_observer([this](const AlertChange& change) { unpublished.push_back(change); });
  }

  std::unique_ptr<FeedRecorder> subscriber(SubscribeOptions options = {}) {
    auto client = std::make_unique<FeedRecorder>(publisher);
    client->feed.subscribe(std::move(options), CatchUp::snapshot(publisher.committed_rev()));
    return client;
  }
  void raise_alert(const std::string& key, Priority priority) {
    ++seq;
    store.apply_rover_event("r1", 7, seq, raise(key, priority, 1000 + seq));
  }
  // A full batch (max_batch_size) of low alerts, "k-0" on: a routine write due at once.
  void raise_full_batch() {
    for (std::size_t i = 0; i < limits.batching.max_batch_size; ++i) raise_alert("k-" + std::to_string(i), Priority::Low);
  }
  void commit() {
    publisher.publish(unpublished, store.rev());
    unpublished.clear();
  }

  AlertStore store{"epoch-1"};
  DeliveryLimits limits;
  boost::asio::io_context io;
  Publisher publisher{store, limits};
  std::vector<AlertChange> unpublished;
  std::uint64_t seq = 0;
};

std::string type_of(const json::object& message) { return std::string(message.at("type").as_string()); }
std::string priority_of(const json::object& alert) { return std::string(alert.at("data").at("priority").as_string()); }
std::uint64_t rev_of(const json::object& alert) { return alert.at("data").at("rev").to_number<std::uint64_t>(); }

// A flatbuffers subscriber's message: a verified frame, decoded.
rover_alerts::ground::DecodedClientFrame decode_frame(const ClientFeed::Outgoing& out) {
  BOOST_TEST_REQUIRE(out.binary);
  BOOST_TEST_REQUIRE(rover_alerts::ground::is_client_frame(*out.bytes));
  std::string error;
  auto frame = rover_alerts::ground::decode_client_frame(*out.bytes, error, out.changes);
  BOOST_TEST_REQUIRE(frame.has_value(), error);
  BOOST_TEST(frame->changes.size() == out.changes);
  return std::move(*frame);
}

DeliveryLimits small_queues() {
  DeliveryLimits limits;
  limits.outbox.routine_high_water_changes = 20;
  limits.outbox.routine_max_changes = 60;
  return limits;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_feed)

BOOST_AUTO_TEST_CASE(a_critical_change_overtakes_a_queued_batch) {
  Tester t;
  auto client = t.subscriber();
  client->drain();  // the (empty) catch-up
  client->received.clear();
  for (int i = 0; i < 50; ++i) t.raise_alert("nav/wp-" + std::to_string(i), Priority::Low);
  t.commit();
  t.raise_alert("motion/estop", Priority::Critical);
  t.commit();
  client->drain();
  BOOST_REQUIRE_EQUAL(client->received.size(), 51u);
  BOOST_TEST(priority_of(client->received.front()) == "critical");
  BOOST_TEST(client->batches == 1u);  // the 50 low ones, in one batch behind it
  const auto& m = t.publisher.metrics();
  BOOST_TEST(m.changes[static_cast<std::size_t>(DeliveryClass::Urgent)] == 1u);  // the critical one counts
  BOOST_TEST(m.changes[static_cast<std::size_t>(DeliveryClass::Droppable)] == 50u);
}

// How long critical changes and notices waited for their write (the
// session's write in flight, the io thread's other work) is recorded, one
// figure per message; answers are not.
BOOST_AUTO_TEST_CASE(an_urgent_message_s_wait_for_its_write_is_recorded) {
  Tester t;
  auto client = t.subscriber();
  client->drain();
  client->received.clear();
  const auto& wait = t.publisher.metrics().urgent_wait_us;
  const std::uint64_t before = wait.count();
  client->feed.send(std::make_shared<const std::string>(R"({"type":"response"})"));
  t.publisher.publish_notice(std::make_shared<const std::string>(R"({"type":"alert_ack"})"), Priority::High,
                             "power-management");
  t.raise_alert("fire", Priority::Critical);
  t.commit();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the write in flight before them
  client->drain();
  BOOST_TEST_REQUIRE(client->received.size() == 3u);
  BOOST_TEST(wait.count() == before + 2);
  BOOST_TEST(wait.sum() >= 2 * 2000.0);  // sleep_for waits at least as long
}

BOOST_AUTO_TEST_CASE(an_ack_notice_and_a_critical_change_wake_the_session_at_once_not_on_the_tick) {
  Tester t;
  auto client = t.subscriber();
  client->drain();
  t.raise_alert("routine", Priority::High);  // a partial batch: nothing due yet
  t.commit();
  client->ready_calls = 0;
  t.publisher.publish_notice(std::make_shared<const std::string>(R"({"type":"alert_ack"})"), Priority::High,
                             "power-management");
  BOOST_TEST(client->ready_calls == 1u);
  t.raise_alert("fire", Priority::Critical);
  client->ready_calls = 0;
  t.commit();
  BOOST_TEST(client->ready_calls >= 1u);
  const auto now = ClientFeed::Clock::now();
  const auto out = client->drain(now);
  BOOST_TEST_REQUIRE(out.size() == 2u);  // the notice and the critical change; the batch waits
  BOOST_TEST(to_string(out[0].cls) == "urgent");
  BOOST_TEST(to_string(out[1].cls) == "urgent");
}

BOOST_AUTO_TEST_CASE(a_slow_client_past_its_high_water_mark_gets_every_critical_change_in_order) {
  Tester t(small_queues());
  auto client = t.subscriber();
  client->drain();
  client->received.clear();
  std::vector<std::uint64_t> critical_revs;
  for (int i = 0; i < 1000; ++i) {
    const bool critical = i % 50 == 49;
    t.raise_alert("k-" + std::to_string(i), critical ? Priority::Critical : Priority::Info);
    if (critical) critical_revs.push_back(t.store.rev());
    if (i % 10 == 9) t.commit();  // the client reads nothing meanwhile
  }
  BOOST_TEST(client->too_slow.empty());
  BOOST_TEST(t.publisher.metrics().dropped > 0u);
  client->drain();
  std::vector<std::uint64_t> got_critical;
  std::optional<std::uint64_t> resync_rev;
  for (const auto& m : client->received) {
    if (type_of(m) == "resync_required") resync_rev = m.at("rev").to_number<std::uint64_t>();
    if (type_of(m) == "alert" && priority_of(m) == "critical") got_critical.push_back(rev_of(m));
  }
  BOOST_TEST(got_critical == critical_revs, boost::test_tools::per_element());
  // Told to resync from before the first change it missed: info ones from rev 21 on.
  BOOST_REQUIRE(resync_rev.has_value());
  BOOST_TEST(*resync_rev <= 21u);
}

BOOST_AUTO_TEST_CASE(high_and_medium_changes_are_kept_until_the_maximum_then_the_client_is_closed) {
  Tester t(small_queues());
  auto client = t.subscriber();
  client->drain();
  for (int i = 0; i < 60; ++i) t.raise_alert("k-" + std::to_string(i), i % 2 ? Priority::High : Priority::Medium);
  t.commit();
  BOOST_TEST(client->too_slow.empty());
  BOOST_TEST(t.publisher.metrics().dropped == 0u);
  t.raise_alert("k-60", Priority::High);
  t.commit();
  BOOST_TEST(client->too_slow == "client too slow");
  BOOST_TEST(t.publisher.metrics().slow_closes == 1u);
}

BOOST_AUTO_TEST_CASE(kept_changes_waiting_past_the_stall_deadline_close_the_client) {
  Tester t;
  auto client = t.subscriber();
  client->drain();
  t.raise_alert("k", Priority::High);
  t.commit();
  const auto now = ClientFeed::Clock::now();
  client->feed.poll(now);
  BOOST_TEST(client->too_slow.empty());
  client->feed.poll(now + t.limits.outbox.stall_deadline + std::chrono::seconds(1));
  BOOST_TEST(!client->too_slow.empty());
}

BOOST_AUTO_TEST_CASE(changes_of_one_queued_alert_collapse_into_the_newest) {
  Tester t;
  auto client = t.subscriber();
  client->drain();
  client->received.clear();
  for (int i = 0; i < 5; ++i) {
    t.raise_alert("power/low", Priority::Medium);  // re-raises: updates of one alert
    t.commit();
  }
  client->drain();
  BOOST_REQUIRE_EQUAL(client->received.size(), 1u);
  BOOST_TEST(rev_of(client->received[0]) == t.store.rev());
  BOOST_TEST(client->received[0].at("data").at("data").at("occurrences") == 5);
  BOOST_TEST(t.publisher.metrics().coalesced == 4u);
}

// Within one commit too: each alert once, its latest change. (The batch's
// index by alert id must follow each replacement: under ASan the old one
// read the replaced change's freed id.)
BOOST_AUTO_TEST_CASE(changes_of_one_alert_in_one_commit_collapse_into_the_newest) {
  Tester t;
  auto client = t.subscriber();
  client->drain();
  client->received.clear();
  for (const char* key : {"a", "b", "a", "b", "a", "c", "b"}) t.raise_alert(key, Priority::Medium);
  t.commit();
  client->drain();
  std::map<std::string, std::uint64_t> occurrences;
  for (const auto& m : client->received)
    occurrences[std::string(m.at("data").at("data").at("key").as_string())] =
        m.at("data").at("data").at("occurrences").to_number<std::uint64_t>();
  BOOST_TEST(client->received.size() == 3u);
  BOOST_TEST(occurrences["a"] == 3u);
  BOOST_TEST(occurrences["b"] == 3u);
  BOOST_TEST(occurrences["c"] == 1u);
}

BOOST_AUTO_TEST_CASE(clients_with_one_filter_are_sent_the_same_batch_bytes) {
  Tester t;
  auto a = t.subscriber();
  auto b = t.subscriber();
  a->drain();
  b->drain();
  for (int i = 0; i < 20; ++i) t.raise_alert("k-" + std::to_string(i), Priority::Low);
  t.commit();
  const auto from_a = a->drain();
  const auto from_b = b->drain();
  BOOST_REQUIRE_EQUAL(from_a.size(), 1u);
  BOOST_REQUIRE_EQUAL(from_b.size(), 1u);
  BOOST_TEST(from_a[0].bytes.get() == from_b[0].bytes.get());  // one buffer, not two equal ones
  BOOST_TEST(from_a[0].changes == 20u);
  BOOST_TEST(t.publisher.metrics().shared_batch_writes == 2u);
}

BOOST_AUTO_TEST_CASE(lz4_clients_get_large_batches_compressed_once_and_small_ones_as_text) {
  Tester t;
  SubscribeOptions lz4;
  lz4.lz4 = true;
  auto a = t.subscriber(lz4);
  auto b = t.subscriber(lz4);
  auto plain = t.subscriber();
  for (auto* client : {a.get(), b.get(), plain.get()}) client->drain();
  for (int i = 0; i < 100; ++i) t.raise_alert("k-" + std::to_string(i), Priority::Medium);
  t.commit();
  const auto from_a = a->feed.next(ClientFeed::Clock::now());
  const auto from_b = b->feed.next(ClientFeed::Clock::now());
  const auto from_plain = plain->feed.next(ClientFeed::Clock::now());
  BOOST_REQUIRE(from_a && from_b && from_plain);
  BOOST_TEST(from_a->binary);
  BOOST_TEST(!from_plain->binary);
  BOOST_TEST(from_a->bytes.get() == from_b->bytes.get());  // compressed once for both
  BOOST_TEST(rover_alerts::ground::lz4_frame_decode(*from_a->bytes).value_or("") == *from_plain->bytes);
  BOOST_TEST(from_a->bytes->size() * 2 < from_plain->bytes->size());
  BOOST_TEST(t.publisher.metrics().lz4_messages == 2u);

  // Under the threshold: text, uncompressed.
  t.raise_alert("k-single", Priority::Medium);
  t.commit();
  const auto small = a->feed.next(ClientFeed::Clock::now() + std::chrono::seconds(1));
  BOOST_REQUIRE(small.has_value());
  BOOST_TEST(!small->binary);
  BOOST_TEST(json::parse(*small->bytes).at("type") == "alert_batch");
}

BOOST_AUTO_TEST_CASE(flatbuffers_clients_get_verified_binary_frames_with_the_json_fields_shared_once) {
  Tester t;
  SubscribeOptions fb;
  fb.flatbuffers = true;
  auto a = t.subscriber(fb);
  auto b = t.subscriber(fb);
  auto plain = t.subscriber();
  BOOST_TEST(t.publisher.flatbuffers_feeds() == 2u);
  for (auto* client : {a.get(), b.get(), plain.get()}) {
    // The (empty) catch-up ends with catch_up_complete: JSON text, also for flatbuffers.
    const auto done = client->feed.next(ClientFeed::Clock::now());
    BOOST_REQUIRE(done.has_value());
    BOOST_TEST(!done->binary);
    BOOST_TEST(json::parse(*done->bytes).at("type") == "catch_up_complete");
  }
  for (int i = 0; i < 20; ++i) {
    RoverEvent e = raise("k-" + std::to_string(i), i % 2 == 0 ? Priority::Low : Priority::High, 2000 + i);
    e.title = "Cell " + std::to_string(i);
    e.group_id = "pack-1";
    e.metadata = {{"cell", std::to_string(i)}, {"volts", "3.1"}};
    if (i == 3) e.action = AlertAction{"Reset", "command", {{"target", "bms"}}};
    t.store.apply_rover_event("r1", 7, ++t.seq, e);
  }
  t.commit();
  const auto later = ClientFeed::Clock::now() + std::chrono::hours(1);
  const auto from_a = a->feed.next(later);
  const auto from_b = b->feed.next(later);
  BOOST_REQUIRE(from_a && from_b);
  plain->drain();
  BOOST_TEST(from_a->bytes.get() == from_b->bytes.get());  // one frame, built once for both
  BOOST_TEST(from_a->changes == 20u);
  const auto batch = decode_frame(*from_a);
  BOOST_TEST(batch.batch);
  BOOST_REQUIRE_EQUAL(plain->received.size(), 20u);
  for (std::size_t i = 0; i < batch.changes.size(); ++i)
    BOOST_TEST(batch.changes[i] == plain->received[i].at("data").as_object(), "change " << i);
  BOOST_TEST(batch.changes[3].at("data").at("action").at("parameters").at("target") == "bms");

  // A critical change: a ServerFrame{Alert} of its own, ahead of anything queued.
  plain->received.clear();
  t.raise_alert("k-low", Priority::Low);
  t.raise_alert("k-critical", Priority::Critical);
  t.commit();
  const auto critical_a = a->feed.next(ClientFeed::Clock::now());
  const auto critical_b = b->feed.next(ClientFeed::Clock::now());
  BOOST_REQUIRE(critical_a && critical_b);
  BOOST_TEST(critical_a->bytes.get() == critical_b->bytes.get());
  BOOST_TEST((critical_a->cls == DeliveryClass::Urgent));
  const auto critical = decode_frame(ClientFeed::Outgoing{critical_a->bytes, critical_a->cls, 1, critical_a->binary});
  BOOST_TEST(!critical.batch);
  plain->drain();
  BOOST_REQUIRE_EQUAL(plain->received.size(), 2u);
  BOOST_TEST(critical.changes.at(0) == plain->received[0].at("data").as_object());
  BOOST_TEST(priority_of(plain->received[0]) == "critical");
  // Then the routine one, assembled from the changes' blobs.
  const auto low = a->feed.next(later);
  BOOST_REQUIRE(low.has_value());
  const auto low_frame = decode_frame(*low);
  BOOST_TEST(low_frame.changes.at(0) == plain->received[1].at("data").as_object());

  // Encoded only while a flatbuffers client is subscribed.
  a->feed.stop();
  b->feed.stop();
  BOOST_TEST(t.publisher.flatbuffers_feeds() == 0u);
}

BOOST_AUTO_TEST_CASE(a_flatbuffers_catch_up_comes_as_alert_batch_frames_and_lz4_applies_on_top) {
  Tester t;
  for (int i = 0; i < 100; ++i) t.raise_alert("k-" + std::to_string(i), Priority::Medium);
  t.commit();
  SubscribeOptions fb;
  fb.flatbuffers = true;
  auto plain = t.subscriber();
  plain->drain();
  BOOST_REQUIRE_EQUAL(plain->received.size(), 101u);  // 100 changes, catch_up_complete

  auto client = t.subscriber(fb);
  const auto page = client->feed.next(ClientFeed::Clock::now());
  BOOST_REQUIRE(page.has_value());
  const auto frame = decode_frame(*page);
  BOOST_TEST(frame.batch);
  BOOST_REQUIRE_EQUAL(frame.changes.size(), 100u);
  for (std::size_t i = 0; i < frame.changes.size(); ++i)
    BOOST_TEST(frame.changes[i] == plain->received[i].at("data").as_object(), "change " << i);
  const auto done = client->feed.next(ClientFeed::Clock::now());
  BOOST_REQUIRE(done.has_value());
  BOOST_TEST(!done->binary);
  BOOST_TEST(json::parse(*done->bytes).at("type") == "catch_up_complete");

  // Both asked for: a large FlatBuffers frame goes lz4-compressed.
  SubscribeOptions both;
  both.flatbuffers = true;
  both.lz4 = true;
  auto compressed = t.subscriber(both);
  const auto packed = compressed->feed.next(ClientFeed::Clock::now());
  BOOST_REQUIRE(packed.has_value());
  BOOST_TEST(packed->binary);
  BOOST_TEST(!rover_alerts::ground::is_client_frame(*packed->bytes));
  const auto unpacked = rover_alerts::ground::lz4_frame_decode(*packed->bytes);
  BOOST_REQUIRE(unpacked.has_value());
  std::string error;
  const auto inner = rover_alerts::ground::decode_client_frame(*unpacked, error);
  BOOST_REQUIRE_MESSAGE(inner.has_value(), error);
  BOOST_TEST(inner->changes == frame.changes);
}

BOOST_AUTO_TEST_CASE(a_partial_batch_waits_for_its_timeout_and_a_full_one_goes_at_once) {
  Tester t;
  auto client = t.subscriber(SubscribeOptions{{}, 10, std::chrono::milliseconds(100), false, std::nullopt});
  client->drain();
  const auto now = ClientFeed::Clock::now();
  for (int i = 0; i < 9; ++i) t.raise_alert("k-" + std::to_string(i), Priority::Low);
  t.commit();
  BOOST_TEST(client->drain(now).empty());
  BOOST_TEST(client->drain(now + std::chrono::milliseconds(150)).size() == 1u);
  for (int i = 0; i < 10; ++i) t.raise_alert("j-" + std::to_string(i), Priority::Low);
  t.commit();
  BOOST_TEST(client->drain(now + std::chrono::milliseconds(160)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(under_a_flood_a_full_batch_waits_for_the_write_spacing_unless_the_maximum_is_queued) {
  Tester t;
  const BatchLimits& b = t.limits.batching;
  auto client = t.subscriber(SubscribeOptions{{}, 10, std::chrono::milliseconds(100), false, std::nullopt});
  client->drain();
  const auto now = ClientFeed::Clock::now();
  const auto raise_batch = [&](const std::string& prefix, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) t.raise_alert(prefix + std::to_string(i), Priority::Low);
    t.commit();
  };
  raise_batch("a-", 10);
  BOOST_TEST_REQUIRE(client->drain(now).size() == 1u);  // the first full batch goes at once
  raise_batch("b-", 10);
  BOOST_TEST(client->drain(now + b.routine_write_spacing / 2).empty());  // full, but a write just went
  raise_batch("c-", 10);
  const auto spaced = client->drain(now + b.routine_write_spacing);
  BOOST_TEST_REQUIRE(spaced.size() == 1u);
  BOOST_TEST(spaced[0].changes == 20u);  // one write took both
  raise_batch("d-", b.max_batch_size);
  BOOST_TEST(client->drain(now + b.routine_write_spacing).size() == 1u);  // the maximum never waits
}

// Ten clients with a full batch due: their writes go out four clients per io
// handler (BatchLimits::routine_writes_per_slice), not all in the handler of
// the publication.
BOOST_AUTO_TEST_CASE(routine_writes_due_for_many_clients_go_out_a_slice_at_a_time) {
  DeliveryLimits limits;
  limits.batching.routine_writes_per_slice = 4;
  Tester t(limits);
  std::vector<std::unique_ptr<FeedRecorder>> clients;
  for (int i = 0; i < 10; ++i) {
    clients.push_back(t.subscriber());
    clients.back()->drain();
    clients.back()->ready_calls = 0;
  }
  const auto woken = [&] {
    std::size_t n = 0;
    for (const auto& client : clients) n += client->ready_calls;
    return n;
  };
  t.raise_full_batch();
  t.commit();
  BOOST_TEST(woken() == 0u);
  BOOST_TEST(t.publisher.routine_waiting() == 10u);
  for (const std::size_t expected : {4u, 8u, 10u}) {
    BOOST_TEST_REQUIRE(t.io.run_one() == 1u);
    BOOST_TEST(woken() == expected);
  }
  BOOST_TEST(t.publisher.routine_waiting() == 0u);
  for (const auto& client : clients) BOOST_TEST(client->drain().size() == 1u);
}

// A slice also ends at its byte budget (BatchLimits::routine_slice_max_bytes),
// after at least one write: with full batches and a budget under one batch,
// one client per handler. The sink takes its message as a session does, in
// feed_ready, so the feed knows what was written.
BOOST_AUTO_TEST_CASE(a_slice_ends_at_its_byte_budget_after_at_least_one_write) {
  DeliveryLimits limits;
  limits.batching.routine_writes_per_slice = 4;
  limits.batching.routine_slice_max_bytes = 1;
  Tester t(limits);
  struct Writing : FeedRecorder {
    using FeedRecorder::FeedRecorder;
    void feed_ready() override {
      FeedRecorder::feed_ready();
      written += drain().size();
    }
    std::size_t written = 0;
  };
  std::vector<std::unique_ptr<Writing>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<Writing>(t.publisher));
    clients.back()->feed.subscribe({}, CatchUp::snapshot(t.publisher.committed_rev()));
    clients.back()->drain();
    clients.back()->written = 0;  // the catch-up's end
  }
  const auto written = [&] {
    std::size_t n = 0;
    for (const auto& client : clients) n += client->written;
    return n;
  };
  t.raise_full_batch();
  t.commit();
  BOOST_TEST(written() == 0u);
  for (const std::size_t expected : {1u, 2u, 3u}) {
    BOOST_TEST_REQUIRE(t.io.run_one() == 1u);
    BOOST_TEST(written() == expected);
  }
  BOOST_TEST(t.publisher.routine_waiting() == 0u);
}

// A critical change made while routine writes wait for their slices goes out
// first: every slice begins with the urgent flush (the relay's urgent changes
// not yet published), so a critical alert never waits behind a whole round.
BOOST_AUTO_TEST_CASE(urgent_changes_go_before_the_next_slice_of_routine_writes) {
  DeliveryLimits limits;
  limits.batching.routine_writes_per_slice = 4;
  Tester t(limits);
  // What happened, in order: a client woken, or the urgent flush's start and end.
  enum Event { Woken, FlushStart, FlushEnd };
  std::vector<Event> events;
  struct Logging : FeedRecorder {
    Logging(Publisher& p, std::vector<Event>& log) : FeedRecorder(p), events(log) {}
    void feed_ready() override {
      FeedRecorder::feed_ready();
      events.push_back(Woken);
    }
    std::vector<Event>& events;
  };
  std::vector<std::unique_ptr<Logging>> clients;
  for (int i = 0; i < 10; ++i) {
    clients.push_back(std::make_unique<Logging>(t.publisher, events));
    clients.back()->feed.subscribe({}, CatchUp::snapshot(t.publisher.committed_rev()));
    clients.back()->drain();
  }
  t.raise_full_batch();
  t.commit();
  // Published before their commit, as the relay does, by the urgent flush.
  std::vector<AlertChange> urgent;
  t.publisher.set_urgent_flush([&] {
    events.push_back(FlushStart);
    t.publisher.publish_before_commit(urgent);
    urgent.clear();
    events.push_back(FlushEnd);
  });
  events.clear();
  BOOST_TEST_REQUIRE(t.io.run_one() == 1u);  // the first slice: 4 routine writes
  BOOST_TEST(std::count(events.begin(), events.end(), Woken) == 4);
  t.raise_alert("motion/estop", Priority::Critical);
  urgent.push_back(t.unpublished.back());
  t.unpublished.pop_back();
  events.clear();
  BOOST_TEST_REQUIRE(t.io.run_one() == 1u);  // the next slice: the critical change, then 4 routine writes
  BOOST_TEST_REQUIRE(events.size() >= 2u);
  BOOST_TEST(events.front() == FlushStart);
  const auto flushed = std::find(events.begin(), events.end(), FlushEnd);
  BOOST_TEST_REQUIRE((flushed != events.end()));
  const auto woken_by_the_critical = std::count(events.begin(), flushed, Woken);
  const auto routine_after = std::count(flushed, events.end(), Woken);
  BOOST_TEST(woken_by_the_critical >= 10);  // every client
  BOOST_TEST(routine_after == 4);
  for (const auto& client : clients) {
    const auto out = client->drain();
    BOOST_TEST_REQUIRE(!out.empty());
    BOOST_TEST(to_string(out.front().cls) == "urgent");
  }
}

// A client that goes while its routine write waits for a slice is not written
// to (nor is its memory touched: ASan runs this too).
BOOST_AUTO_TEST_CASE(a_client_gone_while_its_routine_write_waits_is_skipped) {
  DeliveryLimits limits;
  limits.batching.routine_writes_per_slice = 1;
  Tester t(limits);
  auto stays = t.subscriber();
  auto goes = t.subscriber();
  auto stops = t.subscriber();
  for (auto* client : {stays.get(), goes.get(), stops.get()}) {
    client->drain();
    client->ready_calls = 0;
  }
  t.raise_full_batch();
  t.commit();
  BOOST_TEST(t.publisher.routine_waiting() == 3u);
  goes.reset();
  stops->feed.stop();
  BOOST_TEST(t.publisher.routine_waiting() == 1u);
  t.io.poll();  // the slices (the tick, while routine changes wait, is not due yet)
  BOOST_TEST(stays->ready_calls == 1u);
  BOOST_TEST(stops->ready_calls == 0u);
}

BOOST_AUTO_TEST_CASE(the_batch_size_follows_the_measured_rtt_within_bounds) {
  Tester t;
  auto client = t.subscriber();
  const BatchLimits& b = t.limits.batching;
  BOOST_TEST(client->feed.batch_size() == b.min_batch_size);
  client->feed.set_rtt(std::chrono::milliseconds(10));
  BOOST_TEST(client->feed.batch_size() == b.min_batch_size);
  client->feed.set_rtt(std::chrono::milliseconds(275));
  BOOST_TEST(client->feed.batch_size() == 55u);
  client->feed.set_rtt(std::chrono::seconds(2));
  BOOST_TEST(client->feed.batch_size() == b.max_batch_size);
  auto fixed = t.subscriber(SubscribeOptions{{}, 1000, std::nullopt, false, std::nullopt});
  fixed->feed.set_rtt(std::chrono::milliseconds(10));
  BOOST_TEST(fixed->feed.batch_size() == b.max_batch_size);  // the client's wish, within bounds
}

BOOST_AUTO_TEST_CASE(delta_subscribers_get_only_what_changed_and_whole_changes_where_a_delta_cannot_apply) {
  Tester t;
  auto plain = t.subscriber();
  SubscribeOptions delta_options;
  delta_options.delta = true;
  auto delta = t.subscriber(delta_options);
  plain->drain();
  delta->drain();
  plain->received.clear();
  delta->received.clear();
  t.raise_alert("routine", Priority::High);
  t.raise_alert("fire", Priority::Critical);
  t.commit();
  plain->drain();
  delta->drain();
  BOOST_TEST_REQUIRE(delta->received.size() == 2u);  // new alerts go whole
  for (const auto& m : delta->received) BOOST_TEST(!m.at("data").as_object().contains("delta"));
  std::map<std::string, std::string> ids;
  std::uint64_t routine_rev = 0;
  for (const auto& m : delta->received) {
    const std::string key(m.at("data").at("data").at("key").as_string());
    ids[key] = m.at("data").at("id").as_string();
    if (key == "routine") routine_rev = rev_of(m);
  }
  delta->received.clear();
  plain->received.clear();

  // An ack of each: the routine one in a batch, the critical one alone.
  t.store.acknowledge(ids.at("routine"), "oscar", 5000);
  t.store.acknowledge(ids.at("fire"), "oscar", 5001);
  t.commit();
  plain->drain();
  delta->drain();
  BOOST_TEST_REQUIRE(delta->received.size() == 2u);
  BOOST_TEST_REQUIRE(plain->received.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& d = delta->received[i].at("data").as_object();
    BOOST_TEST(d.at("delta").as_bool());
    BOOST_TEST(d.at("data").at("acknowledgedBy").as_string() == "oscar");
    BOOST_TEST(!d.at("data").as_object().contains("message"));
    BOOST_TEST(plain->received[i].at("data").at("data").at("message").as_string() == "Battery low");
    BOOST_TEST(!plain->received[i].at("data").as_object().contains("delta"));
  }
  const auto& routine_delta = delta->received[1].at("data").as_object();  // the critical one came first
  BOOST_TEST(routine_delta.at("baseRev").to_number<std::uint64_t>() == routine_rev);
  delta->received.clear();

  // Two updates of one alert queued for the client: the newer replaces the
  // older, which the client never gets, so a delta on it would be wrong.
  t.raise_alert("routine", Priority::High);
  t.commit();
  t.raise_alert("routine", Priority::High);
  t.commit();
  delta->drain();
  BOOST_TEST_REQUIRE(delta->received.size() == 1u);
  BOOST_TEST(!delta->received[0].at("data").as_object().contains("delta"));
  BOOST_TEST(delta->received[0].at("data").at("data").at("message").as_string() == "Battery low");
}

BOOST_AUTO_TEST_CASE(a_snapshot_taken_in_pages_loses_no_change_made_while_it_is_sent) {
  DeliveryLimits limits;
  limits.batching.catch_up_page = 100;
  Tester t(limits);
  for (int i = 0; i < 1000; ++i) t.raise_alert("k-" + std::to_string(i), Priority::Medium);
  t.commit();

  auto client = t.subscriber();
  std::map<std::string, std::uint64_t> seen;  // what the client holds: id -> rev
  std::size_t pages = 0;
  bool complete = false;
  int step = 0;
  while (!complete) {
    auto next = client->feed.next(ClientFeed::Clock::now() + std::chrono::hours(1));
    BOOST_REQUIRE(next.has_value());
    const json::object m = json::parse(*next->bytes).as_object();
    if (type_of(m) == "catch_up_complete") {
      complete = true;
    } else if (type_of(m) == "alert_batch") {
      ++pages;
      for (const auto& change : m.at("data").as_array()) {
        const std::string id(change.at("id").as_string());
        const auto rev = change.at("rev").to_number<std::uint64_t>();
        if (change.at("type") == "remove" || change.at("type") == "clear") {
          seen.erase(id);
        } else if (rev > seen[id]) {
          seen[id] = rev;
        }
      }
    }
    // Between pages the store moves on: re-raises, new alerts and removals.
    ++step;
    t.raise_alert("k-" + std::to_string(step * 7 % 1000), Priority::Medium);
    t.raise_alert("new-" + std::to_string(step), Priority::Medium);
    t.store.clear(ClearCriteria{{t.store.snapshot().front().id}, {}, {}, {}, {}, true}, 5000);
    t.commit();
  }
  client->drain();  // live from here: what changed after the last page
  for (const auto& m : client->received) {
    if (type_of(m) != "alert") continue;
    const std::string id(m.at("data").at("id").as_string());
    const std::string type(m.at("data").at("type").as_string());
    if (type == "remove" || type == "clear") {
      seen.erase(id);
    } else {
      seen[id] = std::max(seen[id], rev_of(m));
    }
  }
  BOOST_TEST(pages >= 10u);
  std::map<std::string, std::uint64_t> truth;
  for (const Alert& alert : t.store.snapshot()) truth[alert.id] = alert.rev;
  BOOST_TEST(seen.size() == truth.size());
  BOOST_TEST((seen == truth));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(read_budget)

// Catch-up pages are charged the entries they read; once the relay's budget
// is spent the feed writes nothing more until it refills, then resumes.
BOOST_AUTO_TEST_CASE(catch_up_pages_wait_for_the_relay_read_budget_and_resume_when_it_refills) {
  DeliveryLimits limits;
  limits.batching.catch_up_page = 100;
  limits.read_budget.entries_per_s = 2000;
  limits.read_budget.burst = 150;
  Tester t(limits);
  for (int i = 0; i < 300; ++i) t.raise_alert("k-" + std::to_string(i), Priority::Medium);
  t.commit();
  auto client = t.subscriber();
  const auto later = ClientFeed::Clock::now() + std::chrono::hours(1);
  BOOST_REQUIRE(client->feed.next(later).has_value());  // 101 of the 150
  BOOST_REQUIRE(client->feed.next(later).has_value());  // into debt
  BOOST_TEST(!client->feed.next(later).has_value());    // waits
  BOOST_TEST(t.publisher.metrics().read_budget_waits_catch_up == 1u);
  client->ready_calls = 0;
  // Wait for the wake-up before reading again: a read made after the budget
  // refilled but before the timer ran would succeed without it (a slow
  // build hit that), and the test would no longer say who woke the feed.
  for (int round = 0; round < 200 && client->ready_calls == 0; ++round) {
    t.io.run_for(std::chrono::milliseconds(10));  // the budget timer polls the feed
  }
  BOOST_REQUIRE(client->ready_calls >= 1u);  // woken by the publisher, not by a publication
  std::size_t pages = 2;
  bool complete = false;
  for (int round = 0; round < 200 && !complete; ++round) {
    while (auto next = client->feed.next(later)) {
      const auto type = type_of(json::parse(*next->bytes).as_object());
      if (type == "alert_batch") ++pages;
      if (type == "catch_up_complete") complete = true;
    }
    if (!complete) t.io.run_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(complete);
  BOOST_TEST(pages == 3u);
}

// Syncs past the budget wait in arrival order; past the queue's bound they are refused.
BOOST_AUTO_TEST_CASE(syncs_past_the_budget_wait_in_order_and_past_the_queue_are_refused) {
  DeliveryLimits limits;
  limits.read_budget.entries_per_s = 1000;
  limits.read_budget.burst = 10;
  limits.read_budget.max_waiting_syncs = 3;
  Tester t(limits);
  t.publisher.charge_read(40);  // in debt for ~30 ms
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) {
    const bool queued = t.publisher.when_read_budget_allows([&, i] {
      ran.push_back(i);
      t.publisher.charge_read(20);  // each read charges what it read
    });
    BOOST_TEST(queued == (i < 3));
  }
  BOOST_TEST(ran.empty());
  BOOST_TEST(t.publisher.metrics().read_budget_waits_sync == 3u);
  BOOST_TEST(t.publisher.metrics().read_budget_refused == 2u);
  for (int round = 0; round < 100 && ran.size() < 3; ++round) t.io.run_for(std::chrono::milliseconds(10));
  BOOST_TEST((ran == std::vector<int>{0, 1, 2}));
}

BOOST_AUTO_TEST_SUITE_END()
