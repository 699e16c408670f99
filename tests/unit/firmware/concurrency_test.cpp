// Concurrency of the raise path: built also with ThreadSanitizer (the tsan
// preset runs the tests labelled "concurrency").

#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>
#include <rover_alerts/spsc_ring.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;

BOOST_AUTO_TEST_SUITE(concurrency)

// One producer, one consumer: every accepted item arrives once, in order.
BOOST_AUTO_TEST_CASE(spsc_ring_delivers_every_accepted_item_in_order) {
  SpscRing<std::uint64_t> ring;
  BOOST_REQUIRE(ring.init(64));
  constexpr std::uint64_t kItems = 200000;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> accepted{0};
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kItems; ++i)
      if (ring.try_push_with([&](std::uint64_t& slot) { slot = i; })) accepted.fetch_add(1);
    done = true;
  });
  std::uint64_t received = 0;
  std::int64_t last = -1;
  bool in_order = true;
  for (;;) {
    const bool finished = done.load();
    while (auto* item = ring.front()) {
      in_order = in_order && static_cast<std::int64_t>(*item) > last;
      last = static_cast<std::int64_t>(*item);
      ring.pop();
      ++received;
    }
    if (finished) break;
  }
  producer.join();
  BOOST_TEST(in_order);
  BOOST_TEST(received == accepted.load());
  BOOST_TEST(ring.empty());
}

// Slots are claimed once per thread; a thread beyond max_producers is refused
// and its alert counted as lost.
BOOST_AUTO_TEST_CASE(producer_slots_are_claimed_once_per_thread_and_bounded) {
  EmitterConfig c;
  c.relay_port = 9;
  c.max_producers = 2;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  AlertSpec a;
  a.key = "k";
  a.source = "s";
  a.message = "m";
  a.priority = Priority::High;
  std::vector<Status> first(3), second(3);
  for (int t = 0; t < 3; ++t) {
    std::thread th([&, t] {
      first[t] = e.raise(a);
      second[t] = e.raise(a);
    });
    th.join();
  }
  BOOST_TEST((first[0] == Status::Ok && second[0] == Status::Ok));
  BOOST_TEST((first[1] == Status::Ok && second[1] == Status::Ok));
  BOOST_TEST((first[2] == Status::TooManyProducers && second[2] == Status::TooManyProducers));
  BOOST_TEST(e.counters().accepted == 4u);
  BOOST_TEST(e.counters().lost_by_priority[index_of(Priority::High)] == 2u);
}

// Two producer threads raise at once while the link thread drains to a real
// socket: each producer's alerts arrive in its call order, and every accepted
// alert either arrives exactly once or is counted as lost.
BOOST_AUTO_TEST_CASE(two_producers_and_the_link_thread_lose_nothing_silently) {
  LoopbackRelay relay;
  EmitterConfig c;
  c.rover_id = "rover-mt";
  c.relay_port = relay.port();
  c.queue_capacity = 128;
  c.key_capacity = 64;
  c.staging_capacity = 32;
  c.reconnect_initial_ms = 2;
  c.reconnect_max_ms = 10;
  c.heartbeat_interval_ms = 20;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);

  constexpr int kPerProducer = 20000;
  std::atomic<int> running{2};
  std::atomic<bool> stop_link{false};
  std::atomic<bool> drained_seen{false};  // drained() belongs to the link thread
  std::thread link([&] {
    while (!stop_link.load()) {
      e.poll(1);
      if (running.load() == 0 && e.drained()) drained_seen = true;
    }
  });
  auto produce = [&](int producer) {
    AlertSpec a;
    a.source = "mt";
    a.message = "m";
    a.priority = Priority::Medium;
    std::string key;
    for (int i = 0; i < kPerProducer; ++i) {
      key = "p" + std::to_string(producer) + "-" + std::to_string(i);  // unique: no coalescing
      a.key = key;
      e.raise(a);
      if (i == kPerProducer / 2 && producer == 0) relay.drop();
    }
    running.fetch_sub(1);
  };
  std::thread p0(produce, 0), p1(produce, 1);
  p0.join();
  p1.join();
  const bool drained = LoopbackRelay::wait_for([&] { return drained_seen.load(); }, 20000);
  stop_link = true;
  link.join();
  BOOST_TEST(drained);

  const auto k = e.counters();
  const auto applied = relay.applied();
  BOOST_TEST(applied.size() == k.accepted - k.lost_in_outbox);
  BOOST_TEST(k.accepted + k.lost_in_staging == 2u * kPerProducer);
  long last[2] = {-1, -1};
  bool in_order = true;
  for (std::size_t i = 0; i < applied.size(); ++i) {
    const auto& key = applied[i].key;
    const int producer = key[1] - '0';
    const long n = std::stol(key.substr(3));
    if (in_order && (n <= last[producer] || applied[i].seq != i + 1))
      BOOST_TEST_MESSAGE("out of order at " << i << ": " << key << " seq " << applied[i].seq << " after "
                                            << last[producer]);
    in_order = in_order && n > last[producer];
    last[producer] = n;
    in_order = in_order && applied[i].seq == i + 1;
  }
  BOOST_TEST(in_order);
  BOOST_TEST(relay.connections() >= 2u);
}

BOOST_AUTO_TEST_SUITE_END()
