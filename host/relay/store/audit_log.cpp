#include "store/audit_log.hpp"

#include <algorithm>
#include <cassert>

namespace rover_alerts::relay {

void AuditLog::restore(std::vector<AuditEntry> entries) {
  assert(entries_.empty());
  for (AuditEntry& e : entries) {
    assert(e.seq > last_seq_);
    last_seq_ = e.seq;
    entries_.push_back(std::move(e));
  }
  // Bounds that shrank since the entries were written.
  if (entries_.size() > limits_.max_entries) drop_front(entries_.size() - limits_.max_entries);
}

std::uint64_t AuditLog::append(AuditEntry entry) {
  entry.seq = ++last_seq_;
  if (recorder_ != nullptr) recorder_->record_audit(entry);
  entries_.push_back(std::move(entry));
  if (entries_.size() > limits_.max_entries) drop_front(entries_.size() - limits_.max_entries);
  return last_seq_;
}

void AuditLog::prune(std::uint64_t now_ms) {
  if (now_ms < limits_.max_age_ms) return;
  const std::uint64_t oldest_kept = now_ms - limits_.max_age_ms;
  std::size_t n = 0;
  while (n < entries_.size() && entries_[n].at_ms < oldest_kept) ++n;
  if (n > 0) drop_front(n);
}

void AuditLog::drop_front(std::size_t n) {
  const std::uint64_t floor = entries_[n - 1].seq;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n));
  if (recorder_ != nullptr) recorder_->record_audit_pruned(floor);
}

AuditPage AuditLog::query(const AuditQuery& q) const {
  AuditPage page;
  // Entries are in seq order and (nearly) time order: start after the cursor.
  auto it = std::upper_bound(entries_.begin(), entries_.end(), q.after_seq,
                             [](std::uint64_t seq, const AuditEntry& e) { return seq < e.seq; });
  for (; it != entries_.end(); ++it) {
    const AuditEntry& e = *it;
    if (e.at_ms < q.from_ms || e.at_ms > q.to_ms) continue;
    if (q.user && e.user != *q.user) continue;
    if (q.alert_id && e.alert_id != *q.alert_id) continue;
    if (q.action && e.action != *q.action) continue;
    if (page.entries.size() == q.limit) {
      page.more = true;
      break;
    }
    page.entries.push_back(e);
  }
  return page;
}

}  // namespace rover_alerts::relay
