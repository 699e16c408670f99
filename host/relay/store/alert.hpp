#pragma once
// The relay's view of one alert occurrence and of one change to it.

#include "store/suppression.hpp"

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
  std::string ack_comment;  // why, in the acknowledger's words (optional, bounded by the protocol)
  bool active = true;
  std::uint32_t occurrences = 1;
  std::uint64_t first_seen_ms = 0;
  std::uint64_t last_seen_ms = 0;
  std::uint64_t timestamp_ms = 0;  // time of the latest change (see AlertStore)
  std::uint64_t rev = 0;           // store revision of the latest change
  std::uint64_t created_rev = 0;   // store revision of the change that created this occurrence
  std::string created_by;          // ground-created alerts: the user who created it
  std::optional<Shelf> shelf;                   // shelved: not announced until it ends
  std::optional<OutOfService> out_of_service;  // its rover or source is out of service

  AlertState state() const;
  // Kept and counted, not announced (suppression.hpp).
  bool suppressed() const { return shelf.has_value() || out_of_service.has_value(); }

  bool operator==(const Alert&) const = default;
};

enum class ChangeType : std::uint8_t { New, Update, Remove, Clear };

std::string_view to_string(ChangeType t);

// The fields of an alert that an update can change (the rest - id, key,
// rover, source, createdBy - never change for one occurrence). Delta updates
// carry only the changed ones.
enum AlertField : std::uint32_t {
  kFieldPriority = 1u << 0,
  kFieldTitle = 1u << 1,
  kFieldMessage = 1u << 2,
  kFieldState = 1u << 3,
  kFieldActive = 1u << 4,
  kFieldAcknowledged = 1u << 5,
  kFieldPersistent = 1u << 6,
  kFieldClosable = 1u << 7,
  kFieldOccurrences = 1u << 8,
  kFieldFirstSeen = 1u << 9,
  kFieldLastSeen = 1u << 10,
  kFieldAction = 1u << 11,
  kFieldMetadata = 1u << 12,
  kFieldGroupId = 1u << 13,
  kFieldExpiresAt = 1u << 14,
  kFieldAcknowledgedBy = 1u << 15,
  kFieldAcknowledgedAt = 1u << 16,
  kFieldAckComment = 1u << 17,
  kFieldShelf = 1u << 18,
  kFieldOutOfService = 1u << 19,
};
inline constexpr std::uint32_t kAllFields = (1u << 20) - 1;

// The fields that differ between two states of one alert.
std::uint32_t changed_fields(const Alert& before, const Alert& after);

// One change, as the store reports it to its observer. For Remove and Clear,
// `alert` is the last state of the alert before it left the store (with the
// removal's rev and timestamp).
struct AlertChange {
  ChangeType type = ChangeType::New;
  Alert alert;
  std::uint64_t rev = 0;
  // An Update: the alert's rev before it (0: unknown) and the fields it
  // changed since then (kAllFields: unknown).
  std::uint64_t base_rev = 0;
  std::uint32_t changed = kAllFields;
};

}  // namespace rover_alerts::relay
