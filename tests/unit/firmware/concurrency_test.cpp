// Concurrency of the raise path: built also with ThreadSanitizer (the tsan
// preset runs the tests labelled "concurrency").

#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>
#include <rover_alerts/staging_ring.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;

BOOST_AUTO_TEST_SUITE(concurrency)

// One producer, one consumer, records of every size from 8 bytes to the
// bound (so the ring wraps at every offset): every record arrives once, in
// order, with its bytes intact.
BOOST_AUTO_TEST_CASE(staging_ring_delivers_every_accepted_record_in_order) {
  constexpr std::size_t kMaxRecord = 600;
  StagingRing ring;
  BOOST_REQUIRE(ring.init(StagingRing::bytes_for(8, 64, kMaxRecord), kMaxRecord));
  constexpr std::uint64_t kRecords = 100000;
  const auto size_of = [](std::uint64_t i) { return static_cast<std::size_t>(8 + (i * 37) % (kMaxRecord - 7)); };
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> refused{0};
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kRecords; ++i) {
      const auto write = [&](std::uint8_t* at) {
        const std::size_t n = size_of(i);
        std::memcpy(at, &i, sizeof i);
        for (std::size_t b = sizeof i; b < n; ++b) at[b] = static_cast<std::uint8_t>(i + b);
        return n;
      };
      while (!ring.try_push_with(write)) {  // full: wait for the consumer, as a retrying producer would
        refused.fetch_add(1);
        std::this_thread::yield();
      }
    }
    done = true;
  });
  std::uint64_t received = 0;
  std::int64_t last = -1;
  bool in_order = true, intact = true;
  for (;;) {
    const bool finished = done.load();
    while (const std::uint8_t* r = ring.front()) {
      std::uint64_t i = 0;
      std::memcpy(&i, r, sizeof i);
      in_order = in_order && static_cast<std::int64_t>(i) > last;
      intact = intact && ring.front_size() == size_of(i);
      for (std::size_t b = sizeof i; intact && b < ring.front_size(); ++b)
        intact = r[b] == static_cast<std::uint8_t>(i + b);
      last = static_cast<std::int64_t>(i);
      ring.pop();
      ++received;
    }
    if (finished) break;
  }
  producer.join();
  BOOST_TEST(in_order);
  BOOST_TEST(intact);
  BOOST_TEST(received == kRecords);
  BOOST_TEST(ring.empty());
  BOOST_TEST_MESSAGE("pushes refused while full: " << refused.load());
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

// A thread's slot is released when the thread ends, and handed to another
// thread only after the link thread has drained what the first one left.
BOOST_AUTO_TEST_CASE(a_slot_is_reused_only_after_its_thread_ended_and_its_rings_were_drained) {
  LoopbackRelay relay;
  EmitterConfig c;
  c.rover_id = "rover-slots";
  c.relay_port = relay.port();
  c.max_producers = 1;
  c.reconnect_initial_ms = 2;
  c.reconnect_max_ms = 10;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);
  auto raise_on_new_thread = [&](std::string prefix, int count) {
    std::vector<Status> results;
    std::thread t([&] {
      for (int i = 0; i < count; ++i) {
        AlertSpec a;
        const std::string key = prefix + std::to_string(i);
        a.key = key;
        a.source = "slots";
        a.message = "m";
        results.push_back(e.raise(a));
      }
    });
    t.join();
    return results;
  };
  const auto first = raise_on_new_thread("a-", 3);
  BOOST_TEST((first == std::vector<Status>(3, Status::Ok)));
  // The first thread has ended, but its records are still in the slot's rings.
  const auto refused = raise_on_new_thread("b-", 1);
  BOOST_TEST((refused.at(0) == Status::TooManyProducers));
  e.poll(0);  // drains the slot: now it is free
  const auto reused = raise_on_new_thread("c-", 2);
  BOOST_TEST((reused == std::vector<Status>(2, Status::Ok)));
  BOOST_TEST(LoopbackRelay::wait_for([&] {
    e.poll(2);
    return e.drained();
  }));
  const auto applied = relay.applied();
  std::vector<std::string> keys;
  for (const auto& f : applied) keys.push_back(f.key);
  BOOST_TEST((keys == std::vector<std::string>{"a-0", "a-1", "a-2", "c-0", "c-1"}));
  const auto k = e.counters();
  BOOST_TEST(k.accepted == 5u);  // counters carry on across owners of the slot
  BOOST_TEST(k.lost_in_staging == 1u);
}

// Many more short-lived threads than slots, two at a time, while the link
// thread polls: each gets a slot once an ended thread's slot is drained, and
// every alert arrives once, in each thread's order. A raise refused for want
// of a slot (or a full ring) is retried, and counted as a loss each time.
BOOST_AUTO_TEST_CASE(short_lived_threads_beyond_max_producers_all_get_slots) {
  LoopbackRelay relay;
  EmitterConfig c;
  c.rover_id = "rover-churn";
  c.relay_port = relay.port();
  c.max_producers = 2;
  c.staging_capacity = 32;
  c.queue_capacity = 1024;
  c.key_capacity = 64;
  c.reconnect_initial_ms = 2;
  c.reconnect_max_ms = 10;
  Emitter e;
  BOOST_REQUIRE(e.init(c) == Status::Ok);

  constexpr int kThreads = 24;
  constexpr int kPerThread = 50;
  std::atomic<bool> stop_link{false};
  std::thread link([&] {
    while (!stop_link.load()) e.poll(1);
  });
  std::atomic<std::uint64_t> refusals{0};
  std::atomic<int> gave_up{0};
  auto produce = [&](int thread) {
    AlertSpec a;
    a.source = "churn";
    a.message = "m";
    std::string key;
    for (int i = 0; i < kPerThread; ++i) {
      key = "t" + std::to_string(thread) + "-" + std::to_string(i);
      a.key = key;
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      Status s;
      while (!accepted(s = e.raise(a))) {
        refusals.fetch_add(1);
        if (std::chrono::steady_clock::now() > until) {
          gave_up.fetch_add(1);
          return;
        }
        std::this_thread::yield();
      }
    }
  };
  for (int t = 0; t < kThreads; t += 2) {
    std::thread a(produce, t), b(produce, t + 1);
    a.join();
    b.join();
  }
  const bool drained = LoopbackRelay::wait_for([&] { return e.counters().acked_seq == kThreads * kPerThread; }, 20000);
  stop_link = true;
  link.join();
  BOOST_TEST(gave_up.load() == 0);
  BOOST_TEST(drained);
  const auto k = e.counters();
  BOOST_TEST(k.accepted == static_cast<std::uint64_t>(kThreads * kPerThread));
  BOOST_TEST(k.lost_in_staging + k.lost_in_outbox == refusals.load());
  const auto applied = relay.applied();
  BOOST_TEST(applied.size() == static_cast<std::size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  bool in_order = true;
  for (const auto& f : applied) {
    const auto dash = f.key.find('-');
    const int thread = std::stoi(f.key.substr(1, dash - 1));
    const int n = std::stoi(f.key.substr(dash + 1));
    in_order = in_order && n == next[static_cast<std::size_t>(thread)];
    next[static_cast<std::size_t>(thread)] = n + 1;
  }
  BOOST_TEST(in_order);
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
