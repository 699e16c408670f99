#include "loopback_relay.hpp"

#include <rover_alerts/clock.hpp>
#include <rover_alerts/emitter.hpp>
#include <rover_alerts/rover_alerts.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;
using rover_alerts::testing::ReceivedFrame;

namespace {

constexpr std::uint32_t kHour = 3600 * 1000;

AlertSpec alert(std::string_view key, Priority p = Priority::Medium, std::string_view message = "message") {
  AlertSpec a;
  a.key = key;
  a.priority = p;
  a.source = "test";
  a.message = message;
  return a;
}

EmitterConfig config_for(std::uint16_t port, std::size_t capacity = 64) {
  EmitterConfig c;
  c.rover_id = "rover-t";
  c.relay_port = port;
  c.queue_capacity = capacity;
  c.reconnect_initial_ms = 5;
  c.reconnect_max_ms = 20;
  c.heartbeat_interval_ms = 50;
  c.min_update_interval_ms = 0;
  c.staging_capacity = 128;  // tests raise bursts between polls
  return c;
}

// Polls the emitter until `done` holds (bounded, so a broken emitter fails the test).
bool poll_until(Emitter& e, const std::function<bool()>& done) {
  return LoopbackRelay::wait_for([&] {
    e.poll(5);
    return done();
  });
}

// A port nobody listens on: connects fail and back off.
std::uint16_t dead_port() {
  LoopbackRelay gone;
  return gone.port();
}

std::size_t count_key(const std::vector<ReceivedFrame>& frames, std::string_view key) {
  std::size_t n = 0;
  for (const auto& f : frames) n += f.key == key;
  return n;
}

struct EmitterFixture {
  LoopbackRelay relay;
  Emitter emitter;
  EmitterFixture() { BOOST_REQUIRE(emitter.init(config_for(relay.port())) == Status::Ok); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(emitter)

BOOST_AUTO_TEST_CASE(calls_before_init_are_refused) {
  Emitter e;
  BOOST_TEST((e.raise(alert("k")) == Status::NotInitialized));
  BOOST_TEST((e.clear("k") == Status::NotInitialized));
  BOOST_TEST((e.clear("k", "test", Priority::Low) == Status::NotInitialized));
  e.poll(0);  // harmless
}

BOOST_AUTO_TEST_CASE(init_rejects_bad_configuration) {
  auto bad_staging = config_for(9);
  bad_staging.staging_capacity = 12;
  BOOST_TEST((Emitter().init(bad_staging) == Status::InvalidArgument));
  auto no_producers = config_for(9);
  no_producers.max_producers = 0;
  BOOST_TEST((Emitter().init(no_producers) == Status::InvalidArgument));
  auto tiny_ring = config_for(9);
  tiny_ring.replay_ring_bytes = 1024;  // smaller than the largest frame
  BOOST_TEST((Emitter().init(tiny_ring) == Status::InvalidArgument));
  auto no_port = config_for(0);
  BOOST_TEST((Emitter().init(no_port) == Status::InvalidArgument));
  auto no_id = config_for(9);
  no_id.rover_id = "";
  BOOST_TEST((Emitter().init(no_id) == Status::InvalidArgument));
  auto backoff = config_for(9);
  backoff.reconnect_max_ms = 1;
  BOOST_TEST((Emitter().init(backoff) == Status::InvalidArgument));
  Emitter twice;
  BOOST_TEST((twice.init(config_for(9)) == Status::Ok));
  BOOST_TEST((twice.init(config_for(9)) == Status::InvalidArgument));
}

BOOST_AUTO_TEST_CASE(alerts_without_key_source_or_message_are_refused) {
  Emitter e;
  BOOST_REQUIRE(e.init(config_for(9)) == Status::Ok);
  BOOST_TEST((e.raise(alert("")) == Status::InvalidArgument));
  auto no_source = alert("k");
  no_source.source = "";
  BOOST_TEST((e.raise(no_source) == Status::InvalidArgument));
  BOOST_TEST((e.update(no_source) == Status::Ok));  // update: the source comes from the raise
  BOOST_TEST((e.raise(alert("k", Priority::Low, "")) == Status::InvalidArgument));
  BOOST_TEST((e.clear("") == Status::InvalidArgument));
  BOOST_TEST(e.counters().accepted == 1u);
}

// Without poll() nothing drains: each producer's staging ring of a priority
// fills, further raises of that priority are refused and counted, and other
// priorities are untouched -- an info flood cannot take a critical slot.
BOOST_AUTO_TEST_CASE(full_staging_ring_counts_each_loss_by_priority) {
  auto c = config_for(9);
  c.staging_capacity = 4;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  // The ring holds at least staging_capacity records (of up to
  // staging::kTypicalBytes); small ones pack, so it holds more of these.
  std::uint64_t taken = 0;
  while (taken < 100000 && e.raise(alert("info", Priority::Info)) == Status::Ok) ++taken;
  BOOST_TEST(taken >= 4u);
  BOOST_TEST(taken < 100000u);
  BOOST_TEST((e.raise(alert("info", Priority::Info)) == Status::QueueFull));
  BOOST_TEST((e.raise(alert("crit", Priority::Critical)) == Status::Ok));
  const auto k = e.counters();
  BOOST_TEST(k.accepted == taken + 1);
  BOOST_TEST(k.lost_by_priority[index_of(Priority::Info)] == 2u);
  BOOST_TEST(k.lost_by_priority[index_of(Priority::Critical)] == 0u);
  BOOST_TEST(k.lost_in_staging == 2u);
}

// The outbox's rule, end to end: with the link held back, a full outbox evicts
// the least urgent oldest alert; a newcomer less urgent than everything held
// is the one dropped; a critical alert is displaced only by a critical one.
// Once the link opens the survivors go out most urgent first, FIFO within.
BOOST_AUTO_TEST_CASE(full_outbox_evicts_lowest_priority_oldest_and_never_critical_for_less) {
  LoopbackRelay relay;
  relay.hold_hello_replies(true);  // the emitter connects but frames nothing
  Emitter e;
  BOOST_REQUIRE(e.init(config_for(relay.port(), 4)) == Status::Ok);
  auto raise_and_drain = [&](std::string_view key, Priority p) {
    BOOST_TEST(accepted(e.raise(alert(key, p))));
    e.poll(0);
  };
  raise_and_drain("low-a", Priority::Low);
  raise_and_drain("low-b", Priority::Low);
  raise_and_drain("low-c", Priority::Low);
  raise_and_drain("med-a", Priority::Medium);
  raise_and_drain("info-a", Priority::Info);  // less urgent than all held: dropped
  raise_and_drain("high-a", Priority::High);  // evicts low-a (oldest of the least urgent)
  raise_and_drain("crit-a", Priority::Critical);  // evicts low-b
  raise_and_drain("crit-b", Priority::Critical);  // evicts low-c
  raise_and_drain("crit-c", Priority::Critical);  // evicts med-a
  raise_and_drain("low-d", Priority::Low);        // dropped
  raise_and_drain("crit-d", Priority::Critical);  // evicts high-a
  raise_and_drain("crit-e", Priority::Critical);  // evicts crit-a: only critical displaces critical
  auto k = e.counters();
  BOOST_TEST(k.lost_by_priority[index_of(Priority::Info)] == 1u);
  BOOST_TEST(k.lost_by_priority[index_of(Priority::Low)] == 4u);
  BOOST_TEST(k.lost_by_priority[index_of(Priority::Medium)] == 1u);
  BOOST_TEST(k.lost_by_priority[index_of(Priority::High)] == 1u);
  BOOST_TEST(k.lost_by_priority[index_of(Priority::Critical)] == 1u);
  BOOST_TEST(k.lost_in_outbox == 8u);
  BOOST_TEST(k.latest_seq == 0u);

  relay.hold_hello_replies(false);
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  const auto got = relay.applied();
  BOOST_REQUIRE(got.size() == 4u);
  BOOST_TEST(got[0].key == "crit-b");
  BOOST_TEST(got[1].key == "crit-c");
  BOOST_TEST(got[2].key == "crit-d");
  BOOST_TEST(got[3].key == "crit-e");
  // ... and the relay is told about every loss.
  BOOST_TEST(poll_until(e, [&] {
    for (const auto& f : relay.of_type(link::Payload::Heartbeat))
      if (f.lost == std::vector<std::uint64_t>{1, 1, 1, 4, 1}) return true;
    return false;
  }));
}

BOOST_FIXTURE_TEST_CASE(alerts_reach_the_relay_in_order_and_are_acknowledged, EmitterFixture) {
  for (int i = 0; i < 50; ++i) BOOST_TEST((emitter.raise(alert("key-" + std::to_string(i))) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  const auto frames = relay.frames();
  BOOST_REQUIRE(!frames.empty());
  BOOST_TEST((frames.front().type == link::Payload::Hello));
  const auto alerts = relay.alerts();
  BOOST_REQUIRE(alerts.size() == 50u);
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    BOOST_TEST(alerts[i].seq == i + 1);
    BOOST_TEST(alerts[i].key == "key-" + std::to_string(i));
    BOOST_TEST(alerts[i].occurrences == 1u);
  }
  BOOST_TEST(emitter.counters().acked_seq == 50u);
  BOOST_TEST(relay.bad_frames() == 0u);
}

BOOST_FIXTURE_TEST_CASE(truncated_fields_are_counted_and_sent_cut, EmitterFixture) {
  const std::string long_message(limits::kMessageBytes + 10, 'm');
  BOOST_TEST((emitter.raise(alert("k", Priority::High, long_message)) == Status::Truncated));
  BOOST_TEST(emitter.counters().truncated_fields == 1u);
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  const auto alerts = relay.alerts();
  BOOST_REQUIRE(alerts.size() == 1u);
  BOOST_TEST(alerts[0].message == long_message.substr(0, limits::kMessageBytes));
  BOOST_TEST(poll_until(emitter, [&] {
    for (const auto& f : relay.of_type(link::Payload::Heartbeat))
      if (f.truncated_fields == 1u) return true;
    return false;
  }));
}

BOOST_FIXTURE_TEST_CASE(a_dropped_link_reconnects_with_a_new_hello, EmitterFixture) {
  BOOST_TEST((emitter.raise(alert("before")) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  relay.drop();
  BOOST_TEST(poll_until(emitter, [&] { return relay.connections() == 2u && emitter.link_up(); }));
  BOOST_TEST((emitter.raise(alert("after")) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  const auto hellos = relay.of_type(link::Payload::Hello);
  BOOST_REQUIRE(hellos.size() == 2u);
  BOOST_TEST(hellos[1].latest_seq == 1u);
  BOOST_TEST(hellos[1].oldest_held_seq == 0u);  // everything acked: nothing held
  const auto alerts = relay.alerts();
  BOOST_REQUIRE(alerts.size() == 2u);
  BOOST_TEST(alerts[1].key == "after");
  BOOST_TEST(alerts[1].seq == 2u);  // the sequence continues across connections of one boot
  BOOST_TEST(emitter.counters().connects >= 2u);
}

BOOST_AUTO_TEST_CASE(no_relay_means_held_not_lost) {
  Emitter e;
  BOOST_REQUIRE(e.init(config_for(dead_port(), 8)) == Status::Ok);
  BOOST_TEST((e.raise(alert("k", Priority::Critical)) == Status::Ok));
  for (int i = 0; i < 20; ++i) e.poll(2);
  const auto c = e.counters();
  BOOST_TEST(c.connects == 0u);
  BOOST_TEST(c.accepted == 1u);
  BOOST_TEST(c.latest_seq == 0u);  // never framed: still in the outbox
  BOOST_TEST(c.lost_by_priority[0] == 0u);
  BOOST_TEST(!e.drained());
}

// ---- lossless link ----------------------------------------------------------------

// The relay received frames but never made them durable (no acks), then the
// link dropped: hello says what the ring holds, the relay's reply says what it
// has, and the rover replays exactly the rest -- nothing lost, nothing twice.
BOOST_FIXTURE_TEST_CASE(unacknowledged_frames_are_replayed_after_a_drop, EmitterFixture) {
  for (int i = 0; i < 5; ++i) BOOST_TEST((emitter.raise(alert("acked-" + std::to_string(i))) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  relay.hold_acks(true);
  for (int i = 0; i < 20; ++i) BOOST_TEST((emitter.raise(alert("held-" + std::to_string(i))) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return relay.alerts().size() == 25u; }));
  BOOST_TEST(emitter.counters().acked_seq == 5u);
  relay.hold_acks(false);
  relay.drop();
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));

  const auto hellos = relay.of_type(link::Payload::Hello);
  BOOST_REQUIRE(hellos.size() == 2u);
  BOOST_TEST(hellos[1].oldest_held_seq == 6u);
  BOOST_TEST(hellos[1].latest_seq == 25u);
  const auto applied = relay.applied();
  BOOST_REQUIRE(applied.size() == 25u);
  for (std::size_t i = 0; i < applied.size(); ++i) BOOST_TEST(applied[i].seq == i + 1);
  BOOST_TEST(relay.alerts().size() == 45u);  // 20 sent twice: once unacked, once replayed
  const auto c = emitter.counters();
  BOOST_TEST(c.frames_replayed == 20u);
  BOOST_TEST(c.ring_gap_frames == 0u);
  BOOST_TEST(c.acked_seq == 25u);
}

// A relay that acknowledged frames and then lost them (restarted without its
// journal): the ring released them on the ack, so they cannot be replayed. The
// rover counts exactly that many as a gap and says so in heartbeats.
BOOST_FIXTURE_TEST_CASE(frames_the_ring_no_longer_holds_are_a_counted_gap, EmitterFixture) {
  for (int i = 0; i < 10; ++i) BOOST_TEST((emitter.raise(alert("a-" + std::to_string(i))) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  relay.forget();
  relay.drop();
  BOOST_TEST(poll_until(emitter, [&] { return relay.connections() == 2u && emitter.link_up(); }));
  BOOST_TEST(emitter.counters().ring_gap_frames == 10u);
  for (int i = 0; i < 3; ++i) BOOST_TEST((emitter.raise(alert("b-" + std::to_string(i))) == Status::Ok));
  BOOST_TEST(poll_until(emitter, [&] { return emitter.drained(); }));
  // Forgotten twice: the second gap is the 3 newer frames, not the 10 again.
  relay.forget();
  relay.drop();
  BOOST_TEST(poll_until(emitter, [&] { return relay.connections() == 3u && emitter.link_up(); }));
  BOOST_TEST(emitter.counters().ring_gap_frames == 13u);
  BOOST_TEST(poll_until(emitter, [&] {
    for (const auto& f : relay.of_type(link::Payload::Heartbeat))
      if (f.ring_gap_frames == 13u && f.latest_seq == 13u) return true;
    return false;
  }));
}

// The ring is full of unacknowledged frames: the emitter stops framing (no
// frame is dropped unacked); alerts wait in the outbox and go out once acks
// free room.
BOOST_AUTO_TEST_CASE(a_full_replay_ring_holds_back_instead_of_dropping) {
  LoopbackRelay relay;
  auto c = config_for(relay.port(), 256);
  c.replay_ring_bytes = kMaxAlertFrameBytes + link::kPrefixBytes;  // the minimum: a few small frames
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  BOOST_TEST(poll_until(e, [&] { return e.link_up(); }));
  relay.hold_acks(true);
  for (int i = 0; i < 100; ++i) BOOST_TEST(accepted(e.raise(alert("k-" + std::to_string(i)))));
  for (int i = 0; i < 50; ++i) e.poll(1);
  const auto held = e.counters().latest_seq;
  BOOST_TEST(held > 0u);
  BOOST_TEST(held < 100u);  // the ring filled; the rest waits in the outbox
  // Every framed alert reaches the relay, unapplied, before acks resume: one
  // still in the socket then would be applied on top of the unapplied ones,
  // and the relay's cumulative ack would skip them.
  BOOST_TEST(poll_until(e, [&] { return relay.alerts().size() == held; }));
  relay.hold_acks(false);
  relay.drop();  // the reconnect's hello reply acknowledges what arrived
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  const auto applied = relay.applied();
  BOOST_REQUIRE(applied.size() == 100u);
  for (std::size_t i = 0; i < applied.size(); ++i) BOOST_TEST(applied[i].key == "k-" + std::to_string(i));
  BOOST_TEST(e.counters().ring_gap_frames == 0u);
  BOOST_TEST(e.counters().lost_in_outbox == 0u);
}

// ---- chatter suppression ------------------------------------------------------------

// Re-raises of a key whose alert has not gone out yet fold into it.
// Timestamps are the wall clock at the call (not at the drain), with the
// default (tick) clock and the precise one.
BOOST_AUTO_TEST_CASE(raise_timestamps_are_the_wall_clock_within_its_resolution) {
  for (const bool precise : {false, true}) {
    LoopbackRelay relay;
    EmitterConfig c = config_for(relay.port());
    c.precise_timestamps = precise;
    Emitter e;
    BOOST_REQUIRE(e.init(c) == Status::Ok);
    const std::uint64_t resolution = e.timestamp_resolution_ms();
    BOOST_TEST(resolution >= 1u);
    if (precise) BOOST_TEST(resolution == 1u);
    // The tick clock lags the precise one by up to a tick (more if the tick
    // itself is late), so each is compared with its own reading before the call.
    const std::uint64_t before = clock_ms(precise ? CLOCK_REALTIME : CLOCK_REALTIME_COARSE);
    BOOST_TEST(accepted(e.raise(alert("clock/check"))));
    const std::uint64_t after = wall_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(3 * resolution));  // a drain-time stamp would show
    BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
    const auto got = relay.applied();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].raised_at_ms >= before, precise);
    BOOST_TEST(got[0].raised_at_ms <= after, precise);
    BOOST_TEST(got[0].last_seen_ms == got[0].raised_at_ms);
  }
}

BOOST_AUTO_TEST_CASE(re_raises_before_sending_fold_into_one_alert) {
  LoopbackRelay relay;
  relay.hold_hello_replies(true);
  Emitter e;
  BOOST_REQUIRE(e.init(config_for(relay.port())) == Status::Ok);
  for (int i = 0; i < 10; ++i) {
    const std::string message = "temp " + std::to_string(i);  // outlives the AlertSpec's view of it
    auto a = alert("drive/overtemp", i == 7 ? Priority::High : Priority::Low, message);
    BOOST_TEST(accepted(e.raise(a)));
    e.poll(0);
  }
  relay.hold_hello_replies(false);
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  const auto got = relay.applied();
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].occurrences == 10u);
  BOOST_TEST(got[0].message == "temp 9");  // newest state
  BOOST_TEST(got[0].priority == static_cast<std::uint8_t>(Priority::High));  // highest seen
  BOOST_TEST(got[0].kind == static_cast<std::uint8_t>(link::EventKind::Raise));
  BOOST_TEST(e.counters().coalesced == 9u);
}

// After an alert went out, re-raises wait for the key's minimum interval; a
// clear releases the held update first, then clears. No clock is assumed: the
// interval is an hour, and a sentinel alert proves the link is idle.
BOOST_AUTO_TEST_CASE(updates_wait_for_the_minimum_interval_and_a_clear_flushes_them) {
  LoopbackRelay relay;
  auto c = config_for(relay.port());
  c.min_update_interval_ms = kHour;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  BOOST_TEST((e.raise(alert("comms/degraded", Priority::Low)) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  for (int i = 0; i < 50; ++i) {
    BOOST_TEST(accepted(e.raise(alert("comms/degraded", Priority::Low, "again " + std::to_string(i)))));
    e.poll(0);
  }
  BOOST_TEST((e.raise(alert("sentinel", Priority::Low)) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return count_key(relay.applied(), "sentinel") == 1u; }));
  BOOST_TEST(count_key(relay.applied(), "comms/degraded") == 1u);  // held back
  BOOST_TEST(e.counters().coalesced == 50u);

  BOOST_TEST((e.clear("comms/degraded") == Status::Ok));  // no source, no priority needed
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  std::vector<ReceivedFrame> mine;
  for (const auto& f : relay.applied())
    if (f.key == "comms/degraded") mine.push_back(f);
  BOOST_REQUIRE(mine.size() == 3u);
  BOOST_TEST(mine[1].kind == static_cast<std::uint8_t>(link::EventKind::Raise));
  BOOST_TEST(mine[1].occurrences == 51u);
  BOOST_TEST(mine[1].message == "again 49");
  BOOST_TEST(mine[2].kind == static_cast<std::uint8_t>(link::EventKind::Clear));
  BOOST_TEST(mine[2].source == "test");  // from the raise
  BOOST_TEST(mine[2].priority == static_cast<std::uint8_t>(Priority::Low));
  // Raised again after the clear: a new occurrence, sent at once.
  BOOST_TEST((e.raise(alert("comms/degraded", Priority::Low)) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  BOOST_TEST(relay.applied().back().occurrences == 1u);
}

// A re-raise at a higher priority is news: it skips the interval.
BOOST_AUTO_TEST_CASE(escalation_skips_the_interval) {
  LoopbackRelay relay;
  auto c = config_for(relay.port());
  c.min_update_interval_ms = kHour;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  BOOST_TEST((e.raise(alert("power/battery", Priority::Low)) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  BOOST_TEST((e.raise(alert("power/battery", Priority::Low)) == Status::Ok));
  BOOST_TEST((e.raise(alert("power/battery", Priority::Critical, "now critical")) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  const auto got = relay.applied();
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[1].priority == static_cast<std::uint8_t>(Priority::Critical));
  BOOST_TEST(got[1].occurrences == 3u);
  BOOST_TEST(got[1].message == "now critical");
}

// A per-alert interval overrides the configured one; with a short interval the
// held update does go out by itself (no upper bound on when is asserted).
BOOST_AUTO_TEST_CASE(a_per_key_interval_lets_the_held_update_out) {
  LoopbackRelay relay;
  auto c = config_for(relay.port());
  c.min_update_interval_ms = kHour;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  auto a = alert("nav/slip", Priority::Medium);
  a.min_interval_ms = 20;
  BOOST_TEST((e.raise(a) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  BOOST_TEST((e.raise(a) == Status::Ok));
  BOOST_TEST((e.raise(a) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return relay.applied().size() == 2u && e.drained(); }));
  BOOST_TEST(relay.applied()[1].occurrences == 3u);
}

// A full key table forgets the least recently seen key, counted; that key's
// next raise goes out as a raise of its own (no alert is lost).
BOOST_AUTO_TEST_CASE(a_full_key_table_evicts_the_least_recent_key_and_counts_it) {
  LoopbackRelay relay;
  auto c = config_for(relay.port());
  c.key_capacity = 2;
  c.min_update_interval_ms = kHour;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  BOOST_TEST((e.raise(alert("a")) == Status::Ok));
  BOOST_TEST((e.raise(alert("b")) == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  BOOST_TEST((e.raise(alert("a", Priority::Medium, "a again")) == Status::Ok));  // held: interval
  BOOST_TEST((e.raise(alert("c")) == Status::Ok));  // evicts b (a was seen later)
  BOOST_TEST(poll_until(e, [&] { return count_key(relay.applied(), "c") == 1u; }));
  BOOST_TEST(count_key(relay.applied(), "a") == 1u);
  BOOST_TEST((e.raise(alert("b")) == Status::Ok));  // evicts a, whose held update goes out now
  BOOST_TEST(poll_until(e, [&] { return e.drained(); }));
  const auto k = e.counters();
  BOOST_TEST(k.key_table_evictions == 2u);
  BOOST_TEST(k.coalesced == 1u);  // only the second "a"
  BOOST_TEST(count_key(relay.applied(), "a") == 2u);
  BOOST_TEST(count_key(relay.applied(), "b") == 2u);  // its second raise is an alert of its own
  // Clearing an evicted key still reaches the relay, after its update, with
  // the rover as source.
  BOOST_TEST((e.clear("a") == Status::Ok));
  BOOST_TEST(poll_until(e, [&] { return count_key(relay.applied(), "a") == 3u; }));
  BOOST_TEST(relay.applied().back().kind == static_cast<std::uint8_t>(link::EventKind::Clear));
  BOOST_TEST(relay.applied().back().source == "rover-t");
}

// ---- operator acknowledgements ------------------------------------------------------

namespace {
thread_local bool t_inside_raise = false;  // this thread is inside raise()
struct AckProbe {
  std::atomic<int> calls{0};
  std::atomic<int> calls_during_raise{0};
  std::thread::id poll_thread;
  std::atomic<int> calls_off_poll_thread{0};
  std::string last_key, last_by;
};
void on_ack(void* context, const OperatorAckView& ack) {
  auto* probe = static_cast<AckProbe*>(context);
  probe->calls.fetch_add(1);
  if (t_inside_raise) probe->calls_during_raise.fetch_add(1);
  if (std::this_thread::get_id() != probe->poll_thread) probe->calls_off_poll_thread.fetch_add(1);
  probe->last_key = ack.key;
  probe->last_by = ack.acknowledged_by;
}
}  // namespace

// The callback runs from poll() on the polling thread, never inside raise(),
// even while another thread raises without pause.
BOOST_FIXTURE_TEST_CASE(operator_acks_are_delivered_from_poll_and_never_from_raise, EmitterFixture) {
  AckProbe probe;
  probe.poll_thread = std::this_thread::get_id();
  emitter.set_operator_ack_handler(on_ack, &probe);
  std::atomic<bool> stop{false};
  std::thread raiser([&] {
    while (!stop.load()) {
      t_inside_raise = true;
      emitter.raise(alert("busy", Priority::Info));
      t_inside_raise = false;
    }
  });
  BOOST_TEST(poll_until(emitter, [&] { return emitter.link_up(); }));
  for (int i = 0; i < 5; ++i) relay.send_operator_ack("power/battery", "rover-t-1-" + std::to_string(i), "ana", 1234);
  BOOST_TEST(poll_until(emitter, [&] { return probe.calls.load() == 5; }));
  stop = true;
  raiser.join();
  // Raises from the polling thread itself, interleaved with polls.
  relay.send_operator_ack("k", "id", "bo", 1);
  BOOST_TEST(poll_until(emitter, [&] {
    t_inside_raise = true;
    emitter.raise(alert("same-thread"));
    t_inside_raise = false;
    return probe.calls.load() == 6;
  }));
  BOOST_TEST(probe.calls_during_raise.load() == 0);
  BOOST_TEST(probe.calls_off_poll_thread.load() == 0);
  BOOST_TEST(probe.last_by == "bo");
  BOOST_TEST(emitter.counters().operator_acks == 6u);
}

namespace {
void on_c_ack(void* context, const rover_alerts_operator_ack* ack) {
  *static_cast<std::string*>(context) = std::string(ack->key) + "|" + ack->alert_id + "|" + ack->acknowledged_by;
}
}  // namespace

// The C API end to end: raise, clear by key alone, operator ack callback.
BOOST_AUTO_TEST_CASE(c_api_raises_clears_and_forwards_operator_acks) {
  LoopbackRelay relay;
  rover_alerts_config config;
  rover_alerts_config_init(&config);
  config.rover_id = "rover-c";
  config.relay_port = relay.port();
  rover_alerts_emitter* e = nullptr;
  BOOST_REQUIRE(rover_alerts_init(&e, &config) == ROVER_ALERTS_OK);
  std::string acked;
  rover_alerts_set_ack_handler(e, on_c_ack, &acked);
  rover_alerts_alert a;
  rover_alerts_alert_init(&a);
  a.key = "power/battery";
  a.priority = ROVER_ALERTS_HIGH;
  a.source = "power";
  a.message = "Battery at 18%";
  BOOST_TEST(rover_alerts_raise(e, &a) == ROVER_ALERTS_OK);
  BOOST_TEST(rover_alerts_clear(e, "power/battery") == ROVER_ALERTS_OK);
  relay.send_operator_ack("power/battery", "rover-c-1", "ana", 5);
  BOOST_TEST(LoopbackRelay::wait_for([&] {
    rover_alerts_poll(e, 5);
    return rover_alerts_drained(e) && !acked.empty();
  }));
  BOOST_TEST(acked == "power/battery|rover-c-1|ana");
  const auto got = relay.applied();
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[1].kind == static_cast<std::uint8_t>(link::EventKind::Clear));
  BOOST_TEST(got[1].priority == static_cast<std::uint8_t>(Priority::High));
  rover_alerts_destroy(e);
}

BOOST_AUTO_TEST_SUITE_END()
