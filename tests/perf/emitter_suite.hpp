#pragma once
// The firmware emitter's benchmark suite (`alert-bench --suite emitter`).
// Not a test: it measures and reports, it asserts nothing.

#include <string>

namespace rover_alerts::bench {

// Runs the suite and returns one JSON object (text):
//   raise_ns_p50/_p99/_p999         the worse of one and two threads (accepted raises only)
//   raise_ns_p50_1t/_p99_1t/_p999_1t  one thread raising clusters of raise_cluster alerts
//   raise_ns_p50_2t/_p99_2t/_p999_2t  two threads raising at once, in clusters
//   raise_ns_*_isolated_1t/_2t      every raise alone, after other work
//   raise_ns_p50_one_core/_p99      one thread raising and polling on one core
//   timer_overhead_ns               cost of the clock read included in each sample
//   allocs_after_init               heap allocations by the emitter's threads after init
//   frame_encode_ns_p50             one AlertEvent frame into the encoder's arena
//   link_alerts_per_s               raise -> frames read from a loopback socket by a thread
//   link_thread_busy_rounds         the link thread's CPU time over each round's wall time
//                                   (below 1: it waited while the producer had alerts for it)
//   ram_bytes_default_config        Emitter::reserved_bytes(EmitterConfig{})
//   host_core_ghz, host_core_to_core_ns  what the host gave the suite
// Needs loopback TCP. Takes a few seconds.
std::string run_emitter_suite();

}  // namespace rover_alerts::bench

// Also visible unqualified, as the bench's main expects.
using rover_alerts::bench::run_emitter_suite;
