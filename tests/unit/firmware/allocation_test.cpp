// Proves the emitter allocates nothing after init(): every operator new (and,
// outside sanitizer builds, every malloc) on this thread is counted while the
// emitter raises, frames, sends, loses its link and reconnects.

#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>

#include <boost/test/unit_test.hpp>

#include <openssl/crypto.h>

#include <cstdio>

#include "support/allocation_counter.hpp"

using rover_alerts::testing::g_allocations;

namespace {

// libcrypto's own allocations, counted apart (and not in g_allocations): a
// sealed link's handshake makes a few; sealing and opening segments none.
std::atomic<std::uint64_t> g_crypto_allocations{0};

void* crypto_malloc(std::size_t n, const char*, int) {
  const bool counting = rover_alerts::testing::t_count_allocations;
  if (counting) g_crypto_allocations.fetch_add(1, std::memory_order_relaxed);
  rover_alerts::testing::t_count_allocations = false;
  void* p = std::malloc(n);
  rover_alerts::testing::t_count_allocations = counting;
  return p;
}
void* crypto_realloc(void* old, std::size_t n, const char*, int) {
  const bool counting = rover_alerts::testing::t_count_allocations;
  if (counting) g_crypto_allocations.fetch_add(1, std::memory_order_relaxed);
  rover_alerts::testing::t_count_allocations = false;
  void* p = std::realloc(old, n);
  rover_alerts::testing::t_count_allocations = counting;
  return p;
}
void crypto_free(void* p, const char*, int) { std::free(p); }
// Before libcrypto's first allocation, which is what makes the hooks stick.
const bool g_crypto_hooked = CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free) == 1;

}  // namespace


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
// Sealed (the link authenticated with a key), the same holds of the emitter;
// libcrypto allocates a few blocks per handshake (HMAC contexts) and nothing
// per segment.
struct AllocationRun {
  std::uint64_t allocations = 0;
  std::uint64_t crypto_allocations = 0;
  std::uint64_t connects = 0;
};

AllocationRun raise_drop_reconnect_replay(bool sealed) {
  LoopbackRelay relay;
  relay.agree_lz4(true);
  link::LinkKey key{};
  key.fill(0x5a);
  if (sealed) relay.use_key(key);
  EmitterConfig config;
  config.has_link_key = sealed;
  config.link_key = key;
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
  g_allocations = 0;
  g_crypto_allocations = 0;
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
  BOOST_TEST(relay.connections() >= 10u);
  BOOST_TEST(c.auth_failures == 0u);
  // Every connection authenticated (the last may still be in its handshake).
  BOOST_TEST(relay.proofs_accepted() <= (sealed ? c.connects : 0u));
  BOOST_TEST(relay.proofs_accepted() + 1 >= (sealed ? c.connects : 1u));
  BOOST_TEST(relay.proofs_refused() == 0u);
  BOOST_TEST(c.accepted == taken);
  BOOST_TEST(c.frames_replayed > 0u);
  BOOST_TEST(c.coalesced > 0u);
  BOOST_TEST(c.key_table_evictions > 0u);
  BOOST_TEST(c.lz4_batches > 0u);
  BOOST_TEST(relay.bad_frames() == 0u);
  BOOST_TEST_MESSAGE("raises=" << kRaises << " accepted=" << c.accepted << " frames=" << c.latest_seq
                               << " replayed=" << c.frames_replayed << " coalesced=" << c.coalesced
                               << " connects=" << c.connects << " lost_staging=" << c.lost_in_staging
                               << " lost_outbox=" << c.lost_in_outbox << " lz4_batches=" << c.lz4_batches
                               << " libcrypto_allocations=" << g_crypto_allocations.load());
  return {g_allocations.load(), g_crypto_allocations.load(), c.connects};
}

BOOST_AUTO_TEST_CASE(no_allocation_after_init_across_raises_drops_reconnects_and_replays) {
  const auto run = raise_drop_reconnect_replay(false);
  BOOST_TEST(run.allocations == 0u);
  BOOST_TEST(run.crypto_allocations == 0u);
}

// At most this many libcrypto blocks per handshake (measured: see firmware/DESIGN.md).
constexpr std::uint64_t kCryptoAllocationsPerHandshake = 4;

BOOST_AUTO_TEST_CASE(sealed_the_emitter_allocates_nothing_and_libcrypto_only_per_handshake) {
  BOOST_REQUIRE(g_crypto_hooked);
  const auto run = raise_drop_reconnect_replay(true);
  BOOST_TEST(run.allocations == 0u);
  BOOST_TEST(run.crypto_allocations > 0u);  // the instrument sees the handshakes
  BOOST_TEST(run.crypto_allocations <= run.connects * kCryptoAllocationsPerHandshake);
}

BOOST_AUTO_TEST_SUITE_END()
