#pragma once
// The relay's view of one alert occurrence and of one change to it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

// Ordered by urgency like link::Priority: a lower value is more urgent.
enum class Priority : std::uint8_t { Critical = 0, High = 1, Medium = 2, Low = 3, Info = 4 };
inline constexpr std::size_t kPriorityCount = 5;

std::string_view to_string(Priority p);
std::optional<Priority> priority_from_string(std::string_view name);

struct AlertAction {
  std::string label;
  std::string action_type;
  std::map<std::string, std::string> parameters;

  bool operator==(const AlertAction&) const = default;
};

// State after ISA-18.2, derived from `active` and `acknowledged` (and `persistent`).
enum class AlertState : std::uint8_t {
  ActiveUnacked,  // the condition holds, nobody acknowledged it
  ActiveAcked,    // the condition holds, acknowledged
  RtnUnacked,     // returned to normal, still owed an acknowledgement
  Latched,        // returned to normal and acknowledged, kept because `persistent`
};

std::string_view to_string(AlertState s);
AlertState alert_state(bool active, bool acknowledged);

struct Alert {
  std::string id;      // unique per occurrence: <rover>-<boot as 16 hex digits>-<seq>, or ground-<rev>
  std::string key;     // source + code: groups re-raises of one condition
  std::string rover;   // empty for ground-created alerts (alert_create)
  std::string source;
  Priority priority = Priority::Info;
  std::string title;
  std::string message;
  std::optional<AlertAction> action;
  std::map<std::string, std::string> metadata;
  std::string group_id;
  bool persistent = false;
  bool closable = true;
  std::uint64_t expires_at_ms = 0;  // unix ms; 0: never
  bool acknowledged = false;
  std::string acknowledged_by;
  std::uint64_t acknowledged_at_ms = 0;
  bool active = true;
  std::uint32_t occurrences = 1;
  std::uint64_t first_seen_ms = 0;
  std::uint64_t last_seen_ms = 0;
  std::uint64_t timestamp_ms = 0;  // time of the latest change (see AlertStore)
  std::uint64_t rev = 0;           // store revision of the latest change
  std::uint64_t created_rev = 0;   // store revision of the change that created this occurrence
  std::string created_by;          // ground-created alerts: the user who created it

  AlertState state() const;

  bool operator==(const Alert&) const = default;
};

enum class ChangeType : std::uint8_t { New, Update, Remove, Clear };

std::string_view to_string(ChangeType t);

// One change, as the store reports it to its observer. For Remove and Clear,
// `alert` is the last state of the alert before it left the store (with the
// removal's rev and timestamp).
struct AlertChange {
  ChangeType type = ChangeType::New;
  Alert alert;
  std::uint64_t rev = 0;
};

}  // namespace rover_alerts::relay
