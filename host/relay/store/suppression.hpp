#pragma once
// Suppression after ISA-18.2: an alert an operator shelved for a while, or
// one whose rover or source an admin took out of service. A suppressed
// alert is kept, updated, journaled and counted like any other; it is not
// announced (no sound, no banner, no escalation, no flood count), and every
// client sees who suppressed it, why and (for a shelf) until when.
//
// Shelving always expires: `until_ms` is always set, bounded by the relay's
// maximum. Out of service has no expiry, by design: it is the state of
// equipment, and it stays visible until an admin returns it to service.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

struct Shelf {
  std::string by;      // the user who shelved
  std::string reason;  // required by the protocol
  std::uint64_t at_ms = 0;
  std::uint64_t until_ms = 0;  // unix ms: the shelf ends then at the latest
  bool one_shot = false;       // also ends when the alert returns to normal
  bool by_key = false;         // re-raises of the alert's key stay shelved (a key shelf)

  bool operator==(const Shelf&) const = default;
};

enum class ServiceScope : std::uint8_t { Rover, Source };

std::string_view to_string(ServiceScope scope);
std::optional<ServiceScope> service_scope_from_string(std::string_view name);

struct OutOfService {
  ServiceScope scope = ServiceScope::Rover;
  std::string value;  // the rover id or the source name
  std::string by;
  std::string reason;
  std::uint64_t at_ms = 0;

  bool operator==(const OutOfService&) const = default;
};

// A shelf on a key, kept while no occurrence of it is held: the next one
// raised starts shelved.
struct KeyShelf {
  std::string rover;  // empty: ground alerts
  std::string key;
  Shelf shelf;

  bool operator==(const KeyShelf&) const = default;
};

// How many suppressions the store keeps (one more is refused, TOO_LARGE),
// and the relay's bounds on shelving.
struct SuppressionLimits {
  std::size_t max_key_shelves = 1000;
  std::size_t max_out_of_service = 256;
  std::uint64_t max_shelve_s = 8 * 3600;  // --shelve-max: the longest shelf, one-shot ones too
  // --shelve-presets: the durations consoles offer (any up to the maximum is accepted).
  std::vector<std::uint64_t> shelve_presets_s{15 * 60, 3600, 4 * 3600, 8 * 3600};
  std::uint64_t shelve_warning_s = 60;  // --shelve-warning: shelve_expiring goes out this long before the end
};

}  // namespace rover_alerts::relay
