#pragma once
// AuditLog: the append-only record of what operators and admins did (ack,
// create, clear), every refusal of a request, every sign-in and failed
// sign-in, and every reload of the keys, with who, from which address,
// when, what and why. Nothing in the protocol can change or remove an entry.
//
// Bounded by count and by age (AuditLimits): the oldest go first, and the
// journal prunes the same ones, so the log a client queries is the log that
// survives a restart. Every entry is handed to the recorder (the journal)
// when appended and is durable with the journal's next commit.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

struct AuditLimits {
  std::size_t max_entries = 100'000;
  std::uint64_t max_age_ms = 90ull * 24 * 3600'000;  // 90 days
};

struct AuditEntry {
  std::uint64_t seq = 0;    // given by the log: 1, 2, … never reused
  std::uint64_t at_ms = 0;  // unix ms
  std::string user;         // empty: not authenticated (a failed sign-in)
  std::string role;
  std::string address;      // the client's address; empty for the relay itself
  std::string action;       // alert_ack, alert_create, alert_clear, auth, reload, …
  std::string alert_id;     // the alert concerned, when one is
  std::string outcome;      // ok, refused, not_found, failed
  std::string detail;       // the comment, the criteria, the reason

  bool operator==(const AuditEntry&) const = default;
};

// Where entries go to be kept (the journal).
class AuditRecorder {
 public:
  virtual ~AuditRecorder() = default;
  virtual void record_audit(const AuditEntry& entry) = 0;
  // Entries at or below this seq left the log (its bounds).
  virtual void record_audit_pruned(std::uint64_t floor_seq) = 0;
};

struct AuditQuery {
  std::uint64_t from_ms = 0;                   // at or after
  std::uint64_t to_ms = UINT64_MAX;            // at or before
  std::optional<std::string> user, alert_id, action;
  std::uint64_t after_seq = 0;                 // paging: entries after this seq
  std::size_t limit = 100;
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // in seq order
  bool more = false;                // ask again with after_seq = the last entry's seq
};

class AuditLog {
 public:
  explicit AuditLog(AuditLimits limits = {}) : limits_(limits) {}

  void set_recorder(AuditRecorder* recorder) { recorder_ = recorder; }
  // What the journal kept (in seq order), before anything is appended.
  void restore(std::vector<AuditEntry> entries);

  // Appends `entry` (its seq is set) and prunes past the bounds; the seq.
  std::uint64_t append(AuditEntry entry);
  // Drops entries older than the age bound (the relay calls it periodically).
  void prune(std::uint64_t now_ms);

  AuditPage query(const AuditQuery& query) const;
  std::size_t size() const { return entries_.size(); }
  std::uint64_t last_seq() const { return last_seq_; }
  const AuditLimits& limits() const { return limits_; }

 private:
  void drop_front(std::size_t n);

  AuditLimits limits_;
  AuditRecorder* recorder_ = nullptr;
  std::deque<AuditEntry> entries_;
  std::uint64_t last_seq_ = 0;
};

}  // namespace rover_alerts::relay
