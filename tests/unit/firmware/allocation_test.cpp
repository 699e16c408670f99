// Proves the emitter allocates nothing after init(): every operator new (and,
// outside sanitizer builds, every malloc) on this thread is counted while the
// emitter raises, frames, sends, loses its link and reconnects.

#include "loopback_relay.hpp"

#include <rover_alerts/emitter.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <new>

namespace {
thread_local bool t_counting = false;
std::atomic<std::uint64_t> g_allocations{0};
void count() {
  if (t_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// glibc's own allocator entry points, so C-level allocations are caught too.
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
#define ROVER_ALERTS_COUNTS_MALLOC 1
static void* raw_alloc(std::size_t n) { return __libc_malloc(n); }
#else
static void* raw_alloc(std::size_t n) { return std::malloc(n); }
#endif

void* operator new(std::size_t n) {
  count();
  if (void* p = raw_alloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  count();
  return raw_alloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
// GCC pairs these replacements with malloc/free by name and warns at -O2; the
// pairing is exactly what is intended here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop


using namespace rover_alerts;
using rover_alerts::testing::LoopbackRelay;

BOOST_AUTO_TEST_SUITE(allocation)

BOOST_AUTO_TEST_CASE(counter_sees_allocations) {
  // The instrument works: an allocation while counting is seen.
  t_counting = true;
  auto* p = new int(3);
  t_counting = false;
  delete p;
  BOOST_TEST(g_allocations.load() == 1u);
  g_allocations = 0;
#ifdef ROVER_ALERTS_COUNTS_MALLOC
  t_counting = true;
  void* m = std::malloc(16);
  t_counting = false;
  std::free(m);
  BOOST_TEST(g_allocations.load() == 1u);
  g_allocations = 0;
#endif
}

BOOST_AUTO_TEST_CASE(no_allocation_after_init_across_raises_drops_and_reconnects) {
  LoopbackRelay relay;
  EmitterConfig config;
  config.rover_id = "rover-alloc";
  config.relay_port = relay.port();
  config.queue_capacity = 256;
  config.reconnect_initial_ms = 2;
  config.reconnect_max_ms = 10;
  config.heartbeat_interval_ms = 20;
  Emitter emitter;
  BOOST_REQUIRE(emitter.init(config) == Status::Ok);

  const KeyValueView meta[] = {{"motor", "left-rear"}, {"temperatureC", "92"}};
  const KeyValueView param{"reason", "low_battery"};
  const ActionSpec action{"Return to Base", "navigation.return_to_base", &param, 1};
  AlertSpec spec;
  spec.key = "drive/overtemp";
  spec.source = "drive-system";
  spec.title = "Motor Over-Temperature";
  spec.message = "Left rear drive motor at 92 C (limit 85 C)";
  spec.metadata = meta;
  spec.metadata_count = 2;
  spec.action = &action;

  constexpr int kRaises = 20000;
  std::uint64_t taken = 0;
  t_counting = true;
  for (int i = 0; i < kRaises; ++i) {
    spec.priority = static_cast<Priority>(i % 5);
    taken += accepted(emitter.raise(spec)) ? 1 : 0;
    if (i % 64 == 0) emitter.poll(1);
    if (i == kRaises / 2) relay.drop();  // a link drop and reconnect mid-stream
  }
  // Drain without std::function or clocks that might allocate on their own.
  bool drained = false;
  for (int i = 0; i < 4000 && !drained; ++i) {
    emitter.poll(5);
    drained = emitter.drained();
  }
  t_counting = false;

  BOOST_TEST(drained);
  BOOST_TEST(g_allocations.load() == 0u);
  BOOST_TEST(relay.connections() >= 2u);
  BOOST_TEST(emitter.counters().accepted == taken);
}

BOOST_AUTO_TEST_SUITE_END()
