#include "store/alert_store.hpp"

#include <algorithm>
#include <cassert>
#include <random>

namespace rover_alerts::relay {

namespace {

// splitmix64's finaliser: every input bit reaches every output bit.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

std::uint32_t fold(std::uint64_t h) { return static_cast<std::uint32_t>(h ^ (h >> 32)); }

}  // namespace

std::string make_random_epoch() {
  std::random_device random;
  std::string hex;
  hex.reserve(32);
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (int word = 0; word < 4; ++word) {
    const std::uint32_t bits = random();
    for (int nibble = 7; nibble >= 0; --nibble) hex.push_back(kDigits[(bits >> (nibble * 4)) & 0xFu]);
  }
  return hex;
}

AlertStore::AlertStore() : epoch_(make_random_epoch()) {}

AlertStore::AlertStore(std::string epoch, HistoryLimits limits) : epoch_(std::move(epoch)), limits_(limits) {}

// ---- records --------------------------------------------------------------

AlertStore::Slot AlertStore::allocate_slot() {
  if (!free_slots_.empty()) {
    const Slot slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  assert(records_.size() < kNoSlot);
  records_.emplace_back();
  return static_cast<Slot>(records_.size() - 1);
}

void AlertStore::free_slot(Slot slot) {
  AlertRecord& r = records_[slot];
  strings_.release(r.rover);
  strings_.release(r.source);
  strings_.release(r.acknowledged_by);
  strings_.release(r.ack_comment);
  strings_.release(r.created_by);
  r = AlertRecord{};  // rev 0: free; the text block is freed
  free_slots_.push_back(slot);
}

void AlertStore::set_string(StringPool::Id& field, std::string_view value) {
  if (strings_.view(field) == value) return;
  const StringPool::Id old = field;
  field = strings_.acquire(value);
  strings_.release(old);
}

void AlertStore::set_text(AlertRecord& r, std::string_view key, std::string_view title, std::string_view message,
                          std::string_view group_id, const std::optional<AlertAction>& action,
                          const std::map<std::string, std::string>& metadata) {
  const std::string extra = AlertText::encode_extra(action, metadata);
  r.text = AlertText(AlertText::Fields{key, title, message, group_id, extra});
}

std::string AlertStore::id_of(const AlertRecord& r) const {
  return r.has(AlertRecord::kGround) ? ground_alert_id(r.seq) : rover_alert_id(strings_.view(r.rover), r.boot_id, r.seq);
}

Alert AlertStore::to_alert(const AlertRecord& r) const {
  const AlertText::Fields text = r.text.fields();
  Alert a;
  a.id = id_of(r);
  a.key.assign(text.key);
  a.rover.assign(strings_.view(r.rover));
  a.source.assign(strings_.view(r.source));
  a.priority = r.priority;
  a.title.assign(text.title);
  a.message.assign(text.message);
  // The store wrote `extra` itself; it cannot be malformed.
  [[maybe_unused]] const bool ok = AlertText::decode_extra(text.extra, a.action, a.metadata);
  assert(ok);
  a.group_id.assign(text.group_id);
  a.persistent = r.has(AlertRecord::kPersistent);
  a.closable = r.has(AlertRecord::kClosable);
  a.expires_at_ms = r.expires_at_ms;
  a.acknowledged = r.has(AlertRecord::kAcknowledged);
  a.acknowledged_by.assign(strings_.view(r.acknowledged_by));
  a.acknowledged_at_ms = r.acknowledged_at_ms;
  a.ack_comment.assign(strings_.view(r.ack_comment));
  a.active = r.has(AlertRecord::kActive);
  a.occurrences = r.occurrences;
  a.first_seen_ms = r.first_seen_ms;
  a.last_seen_ms = r.last_seen_ms;
  a.timestamp_ms = r.timestamp_ms;
  a.rev = r.rev;
  a.created_rev = r.created_rev;
  a.created_by.assign(strings_.view(r.created_by));
  a.shelf.reset();
  a.out_of_service.reset();
  if (r.suppression) {
    a.shelf = r.suppression->shelf;
    a.out_of_service = r.suppression->out_of_service;
  }
  return a;
}

// ---- indexes --------------------------------------------------------------

std::uint32_t AlertStore::key_hash(StringPool::Id rover, std::string_view key) {
  return fold(mix(std::hash<std::string_view>{}(key) ^ (static_cast<std::uint64_t>(rover) << 32)));
}

std::uint32_t AlertStore::id_hash(bool ground, StringPool::Id rover, std::uint64_t boot_id, std::uint64_t seq) {
  return fold(mix(mix(boot_id ^ (static_cast<std::uint64_t>(rover) << 1) ^ (ground ? 1u : 0u)) + seq));
}

AlertStore::Slot AlertStore::find_slot(std::string_view rover, std::string_view key) const {
  StringPool::Id rover_id = StringPool::kEmpty;
  return strings_.find(rover, rover_id) ? find_slot(rover_id, key) : kNoSlot;
}

AlertStore::Slot AlertStore::find_slot(StringPool::Id rover_id, std::string_view key) const {
  return by_key_.find(key_hash(rover_id, key), [&](Slot slot) {
    const AlertRecord& r = records_[slot];
    return r.rover == rover_id && r.text.key() == key;
  });
}

AlertStore::Slot AlertStore::find_slot_by_id(std::string_view alert_id) const {
  AlertIdParts parts;
  if (!parse_alert_id(alert_id, parts)) return kNoSlot;
  StringPool::Id rover_id = StringPool::kEmpty;
  if (!parts.ground && !strings_.find(parts.rover, rover_id)) return kNoSlot;
  return by_id_.find(id_hash(parts.ground, rover_id, parts.boot_id, parts.seq), [&](Slot slot) {
    const AlertRecord& r = records_[slot];
    return r.has(AlertRecord::kGround) == parts.ground && r.rover == rover_id && r.boot_id == parts.boot_id &&
           r.seq == parts.seq;
  });
}

void AlertStore::index(Slot slot) {
  const AlertRecord& r = records_[slot];
  if (!r.has(AlertRecord::kGround)) ++held_by_rover_[r.rover];
  by_key_.insert(key_hash(r.rover, r.text.key()), slot);
  by_id_.insert(id_hash(r), slot);
}

void AlertStore::unindex(Slot slot) {
  const AlertRecord& r = records_[slot];
  [[maybe_unused]] const bool by_key = by_key_.erase(key_hash(r.rover, r.text.key()), slot);
  [[maybe_unused]] const bool by_id = by_id_.erase(id_hash(r), slot);
  assert(by_key && by_id);
  if (!r.has(AlertRecord::kGround)) {
    const auto held = held_by_rover_.find(r.rover);
    assert(held != held_by_rover_.end() && held->second > 0);
    if (--held->second == 0) held_by_rover_.erase(held);
  }
  if (r.expires_at_ms != 0) by_expiry_.erase({r.expires_at_ms, slot});
  if (const Shelf* shelf = r.shelf()) by_shelf_end_.erase({shelf->until_ms, slot});
}

void AlertStore::note_stale_rev() {
  // Every change leaves the alert's previous log entry behind; dropping them
  // in bulk keeps the log within live + slack entries, amortised O(1).
  if (++stale_revs_ <= by_key_.size() + kRevLogSlack) return;
  std::erase_if(by_rev_, [this](const RevEntry& e) { return !current(e); });
  stale_revs_ = 0;
}

// ---- rover input ----------------------------------------------------------

AlertStore::ApplyResult AlertStore::apply_rover_event(const std::string& rover, std::uint64_t boot_id,
                                                      std::uint64_t seq, const RoverEvent& event) {
  if (seq == 0) return ApplyResult::Duplicate;  // sequences start at 1
  if (last_applied_ == applied_seq_.end() || last_applied_->first.second != boot_id ||
      last_applied_->first.first != rover) {
    const auto [it, fresh] = applied_seq_.try_emplace({rover, boot_id});
    last_applied_ = it;
    if (fresh) {
      last_applied_->second.used = ++applied_clock_;
      forget_old_boots(rover);
    }
  }
  if (seq <= last_applied_->second.seq) return ApplyResult::Duplicate;
  // The seq is recorded first: the journal commits it in the same batch as
  // the change it caused, so "seq durable" implies "its change durable".
  last_applied_->second.seq = seq;
  last_applied_->second.used = ++applied_clock_;
  if (recorder_ != nullptr) recorder_->record_applied_seq(rover, boot_id, seq);

  // A raise of a new key inserts its id into by_id_: fetch that bucket while
  // by_key_ is searched (both are cache misses in a large store).
  StringPool::Id rover_id = StringPool::kEmpty;
  const bool rover_known = strings_.find(rover, rover_id);
  if (rover_known) by_id_.prefetch(id_hash(false, rover_id, boot_id, seq));
  Slot slot = rover_known ? find_slot(rover_id, event.key) : kNoSlot;
  // A boot speaks only for the alerts it raised. A new boot raising a key an
  // older boot still holds starts a new occurrence (the rover restarted:
  // operators look again); its updates and clears of the old one change nothing.
  if (slot != kNoSlot && records_[slot].boot_id != boot_id) {
    if (event.kind != RoverEventKind::Raise) return ApplyResult::Ignored;
    remove(slot, ChangeType::Remove, event.last_seen_ms);
    slot = kNoSlot;
  }
  switch (event.kind) {
    case RoverEventKind::Raise:
    case RoverEventKind::Update:
      // An Update for an unknown key means the relay missed the raise (a gap in
      // the rover's replay ring) or the alert was removed: the condition holds,
      // so it is a new occurrence.
      if (slot == kNoSlot) {
        if (max_alerts_per_rover_ != 0 && rover_known) {
          const auto held = held_by_rover_.find(rover_id);
          if (held != held_by_rover_.end() && held->second >= max_alerts_per_rover_) return ApplyResult::Refused;
        }
        raise_new(rover, boot_id, seq, event);
      } else {
        const std::optional<Alert> before = state_before_update(slot);
        AlertRecord& r = records_[slot];
        if (event.kind == RoverEventKind::Raise) {
          // Every raise is at least one more occurrence; a rover that coalesced
          // several raises reports a larger count, which wins.
          r.occurrences = std::max(r.occurrences + 1, event.occurrences);
        } else {
          r.occurrences = std::max(r.occurrences, event.occurrences);
        }
        update_existing(slot, event, before);
      }
      break;
    case RoverEventKind::Clear:
      // Clearing an alert the store no longer holds changes nothing.
      if (slot != kNoSlot && records_[slot].has(AlertRecord::kActive)) clear_existing(slot, event.last_seen_ms);
      break;
  }
  return ApplyResult::Applied;
}

std::size_t AlertStore::alerts_of_rover(std::string_view rover) const {
  StringPool::Id id = StringPool::kEmpty;
  if (!strings_.find(rover, id)) return 0;
  const auto held = held_by_rover_.find(id);
  return held == held_by_rover_.end() ? 0 : held->second;
}

std::uint64_t AlertStore::applied_seq(const std::string& rover, std::uint64_t boot_id) const {
  const auto it = applied_seq_.find({rover, boot_id});
  return it == applied_seq_.end() ? 0 : it->second.seq;
}

void AlertStore::forget_old_boots(const std::string& rover) {
  for (;;) {
    std::size_t boots = 0;
    auto oldest = applied_seq_.end();
    for (auto it = applied_seq_.lower_bound({rover, 0}); it != applied_seq_.end() && it->first.first == rover; ++it) {
      ++boots;
      if (oldest == applied_seq_.end() || it->second.used < oldest->second.used) oldest = it;
    }
    if (boots <= kBootsKeptPerRover) return;
    assert(oldest != last_applied_);  // the newest boot is the one just added
    if (recorder_ != nullptr) recorder_->record_applied_forgotten(rover, oldest->first.second);
    applied_seq_.erase(oldest);
  }
}

// Copies what the rover says about the condition; identity and ack state stay.
void AlertStore::copy_event_fields(AlertRecord& r, const RoverEvent& event) {
  set_string(r.source, event.source);
  set_text(r, event.key, event.title, event.message, event.group_id, event.action, event.metadata);
  r.set(AlertRecord::kPersistent, event.persistent);
  r.set(AlertRecord::kClosable, event.closable);
  r.expires_at_ms = event.expires_at_ms;
}

void AlertStore::raise_new(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq,
                           const RoverEvent& event) {
  const Slot slot = allocate_slot();
  AlertRecord& r = records_[slot];
  r.rover = strings_.acquire(rover);
  r.boot_id = boot_id;
  r.seq = seq;
  r.priority = event.priority;
  copy_event_fields(r, event);
  r.set(AlertRecord::kActive, true);
  r.occurrences = std::max<std::uint32_t>(1, event.occurrences);
  r.first_seen_ms = event.raised_at_ms != 0 ? event.raised_at_ms : event.last_seen_ms;
  r.last_seen_ms = event.last_seen_ms;
  r.created_rev = rev_ + 1;
  index(slot);
  suppress_new(slot);
  commit(ChangeType::New, slot, event.last_seen_ms, 0);
}

std::optional<Alert> AlertStore::state_before_update(Slot slot) const {
  if (!observer_) return std::nullopt;
  return to_alert(records_[slot]);
}

void AlertStore::update_existing(Slot slot, const RoverEvent& event, const std::optional<Alert>& before) {
  AlertRecord& r = records_[slot];
  const std::uint64_t old_expiry = r.expires_at_ms;
  copy_event_fields(r, event);
  // Priority only rises: an operator who saw an alert as critical must not
  // see it silently downgraded while it is still shown.
  r.priority = std::min(r.priority, event.priority);
  r.last_seen_ms = std::max(r.last_seen_ms, event.last_seen_ms);
  if (!r.has(AlertRecord::kActive)) {
    // The condition came back: a fresh activation needs a fresh acknowledgement.
    r.set(AlertRecord::kActive, true);
    r.set(AlertRecord::kAcknowledged, false);
    set_string(r.acknowledged_by, {});
    set_string(r.ack_comment, {});
    r.acknowledged_at_ms = 0;
  }
  commit(ChangeType::Update, slot, event.last_seen_ms, old_expiry, before);
}

void AlertStore::clear_existing(Slot slot, std::uint64_t at_ms) {
  const std::optional<Alert> before = state_before_update(slot);
  AlertRecord& r = records_[slot];
  r.set(AlertRecord::kActive, false);
  // A one-shot shelf lasts until the condition returns to normal; the alert
  // then shows as what it is (owed an ack, or gone).
  if (const Shelf* shelf = r.shelf(); shelf != nullptr && shelf->one_shot) {
    if (shelf->by_key) erase_key_shelf({std::string(strings_.view(r.rover)), std::string(r.text.key())});
    set_shelf(slot, std::nullopt);
  }
  if (!owes_ack(r) && !r.has(AlertRecord::kPersistent)) {
    remove(slot, ChangeType::Remove, at_ms);
    return;
  }
  commit(ChangeType::Update, slot, at_ms, r.expires_at_ms, before);
}

// ---- operator input -------------------------------------------------------

AckResult AlertStore::acknowledge(std::string_view alert_id, std::string_view user, std::uint64_t at_ms,
                                  std::string_view comment) {
  AckResult result;
  const Slot slot = find_slot_by_id(alert_id);
  if (slot == kNoSlot) return result;
  const std::optional<Alert> before = state_before_update(slot);
  AlertRecord& r = records_[slot];
  r.set(AlertRecord::kAcknowledged, true);
  set_string(r.acknowledged_by, user);
  set_string(r.ack_comment, comment);
  r.acknowledged_at_ms = at_ms;
  result.status = AckStatus::Ok;
  if (!r.has(AlertRecord::kActive) && !r.has(AlertRecord::kPersistent)) {
    result.removed = true;
    result.alert = to_alert(r);  // remove() frees the record
    remove(slot, ChangeType::Remove, at_ms);
    result.alert.rev = rev_;
    result.alert.timestamp_ms = at_ms;
  } else {
    commit(ChangeType::Update, slot, at_ms, r.expires_at_ms, before);
    result.alert = to_alert(records_[slot]);
  }
  result.rev = rev_;
  return result;
}

Alert AlertStore::create(const GroundAlertSpec& spec, std::string_view created_by, std::uint64_t now_ms) {
  // The id uses the rev this change will take: unique within the epoch, and
  // the rev is persisted, so ids are never reused across restarts.
  const std::uint64_t n = rev_ + 1;
  const Slot slot = allocate_slot();
  AlertRecord& r = records_[slot];
  r.set(AlertRecord::kGround, true);
  r.seq = n;
  r.created_rev = n;
  r.source = strings_.acquire(spec.source);
  r.priority = spec.priority;
  set_text(r, spec.source + "/ground-" + std::to_string(n), spec.title, spec.message, spec.group_id, spec.action,
           spec.metadata);
  r.set(AlertRecord::kPersistent, spec.persistent);
  r.set(AlertRecord::kClosable, spec.closable);
  r.set(AlertRecord::kActive, true);
  r.expires_at_ms = spec.expires_at_ms;
  r.first_seen_ms = now_ms;
  r.last_seen_ms = now_ms;
  r.created_by = strings_.acquire(created_by);
  index(slot);
  suppress_new(slot);
  commit(ChangeType::New, slot, now_ms, 0);
  return to_alert(records_[slot]);
}

std::size_t AlertStore::clear(const ClearCriteria& criteria, std::uint64_t now_ms) {
  const auto matches = [&](const AlertRecord& r) {
    if (criteria.source && strings_.view(r.source) != *criteria.source) return false;
    if (criteria.priority && r.priority != *criteria.priority) return false;
    if (criteria.group_id && r.text.fields().group_id != *criteria.group_id) return false;
    if (criteria.acknowledged && r.has(AlertRecord::kAcknowledged) != *criteria.acknowledged) return false;
    return criteria.force || operator_may_clear(r);
  };
  std::vector<RevEntry> victims;  // (rev, slot): removed in rev order
  if (!criteria.ids.empty()) {
    for (const auto& id : criteria.ids) {
      const Slot slot = find_slot_by_id(id);
      if (slot != kNoSlot && matches(records_[slot])) victims.push_back(RevEntry{records_[slot].rev, slot});
    }
    std::sort(victims.begin(), victims.end(), [](const RevEntry& a, const RevEntry& b) { return a.rev < b.rev; });
    // ids given twice
    victims.erase(std::unique(victims.begin(), victims.end(),
                              [](const RevEntry& a, const RevEntry& b) { return a.slot == b.slot; }),
                  victims.end());
  } else {
    for_each_after(0, [&](Slot slot) {
      if (matches(records_[slot])) victims.push_back(RevEntry{records_[slot].rev, slot});
      return true;
    });
  }
  for (const RevEntry& victim : victims) remove(victim.slot, ChangeType::Clear, now_ms);
  return victims.size();
}

// ---- time -----------------------------------------------------------------

std::size_t AlertStore::expire(std::uint64_t now_ms) {
  std::size_t count = 0;
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_ms) {
    remove(by_expiry_.begin()->second, ChangeType::Remove, now_ms);
    ++count;
  }
  return count;
}

std::optional<std::uint64_t> AlertStore::next_expiry() const {
  if (by_expiry_.empty()) return std::nullopt;
  return by_expiry_.begin()->first;
}

std::size_t AlertStore::prune_history(std::uint64_t now_ms) {
  std::size_t count = 0;
  while (count < tombstones_.size() &&
         tombstones_[count].removed_at_ms + limits_.max_tombstone_age_ms < now_ms) {
    ++count;
  }
  if (count > 0) prune_front(count);
  return count;
}

void AlertStore::prune_front(std::size_t count) {
  history_floor_rev_ = std::max(history_floor_rev_, tombstones_[count - 1].rev);
  tombstones_.erase(tombstones_.begin(), tombstones_.begin() + static_cast<std::ptrdiff_t>(count));
  if (recorder_ != nullptr) recorder_->record_history_pruned(history_floor_rev_);
}

// ---- internals ------------------------------------------------------------

void AlertStore::remove(Slot slot, ChangeType type, std::uint64_t at_ms) {
  unindex(slot);
  AlertRecord& r = records_[slot];
  r.rev = ++rev_;
  r.timestamp_ms = at_ms;
  tombstones_.push_back(Tombstone{id_of(r), std::string(strings_.view(r.rover)), std::string(r.text.key()),
                                  std::string(strings_.view(r.source)), r.priority, type, r.rev, at_ms});
  // The last state, only for those who listen: built before the record is freed.
  std::optional<Alert> last;
  if (recorder_ != nullptr || observer_) last = to_alert(r);
  free_slot(slot);
  note_stale_rev();
  if (last) {
    const AlertChange change{type, std::move(*last), rev_};
    if (recorder_ != nullptr) recorder_->record_change(change, &tombstones_.back());
    if (observer_) observer_(change);
  }
  if (tombstones_.size() > limits_.max_tombstones) prune_front(tombstones_.size() - limits_.max_tombstones);
}

void AlertStore::commit(ChangeType type, Slot slot, std::uint64_t at_ms, std::uint64_t old_expiry,
                        const std::optional<Alert>& before) {
  AlertRecord& r = records_[slot];
  const bool existed = r.rev != 0;
  if (old_expiry != 0) by_expiry_.erase({old_expiry, slot});
  r.rev = ++rev_;
  r.timestamp_ms = at_ms;
  by_rev_.push_back(RevEntry{r.rev, slot});
  if (r.expires_at_ms != 0) by_expiry_.emplace(r.expires_at_ms, slot);
  if (existed) note_stale_rev();
  if (recorder_ != nullptr || observer_) {
    AlertChange change{type, to_alert(r), r.rev};
    if (before) {
      change.base_rev = before->rev;
      // The timestamp and rev are the change's own; the fields are the news.
      change.changed = changed_fields(*before, change.alert);
    }
    if (recorder_ != nullptr) recorder_->record_change(change, nullptr);
    if (observer_) observer_(change);
  }
}

// ---- restore / image ------------------------------------------------------

void AlertStore::restore_begin(std::string epoch, std::uint64_t rev, std::uint64_t history_floor_rev,
                               std::size_t expected_alerts) {
  records_.clear();
  free_slots_.clear();
  strings_.clear();
  by_key_.clear();
  by_id_.clear();
  by_rev_.clear();
  stale_revs_ = 0;
  by_expiry_.clear();
  by_shelf_end_.clear();
  key_shelves_.clear();
  warned_key_shelves_.clear();
  out_of_service_.clear();
  held_by_rover_.clear();
  tombstones_.clear();
  applied_seq_.clear();
  applied_clock_ = 0;
  last_applied_ = applied_seq_.end();
  epoch_ = std::move(epoch);
  rev_ = rev;
  history_floor_rev_ = history_floor_rev;
  records_.reserve(expected_alerts);
  by_key_.reserve(expected_alerts);
  by_id_.reserve(expected_alerts);
  by_rev_.reserve(expected_alerts);
}

bool AlertStore::restore_alert(const Alert& alert) {
  AlertIdParts parts;
  if (!parse_alert_id(alert.id, parts) || parts.ground != alert.rover.empty() ||
      (!parts.ground && parts.rover != alert.rover) || alert.rev == 0)
    return false;
  const Slot slot = allocate_slot();
  AlertRecord& r = records_[slot];
  r.set(AlertRecord::kGround, parts.ground);
  r.boot_id = parts.boot_id;
  r.seq = parts.seq;
  r.rover = strings_.acquire(alert.rover);
  r.source = strings_.acquire(alert.source);
  r.priority = alert.priority;
  set_text(r, alert.key, alert.title, alert.message, alert.group_id, alert.action, alert.metadata);
  r.set(AlertRecord::kPersistent, alert.persistent);
  r.set(AlertRecord::kClosable, alert.closable);
  r.set(AlertRecord::kAcknowledged, alert.acknowledged);
  r.set(AlertRecord::kActive, alert.active);
  r.expires_at_ms = alert.expires_at_ms;
  r.acknowledged_by = strings_.acquire(alert.acknowledged_by);
  r.acknowledged_at_ms = alert.acknowledged_at_ms;
  r.ack_comment = strings_.acquire(alert.ack_comment);
  r.occurrences = alert.occurrences;
  r.first_seen_ms = alert.first_seen_ms;
  r.last_seen_ms = alert.last_seen_ms;
  r.timestamp_ms = alert.timestamp_ms;
  r.rev = alert.rev;
  r.created_rev = alert.created_rev;
  r.created_by = strings_.acquire(alert.created_by);
  index(slot);
  if (alert.shelf) set_shelf(slot, alert.shelf);
  if (alert.out_of_service) set_out_of_service(slot, &*alert.out_of_service);
  by_rev_.push_back(RevEntry{r.rev, slot});  // sorted by restore_end()
  if (r.expires_at_ms != 0) by_expiry_.emplace(r.expires_at_ms, slot);
  rev_ = std::max(rev_, r.rev);
  return true;
}

void AlertStore::restore_end() {
  // Journal rows come in creation order; alerts changed since are out of rev order.
  const auto by_rev = [](const RevEntry& a, const RevEntry& b) { return a.rev < b.rev; };
  if (!std::is_sorted(by_rev_.begin(), by_rev_.end(), by_rev)) std::sort(by_rev_.begin(), by_rev_.end(), by_rev);
}

void AlertStore::restore_tombstone(Tombstone tombstone) {
  assert(tombstones_.empty() || tombstones_.back().rev < tombstone.rev);
  rev_ = std::max(rev_, tombstone.rev);
  tombstones_.push_back(std::move(tombstone));
}

void AlertStore::restore_applied(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) {
  // In the journal's row order; any restored boot is older than the next new one.
  applied_seq_[{rover, boot_id}] = Applied{seq, ++applied_clock_};
}

void AlertStore::restore(StoreImage image) {
  restore_begin(std::move(image.epoch), image.rev, image.history_floor_rev, image.alerts.size());
  for (const auto& alert : image.alerts) {
    [[maybe_unused]] const bool ok = restore_alert(alert);
    assert(ok);
  }
  std::sort(image.tombstones.begin(), image.tombstones.end(),
            [](const Tombstone& a, const Tombstone& b) { return a.rev < b.rev; });
  for (auto& tombstone : image.tombstones) restore_tombstone(std::move(tombstone));
  for (const auto& applied : image.applied) restore_applied(applied.rover, applied.boot_id, applied.seq);
  for (const auto& shelf : image.key_shelves) restore_key_shelf(shelf);
  for (const auto& rule : image.out_of_service) restore_out_of_service(rule);
  restore_end();
}

StoreImage AlertStore::image() const {
  StoreImage image;
  image.epoch = epoch_;
  image.rev = rev_;
  image.history_floor_rev = history_floor_rev_;
  image.alerts = snapshot();
  image.tombstones.assign(tombstones_.begin(), tombstones_.end());
  for (const auto& [key, applied] : applied_seq_)
    image.applied.push_back(AppliedSeq{key.first, key.second, applied.seq});
  for (const auto& [key, shelf] : key_shelves_) image.key_shelves.push_back(KeyShelf{key.first, key.second, shelf});
  for (const auto& [key, rule] : out_of_service_) image.out_of_service.push_back(rule);
  return image;
}

// ---- reading --------------------------------------------------------------

std::optional<Alert> AlertStore::find(std::string_view rover, std::string_view key) const {
  const Slot slot = find_slot(rover, key);
  if (slot == kNoSlot) return std::nullopt;
  return to_alert(records_[slot]);
}

std::optional<Alert> AlertStore::find_by_id(std::string_view alert_id) const {
  const Slot slot = find_slot_by_id(alert_id);
  if (slot == kNoSlot) return std::nullopt;
  return to_alert(records_[slot]);
}

std::vector<Alert> AlertStore::snapshot() const {
  std::vector<Alert> alerts;
  alerts.reserve(size());
  for_each_alert([&](const Alert& alert) {
    alerts.push_back(alert);
    return true;
  });
  return alerts;
}

void AlertStore::for_each_alert(const std::function<bool(const Alert&)>& visit) const {
  for_each_after(0, [&](Slot slot) { return visit(to_alert(records_[slot])); });
}

SyncPage AlertStore::changes_since(const SyncQuery& query) const {
  SyncPage page;
  page.epoch = epoch_;
  const auto wanted = [&query](const AlertRecord& r) {
    if (!query.include_acknowledged && r.has(AlertRecord::kAcknowledged)) return false;
    return query.priorities.empty() ||
           std::find(query.priorities.begin(), query.priorities.end(), r.priority) != query.priorities.end();
  };

  std::uint64_t since = query.since_rev.value_or(0);
  bool reset = query.epoch && *query.epoch != epoch_;
  if (query.since_rev) {
    reset = reset || since > rev_ || std::max(since, query.removals_after) < history_floor_rev_;
  } else if (query.since_ms) {
    // Removal times are not monotonic in rev (rover clocks), so any pruning
    // at all makes a time-based sync unsafe unless the retained tombstones
    // reach back before since_ms.
    if (history_floor_rev_ > 0) {
      reset = reset || tombstones_.empty() || tombstones_.front().removed_at_ms > *query.since_ms;
    }
  }

  if (reset) {
    page.reset = true;
    page.rev = rev_;
    for_each_after(0, [&](Slot slot) {
      if (wanted(records_[slot])) page.alerts.push_back(to_alert(records_[slot]));
      return true;
    });
    return page;
  }

  const std::size_t max_count = std::max<std::size_t>(1, query.max_count);
  const std::uint64_t since_ms = query.since_rev ? 0 : query.since_ms.value_or(0);
  const bool by_time = !query.since_rev && query.since_ms.has_value();
  auto alert_it = std::upper_bound(by_rev_.begin(), by_rev_.end(), since,
                                   [](std::uint64_t rev, const RevEntry& e) { return rev < e.rev; });
  auto tomb_it = std::upper_bound(tombstones_.begin(), tombstones_.end(), since,
                                  [](std::uint64_t rev, const Tombstone& t) { return rev < t.rev; });
  const auto skip_stale = [&] {
    while (alert_it != by_rev_.end() && !current(*alert_it)) ++alert_it;
  };
  skip_stale();
  std::size_t count = 0;
  page.rev = std::min(rev_, query.up_to_rev);
  while (alert_it != by_rev_.end() || tomb_it != tombstones_.end()) {
    const bool take_alert =
        tomb_it == tombstones_.end() || (alert_it != by_rev_.end() && alert_it->rev < tomb_it->rev);
    const std::uint64_t entry_rev = take_alert ? alert_it->rev : tomb_it->rev;
    if (entry_rev > query.up_to_rev) break;
    if (count == max_count) {
      // A further entry exists: cut here; the client continues after the last one taken.
      page.more = true;
      page.rev = entry_rev - 1;
      break;
    }
    if (take_alert) {
      const AlertRecord& r = records_[alert_it->slot];
      if (wanted(r) && (!by_time || r.timestamp_ms > since_ms)) {
        page.alerts.push_back(to_alert(r));
        ++count;
      }
      ++alert_it;
      skip_stale();
    } else {
      if ((!by_time || tomb_it->removed_at_ms > since_ms) && tomb_it->rev > query.removals_after) {
        page.removed.push_back(*tomb_it);
        ++count;
      }
      ++tomb_it;
    }
  }
  return page;
}

StoreStats AlertStore::stats(std::uint64_t standing_before_ms) const {
  StoreStats stats;
  stats.alerts = size();
  const AlertRecord* oldest = nullptr;
  for (const AlertRecord& r : records_) {
    if (!r.live()) continue;
    ++stats.by_priority[static_cast<std::size_t>(r.priority)];
    const AlertState state = alert_state(r.has(AlertRecord::kActive), r.has(AlertRecord::kAcknowledged));
    ++stats.by_state[static_cast<std::size_t>(state)];
    if (r.shelf() != nullptr) ++stats.shelved;
    if (r.suppression && r.suppression->out_of_service) ++stats.out_of_service;
    if (r.has(AlertRecord::kActive) && r.priority != Priority::Info && r.first_seen_ms < standing_before_ms) {
      ++stats.standing;
      if (oldest == nullptr || r.first_seen_ms < oldest->first_seen_ms) oldest = &r;
    }
  }
  if (oldest != nullptr) {
    stats.oldest_standing_id = id_of(*oldest);
    stats.oldest_standing_since_ms = oldest->first_seen_ms;
  }
  stats.rev = rev_;
  stats.epoch = epoch_;
  stats.tombstones = tombstones_.size();
  stats.history_floor_rev = history_floor_rev_;
  stats.pending_expiries = by_expiry_.size();
  return stats;
}

}  // namespace rover_alerts::relay
