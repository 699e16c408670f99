#pragma once
// One alert as the store keeps it in memory. `Alert` is the exchange type
// (every string its own std::string, an optional action, a map: ~500 bytes
// before any text); a store of a million alerts keeps this instead:
// fixed-size fields, 4-byte ids of interned strings that many alerts share
// (rover, source, users), the occurrence id as numbers (rebuilt on read) and
// ONE heap block for the alert's own text. An `Alert` is produced on read.

#include "store/alert.hpp"
#include "store/string_pool.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

// key, title, message, group id and `extra` in one allocation:
// [5 x u32 length][bytes...]. `extra` holds the action and metadata
// (byte_codec) and is empty when the alert has neither, which is the rule.
class AlertText {
 public:
  struct Fields {
    std::string_view key;
    std::string_view title;
    std::string_view message;
    std::string_view group_id;
    std::string_view extra;
  };

  AlertText() = default;
  explicit AlertText(const Fields& fields);

  Fields fields() const;
  std::string_view key() const;
  bool empty() const { return block_ == nullptr; }

  // `extra` for an action and metadata; empty when there is neither.
  static std::string encode_extra(const std::optional<AlertAction>& action,
                                  const std::map<std::string, std::string>& metadata);
  // Fills action and metadata from `extra`; false when it is malformed.
  static bool decode_extra(std::string_view extra, std::optional<AlertAction>& action,
                           std::map<std::string, std::string>& metadata);

 private:
  static constexpr std::size_t kFieldCount = 5;
  static constexpr std::size_t kHeaderBytes = kFieldCount * sizeof(std::uint32_t);
  std::unique_ptr<char[]> block_;
};

// What few alerts have: a shelf, an out-of-service rule. One pointer in the
// record, null for the rest.
struct AlertSuppression {
  std::optional<Shelf> shelf;
  std::optional<OutOfService> out_of_service;
  bool warned = false;  // the shelf's coming end was announced; not journaled: after a restart the
                       // reconnected screens are warned again
};

struct AlertRecord {
  enum Flag : std::uint8_t {
    kPersistent = 1u << 0,
    kClosable = 1u << 1,
    kAcknowledged = 1u << 2,
    kActive = 1u << 3,
    kGround = 1u << 4,  // created by alert_create: id "ground-<seq>", no rover
  };

  std::uint64_t rev = 0;          // 0: the slot is free
  std::uint64_t created_rev = 0;  // the rev that created this occurrence
  std::uint64_t boot_id = 0;      // rover alerts: the boot in the id
  std::uint64_t seq = 0;          // rover alerts: the seq in the id; ground: the n of ground-<n>
  std::uint64_t first_seen_ms = 0;
  std::uint64_t last_seen_ms = 0;
  std::uint64_t timestamp_ms = 0;
  std::uint64_t expires_at_ms = 0;
  std::uint64_t acknowledged_at_ms = 0;
  StringPool::Id rover = StringPool::kEmpty;
  StringPool::Id source = StringPool::kEmpty;
  StringPool::Id acknowledged_by = StringPool::kEmpty;
  StringPool::Id created_by = StringPool::kEmpty;
  StringPool::Id ack_comment = StringPool::kEmpty;
  std::uint32_t occurrences = 1;
  Priority priority = Priority::Info;
  std::uint8_t flags = 0;
  AlertText text;
  std::unique_ptr<AlertSuppression> suppression;  // null: neither shelved nor out of service

  bool has(Flag f) const { return (flags & f) != 0; }
  void set(Flag f, bool on) { flags = static_cast<std::uint8_t>(on ? (flags | f) : (flags & ~f)); }
  bool live() const { return rev != 0; }
  const Shelf* shelf() const { return suppression && suppression->shelf ? &*suppression->shelf : nullptr; }
};

// The id clients see: "<rover>-<boot as 16 hex digits>-<seq>" or "ground-<seq>".
std::string rover_alert_id(std::string_view rover, std::uint64_t boot_id, std::uint64_t seq);
std::string ground_alert_id(std::uint64_t seq);

// The parts of an id, as made by the two functions above.
struct AlertIdParts {
  bool ground = false;
  std::string_view rover;
  std::uint64_t boot_id = 0;
  std::uint64_t seq = 0;
};
// False when `id` is not of either form (such an id names no alert).
bool parse_alert_id(std::string_view id, AlertIdParts& parts);

}  // namespace rover_alerts::relay
