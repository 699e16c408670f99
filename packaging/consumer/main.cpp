// A minimal control loop on the packaged emitter: init, raise, poll once.
// Run with no relay listening: the alert is held, not lost.
#include <rover_alerts/emitter.hpp>

#include <cstdio>

int main() {
  rover_alerts::EmitterConfig config;
  config.rover_id = "rover-consumer";
  config.relay_port = 1;  // nothing listens: the alert waits in the outbox
  rover_alerts::Emitter emitter;
  if (emitter.init(config) != rover_alerts::Status::Ok) return 1;
  rover_alerts::AlertSpec alert;
  alert.key = "power/battery-low";
  alert.source = "power-management";
  alert.message = "Battery at 18%";
  alert.priority = rover_alerts::Priority::High;
  if (emitter.raise(alert) != rover_alerts::Status::Ok) return 1;
  emitter.poll(10);
  std::printf("control-loop: accepted=%llu\n", static_cast<unsigned long long>(emitter.counters().accepted));
  return emitter.counters().accepted == 1 ? 0 : 1;
}
