#include <rover_alerts/bounded_mpsc_queue.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

using rover_alerts::BoundedMpscQueue;

BOOST_AUTO_TEST_SUITE(bounded_mpsc_queue)

BOOST_AUTO_TEST_CASE(init_rejects_bad_capacities) {
  BoundedMpscQueue<int> q;
  BOOST_TEST(!q.init(0));
  BOOST_TEST(!q.init(1));
  BOOST_TEST(!q.init(6));
  BOOST_TEST(q.init(8));
  BOOST_TEST(!q.init(8));  // once only
  BOOST_TEST(q.capacity() == 8u);
}

BOOST_AUTO_TEST_CASE(fifo_against_std_deque_with_overflow) {
  BoundedMpscQueue<int> q;
  BOOST_REQUIRE(q.init(4));
  std::deque<int> oracle;
  int next = 0;
  // Interleave pushes and pops so the indices wrap many times.
  for (int round = 0; round < 100; ++round) {
    for (int k = 0; k < 3; ++k) {
      const bool pushed = q.try_push(next);
      BOOST_TEST(pushed == (oracle.size() < 4));
      if (pushed) oracle.push_back(next);
      ++next;
    }
    BOOST_TEST(q.size() == oracle.size());
    BOOST_TEST(q.available() == 4 - oracle.size());
    for (int k = 0; k < 2; ++k) {
      int out = -1;
      const bool popped = q.try_pop(out);
      BOOST_TEST(popped == !oracle.empty());
      if (popped) {
        BOOST_TEST(out == oracle.front());
        oracle.pop_front();
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(full_queue_refuses_without_touching_the_slot) {
  BoundedMpscQueue<int> q;
  BOOST_REQUIRE(q.init(2));
  BOOST_TEST(q.try_push(1));
  BOOST_TEST(q.try_push(2));
  BOOST_TEST(q.full());
  bool called = false;
  BOOST_TEST(!q.try_push_with([&](int&) { called = true; }));
  BOOST_TEST(!called);
  int out = 0;
  BOOST_TEST(q.try_pop(out));
  BOOST_TEST(out == 1);
}

BOOST_AUTO_TEST_CASE(empty_queue_pops_nothing) {
  BoundedMpscQueue<int> q;
  BOOST_REQUIRE(q.init(2));
  int out = 7;
  BOOST_TEST(!q.try_pop(out));
  BOOST_TEST(out == 7);
}

// Two producers race one consumer: every accepted item arrives exactly once and
// each producer's items arrive in its own order.
BOOST_AUTO_TEST_CASE(concurrent_producers_lose_nothing_they_were_promised) {
  BoundedMpscQueue<std::uint64_t> q;
  BOOST_REQUIRE(q.init(64));
  constexpr std::uint64_t kPerProducer = 200000;
  std::atomic<int> running{2};
  std::atomic<std::uint64_t> accepted[2] = {0, 0};
  auto produce = [&](std::uint64_t producer) {
    for (std::uint64_t i = 0; i < kPerProducer; ++i) {
      if (q.try_push((producer << 32) | i)) accepted[producer].fetch_add(1);
    }
    running.fetch_sub(1);
  };
  std::thread a(produce, 0), b(produce, 1);
  std::uint64_t received[2] = {0, 0};
  std::int64_t last[2] = {-1, -1};
  bool in_order = true;
  std::uint64_t item = 0;
  while (running.load() > 0 || !q.empty()) {
    while (q.try_pop(item)) {
      const auto producer = item >> 32;
      const auto seq = static_cast<std::int64_t>(item & 0xffffffffu);
      in_order = in_order && seq > last[producer];
      last[producer] = seq;
      ++received[producer];
    }
  }
  a.join();
  b.join();
  while (q.try_pop(item)) ++received[item >> 32];
  BOOST_TEST(in_order);
  BOOST_TEST(received[0] == accepted[0].load());
  BOOST_TEST(received[1] == accepted[1].load());
}

BOOST_AUTO_TEST_SUITE_END()
