// Proves the emitter allocates nothing after init(): every operator new (and,
// outside sanitizer builds, every malloc) on this thread is counted while the
// emitter raises, frames, sends, loses its link and reconnects.

#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdio>

#include "support/allocation_counter.hpp"

using rover_alerts::testing::g_allocations;


using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;

BOOST_AUTO_TEST_SUITE(allocation)

BOOST_AUTO_TEST_CASE(counter_sees_allocations) {
  // The instrument works: an allocation while counting is seen.
  rover_alerts::testing::t_count_allocations = true;
  auto* p = new int(3);
  rover_alerts::testing::t_count_allocations = false;
  delete p;
  BOOST_TEST(g_allocations.load() == 1u);
  g_allocations = 0;
#ifdef ROVER_ALERTS_COUNTS_MALLOC
  rover_alerts::testing::t_count_allocations = true;
  void* m = std::malloc(16);
  rover_alerts::testing::t_count_allocations = false;
  std::free(m);
  BOOST_TEST(g_allocations.load() == 1u);
  g_allocations = 0;
#endif
}

// A million raises (ROVER_ALERTS_ALLOC_TEST_RAISES; the cross builds run a
// tenth of that under qemu) over a link that drops every so often while the
// relay holds its acks, so reconnects replay frames; keys repeat (coalescing,
// deferred updates) and outnumber the key table (evictions); clears without
// a priority; the outbox overflows (evictions); the relay agrees to lz4, so
// runs of frames go as compressed batches. Not one allocation after init.
BOOST_AUTO_TEST_CASE(no_allocation_after_init_across_raises_drops_reconnects_and_replays) {
  LoopbackRelay relay;
  relay.agree_lz4(true);
  EmitterConfig config;
  config.rover_id = "rover-alloc";
  config.relay_port = relay.port();
  config.queue_capacity = 256;
  config.key_capacity = 48;
  config.min_update_interval_ms = 5;
  config.reconnect_initial_ms = 1;
  config.reconnect_max_ms = 4;
  config.heartbeat_interval_ms = 5;
  Emitter emitter;
  BOOST_REQUIRE(emitter.init(config) == Status::Ok);

  const KeyValueView meta[] = {{"motor", "left-rear"}, {"temperatureC", "92"}};
  const KeyValueView param{"reason", "low_battery"};
  const ActionSpec action{"Return to Base", "navigation.return_to_base", &param, 1};
  AlertSpec spec;
  spec.source = "drive-system";
  spec.title = "Motor Over-Temperature";
  spec.message = "Left rear drive motor at 92 C (limit 85 C) -- a message long enough to matter";
  spec.metadata = meta;
  spec.metadata_count = 2;
  spec.action = &action;
  // Keys prepared before counting (std::string would allocate).
  static char keys[200][16];
  for (int k = 0; k < 200; ++k) std::snprintf(keys[k], sizeof keys[k], "key-%d", k);

  constexpr long kRaises = ROVER_ALERTS_ALLOC_TEST_RAISES;
  constexpr long kDropEvery = kRaises / 20;
  std::uint64_t taken = 0;
  rover_alerts::testing::t_count_allocations = true;
  for (long i = 0; i < kRaises; ++i) {
    spec.key = keys[i % 8 == 0 ? i % 200 : i % 40];  // mostly repeats, some beyond the key table
    spec.priority = static_cast<Priority>(i % 5);
    taken += accepted(emitter.raise(spec)) ? 1 : 0;
    if (i % 97 == 0) taken += accepted(emitter.clear(keys[(i / 97) % 200])) ? 1 : 0;
    if (i % 32 == 0) emitter.poll(0);
    if (i % kDropEvery == kDropEvery / 2) {
      relay.hold_acks(true);  // frames in flight stay unacked: the reconnect replays them
      relay.drop();
    }
    if (i % kDropEvery == kDropEvery - 1) relay.hold_acks(false);
  }
  relay.hold_acks(false);
  relay.drop();  // the reconnect's hello reply acknowledges whatever arrived while acks were held
  bool drained = false;
  for (int i = 0; i < 4000 && !drained; ++i) {
    emitter.poll(5);
    drained = emitter.drained();
  }
  rover_alerts::testing::t_count_allocations = false;

  const auto c = emitter.counters();
  BOOST_TEST(drained);
  BOOST_TEST(g_allocations.load() == 0u);
  BOOST_TEST(relay.connections() >= 10u);
  BOOST_TEST(c.accepted == taken);
  BOOST_TEST(c.frames_replayed > 0u);
  BOOST_TEST(c.coalesced > 0u);
  BOOST_TEST(c.key_table_evictions > 0u);
  BOOST_TEST(c.lz4_batches > 0u);
  BOOST_TEST(relay.bad_frames() == 0u);
  BOOST_TEST_MESSAGE("raises=" << kRaises << " accepted=" << c.accepted << " frames=" << c.latest_seq
                               << " replayed=" << c.frames_replayed << " coalesced=" << c.coalesced
                               << " connects=" << c.connects << " lost_staging=" << c.lost_in_staging
                               << " lost_outbox=" << c.lost_in_outbox << " lz4_batches=" << c.lz4_batches);
}

BOOST_AUTO_TEST_SUITE_END()
