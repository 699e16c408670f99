#pragma once
// Keeps the calling process (and the threads it starts later) on one CPU:
// for the bench's placement of the relay and its clients (--pin-cpus).

#include <sched.h>

namespace rover_alerts::testing {

// Whether this process may run on `cpu`.
inline bool may_run_on(int cpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  return cpu >= 0 && cpu < CPU_SETSIZE && ::sched_getaffinity(0, sizeof allowed, &allowed) == 0 &&
         CPU_ISSET(cpu, &allowed);
}

// False when `cpu` is not one this process may use.
inline bool run_only_on(int cpu) {
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(cpu, &only);
  return ::sched_setaffinity(0, sizeof only, &only) == 0;
}

}  // namespace rover_alerts::testing
