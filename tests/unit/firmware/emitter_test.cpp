#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;

namespace {

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
  return c;
}

// Polls the emitter until `done` holds (bounded, so a broken emitter fails the test).
bool poll_until(Emitter& e, const std::function<bool()>& done) {
  return LoopbackRelay::wait_for([&] {
    e.poll(5);
    return done();
  });
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
  BOOST_TEST((e.clear("k", "test", Priority::Low) == Status::NotInitialized));
  e.poll(0);  // harmless
}

BOOST_AUTO_TEST_CASE(init_rejects_bad_configuration) {
  auto bad_capacity = config_for(9, 100);
  BOOST_TEST((Emitter().init(bad_capacity) == Status::InvalidArgument));
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
  BOOST_TEST((e.raise(alert("k", Priority::Low, "")) == Status::InvalidArgument));
  BOOST_TEST(e.counters().accepted == 0u);
}

BOOST_AUTO_TEST_CASE(full_queue_counts_each_loss_by_priority) {
  Emitter e;
  BOOST_REQUIRE(e.init(config_for(9, 4)) == Status::Ok);  // never polled: nothing drains
  for (int i = 0; i < 4; ++i) BOOST_TEST((e.raise(alert("k", Priority::Low)) == Status::Ok));
  BOOST_TEST((e.raise(alert("k", Priority::Critical)) == Status::QueueFull));
  BOOST_TEST((e.raise(alert("k", Priority::Info)) == Status::QueueFull));
  BOOST_TEST((e.raise(alert("k", Priority::Info)) == Status::QueueFull));
  const auto c = e.counters();
  BOOST_TEST(c.accepted == 4u);
  BOOST_TEST(c.lost_by_priority[index_of(Priority::Critical)] == 1u);
  BOOST_TEST(c.lost_by_priority[index_of(Priority::Info)] == 2u);
  BOOST_TEST(c.lost_by_priority[index_of(Priority::Low)] == 0u);
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
}

BOOST_FIXTURE_TEST_CASE(heartbeats_report_losses_to_the_relay, EmitterFixture) {
  Emitter small;
  BOOST_REQUIRE(small.init(config_for(relay.port(), 2)) == Status::Ok);
  for (int i = 0; i < 5; ++i) small.raise(alert("k", Priority::High));  // 3 lost
  BOOST_TEST(poll_until(small, [&] {
    for (const auto& f : relay.frames())
      if (f.type == link::Payload::Heartbeat && f.lost.size() == kPriorityCount &&
          f.lost[index_of(Priority::High)] == 3u)
        return true;
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
  std::size_t hellos = 0;
  for (const auto& f : relay.frames()) hellos += f.type == link::Payload::Hello;
  BOOST_TEST(hellos == 2u);
  const auto alerts = relay.alerts();
  BOOST_REQUIRE(alerts.size() == 2u);
  BOOST_TEST(alerts[1].key == "after");
  BOOST_TEST(alerts[1].seq == 2u);  // the sequence continues across connections of one boot
  BOOST_TEST(emitter.counters().connects >= 2u);
}

BOOST_AUTO_TEST_CASE(no_relay_means_queued_not_lost) {
  // A port nobody listens on: connects fail and back off; raises stay queued.
  std::uint16_t dead_port = 0;
  {
    LoopbackRelay gone;
    dead_port = gone.port();
  }
  Emitter e;
  BOOST_REQUIRE(e.init(config_for(dead_port, 8)) == Status::Ok);
  BOOST_TEST((e.raise(alert("k", Priority::Critical)) == Status::Ok));
  for (int i = 0; i < 20; ++i) e.poll(2);
  const auto c = e.counters();
  BOOST_TEST(c.connects == 0u);
  BOOST_TEST(c.accepted == 1u);
  BOOST_TEST(c.latest_seq == 0u);  // never framed: still in the queue
  BOOST_TEST(!e.drained());
}

BOOST_AUTO_TEST_SUITE_END()
