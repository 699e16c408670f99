#pragma once
// Which CPUs this process may use, and keeping it (and the threads it starts
// later) on one: for the bench's placement of the relay and its clients (--cpus).

#include <sched.h>

#include <vector>

namespace rover_alerts::testing {

// The CPUs this process may run on, lowest first (empty if unknown).
inline std::vector<int> usable_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  return cpus;
}

// False when `cpu` is not one this process may use.
inline bool run_only_on(int cpu) {
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(cpu, &only);
  return ::sched_setaffinity(0, sizeof only, &only) == 0;
}

}  // namespace rover_alerts::testing
