#include "store/alert_store.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

namespace rover_alerts::relay {

namespace {

std::string occurrence_id(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) {
  std::array<char, 17> boot_hex{};
  std::snprintf(boot_hex.data(), boot_hex.size(), "%016llx", static_cast<unsigned long long>(boot_id));
  std::string id;
  id.reserve(rover.size() + 18 + 20);
  id.append(rover).append("-").append(boot_hex.data()).append("-").append(std::to_string(seq));
  return id;
}

// Copies what the rover says about the condition; identity and ack state stay.
void copy_event_fields(Alert& alert, const RoverEvent& event) {
  alert.source = event.source;
  alert.title = event.title;
  alert.message = event.message;
  alert.action = event.action;
  alert.metadata = event.metadata;
  alert.group_id = event.group_id;
  alert.persistent = event.persistent;
  alert.closable = event.closable;
  alert.expires_at_ms = event.expires_at_ms;
}

Tombstone tombstone_of(const Alert& alert, ChangeType type) {
  return Tombstone{alert.id, alert.rover, alert.key, alert.source, alert.priority, type, alert.rev, alert.timestamp_ms};
}

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

std::size_t AlertStore::KeyHash::operator()(const AlertKey& k) const noexcept {
  const std::size_t a = std::hash<std::string>{}(k.first);
  const std::size_t b = std::hash<std::string>{}(k.second);
  return a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
}

AlertStore::AlertStore() : epoch_(make_random_epoch()) {}

AlertStore::AlertStore(std::string epoch, HistoryLimits limits) : epoch_(std::move(epoch)), limits_(limits) {}

// ---- rover input ----------------------------------------------------------

AlertStore::ApplyResult AlertStore::apply_rover_event(const std::string& rover, std::uint64_t boot_id,
                                                      std::uint64_t seq, const RoverEvent& event) {
  if (seq <= applied_seq(rover, boot_id)) return ApplyResult::Duplicate;
  // The seq is recorded first: the journal commits it in the same batch as
  // the change it caused, so "seq durable" implies "its change durable".
  note_applied(rover, boot_id, seq);

  const auto it = alerts_.find(AlertKey{rover, event.key});
  switch (event.kind) {
    case RoverEventKind::Raise:
    case RoverEventKind::Update:
      // An Update for an unknown key means the relay missed the raise (a gap in
      // the rover's replay ring) or the alert was removed: the condition holds,
      // so it is a new occurrence.
      if (it == alerts_.end()) {
        raise_new(rover, boot_id, seq, event);
      } else {
        if (event.kind == RoverEventKind::Raise) {
          // Every raise is at least one more occurrence; a rover that coalesced
          // several raises reports a larger count, which wins.
          it->second.occurrences = std::max(it->second.occurrences + 1, event.occurrences);
        } else {
          it->second.occurrences = std::max(it->second.occurrences, event.occurrences);
        }
        update_existing(it->second, event);
      }
      break;
    case RoverEventKind::Clear:
      // Clearing an alert the store no longer holds changes nothing.
      if (it != alerts_.end() && it->second.active) clear_existing(it->second, event.last_seen_ms);
      break;
  }
  return ApplyResult::Applied;
}

std::uint64_t AlertStore::applied_seq(const std::string& rover, std::uint64_t boot_id) const {
  const auto it = applied_seq_.find({rover, boot_id});
  return it == applied_seq_.end() ? 0 : it->second;
}

void AlertStore::note_applied(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) {
  applied_seq_[{rover, boot_id}] = seq;
  if (recorder_ != nullptr) recorder_->record_applied_seq(rover, boot_id, seq);
}

void AlertStore::raise_new(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq,
                           const RoverEvent& event) {
  Alert alert;
  alert.id = occurrence_id(rover, boot_id, seq);
  alert.key = event.key;
  alert.rover = rover;
  alert.priority = event.priority;
  copy_event_fields(alert, event);
  alert.occurrences = std::max<std::uint32_t>(1, event.occurrences);
  alert.first_seen_ms = event.raised_at_ms != 0 ? event.raised_at_ms : event.last_seen_ms;
  alert.last_seen_ms = event.last_seen_ms;
  Alert& stored = insert(std::move(alert));
  commit(ChangeType::New, stored, event.last_seen_ms, 0, 0);
}

void AlertStore::update_existing(Alert& alert, const RoverEvent& event) {
  const std::uint64_t old_rev = alert.rev;
  const std::uint64_t old_expiry = alert.expires_at_ms;
  copy_event_fields(alert, event);
  // Priority only rises: an operator who saw an alert as critical must not
  // see it silently downgraded while it is still shown.
  alert.priority = std::min(alert.priority, event.priority);
  alert.last_seen_ms = std::max(alert.last_seen_ms, event.last_seen_ms);
  if (!alert.active) {
    // The condition came back: a fresh activation needs a fresh acknowledgement.
    alert.active = true;
    alert.acknowledged = false;
    alert.acknowledged_by.clear();
    alert.acknowledged_at_ms = 0;
  }
  commit(ChangeType::Update, alert, event.last_seen_ms, old_rev, old_expiry);
}

void AlertStore::clear_existing(Alert& alert, std::uint64_t at_ms) {
  alert.active = false;
  if (!owes_ack(alert) && !alert.persistent) {
    remove(alert, ChangeType::Remove, at_ms);
    return;
  }
  commit(ChangeType::Update, alert, at_ms, alert.rev, alert.expires_at_ms);
}

// ---- operator input -------------------------------------------------------

AckResult AlertStore::acknowledge(std::string_view alert_id, std::string_view user, std::uint64_t at_ms) {
  AckResult result;
  const auto id_it = by_id_.find(alert_id);
  if (id_it == by_id_.end()) return result;
  Alert& alert = *id_it->second;
  alert.acknowledged = true;
  alert.acknowledged_by.assign(user);
  alert.acknowledged_at_ms = at_ms;
  result.status = AckStatus::Ok;
  if (!alert.active && !alert.persistent) {
    result.removed = true;
    result.alert = alert;  // remove() invalidates `alert`
    remove(alert, ChangeType::Remove, at_ms);
    result.alert.rev = rev_;
    result.alert.timestamp_ms = at_ms;
  } else {
    commit(ChangeType::Update, alert, at_ms, alert.rev, alert.expires_at_ms);
    result.alert = alert;
  }
  result.rev = rev_;
  return result;
}

Alert AlertStore::create(const GroundAlertSpec& spec, std::string_view created_by, std::uint64_t now_ms) {
  // The id uses the rev this change will take: unique within the epoch, and
  // the rev is persisted, so ids are never reused across restarts.
  const std::string n = std::to_string(rev_ + 1);
  Alert alert;
  alert.id = "ground-" + n;
  alert.key = spec.source + "/ground-" + n;
  alert.source = spec.source;
  alert.priority = spec.priority;
  alert.title = spec.title;
  alert.message = spec.message;
  alert.action = spec.action;
  alert.metadata = spec.metadata;
  alert.group_id = spec.group_id;
  alert.persistent = spec.persistent;
  alert.closable = spec.closable;
  alert.expires_at_ms = spec.expires_at_ms;
  alert.first_seen_ms = now_ms;
  alert.last_seen_ms = now_ms;
  alert.created_by.assign(created_by);
  Alert& stored = insert(std::move(alert));
  commit(ChangeType::New, stored, now_ms, 0, 0);
  return stored;
}

std::size_t AlertStore::clear(const ClearCriteria& criteria, std::uint64_t now_ms) {
  const auto matches = [&criteria](const Alert& alert) {
    if (criteria.source && alert.source != *criteria.source) return false;
    if (criteria.priority && alert.priority != *criteria.priority) return false;
    if (criteria.group_id && alert.group_id != *criteria.group_id) return false;
    if (criteria.acknowledged && alert.acknowledged != *criteria.acknowledged) return false;
    return criteria.force || operator_may_clear(alert);
  };
  std::vector<Alert*> victims;
  if (!criteria.ids.empty()) {
    for (const auto& id : criteria.ids) {
      const auto it = by_id_.find(id);
      if (it != by_id_.end() && matches(*it->second)) victims.push_back(it->second);
    }
    std::sort(victims.begin(), victims.end(), [](const Alert* a, const Alert* b) { return a->rev < b->rev; });
    victims.erase(std::unique(victims.begin(), victims.end()), victims.end());  // ids given twice
  } else {
    for (const auto& [rev, alert] : by_rev_) {
      if (matches(*alert)) victims.push_back(alert);
    }
  }
  for (Alert* alert : victims) remove(*alert, ChangeType::Clear, now_ms);
  return victims.size();
}

// ---- time -----------------------------------------------------------------

std::size_t AlertStore::expire(std::uint64_t now_ms) {
  std::size_t count = 0;
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_ms) {
    remove(*by_expiry_.begin()->second, ChangeType::Remove, now_ms);
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

Alert& AlertStore::insert(Alert alert) {
  AlertKey key{alert.rover, alert.key};
  auto [it, inserted] = alerts_.try_emplace(std::move(key), std::move(alert));
  (void)inserted;  // callers only insert keys the store does not hold
  by_id_[it->second.id] = &it->second;
  return it->second;
}

void AlertStore::remove(const Alert& alert, ChangeType type, std::uint64_t at_ms) {
  by_rev_.erase(alert.rev);
  if (alert.expires_at_ms != 0) by_expiry_.erase({alert.expires_at_ms, const_cast<Alert*>(&alert)});
  by_id_.erase(alert.id);
  auto node = alerts_.extract(AlertKey{alert.rover, alert.key});
  Alert& last = node.mapped();
  last.rev = ++rev_;
  last.timestamp_ms = at_ms;
  tombstones_.push_back(tombstone_of(last, type));
  if (recorder_ != nullptr || observer_) {
    const AlertChange change{type, std::move(last), rev_};
    if (recorder_ != nullptr) recorder_->record_change(change, &tombstones_.back());
    if (observer_) observer_(change);
  }
  if (tombstones_.size() > limits_.max_tombstones) prune_front(tombstones_.size() - limits_.max_tombstones);
}

void AlertStore::commit(ChangeType type, Alert& alert, std::uint64_t at_ms, std::uint64_t old_rev,
                        std::uint64_t old_expiry) {
  if (old_rev != 0) by_rev_.erase(old_rev);
  if (old_expiry != 0) by_expiry_.erase({old_expiry, &alert});
  alert.rev = ++rev_;
  alert.timestamp_ms = at_ms;
  by_rev_.emplace_hint(by_rev_.end(), alert.rev, &alert);
  if (alert.expires_at_ms != 0) by_expiry_.emplace(alert.expires_at_ms, &alert);
  if (recorder_ != nullptr || observer_) {
    const AlertChange change{type, alert, alert.rev};
    if (recorder_ != nullptr) recorder_->record_change(change, nullptr);
    if (observer_) observer_(change);
  }
}

// ---- restore / image ------------------------------------------------------

void AlertStore::restore(StoreImage image) {
  alerts_.clear();
  by_id_.clear();
  by_rev_.clear();
  by_expiry_.clear();
  tombstones_.clear();
  applied_seq_.clear();
  epoch_ = std::move(image.epoch);
  rev_ = image.rev;
  history_floor_rev_ = image.history_floor_rev;
  alerts_.reserve(image.alerts.size());
  by_id_.reserve(image.alerts.size());
  for (auto& alert : image.alerts) {
    rev_ = std::max(rev_, alert.rev);
    Alert& stored = insert(std::move(alert));
    by_rev_.emplace(stored.rev, &stored);
    if (stored.expires_at_ms != 0) by_expiry_.emplace(stored.expires_at_ms, &stored);
  }
  std::sort(image.tombstones.begin(), image.tombstones.end(),
            [](const Tombstone& a, const Tombstone& b) { return a.rev < b.rev; });
  for (auto& tombstone : image.tombstones) {
    rev_ = std::max(rev_, tombstone.rev);
    tombstones_.push_back(std::move(tombstone));
  }
  for (auto& applied : image.applied) applied_seq_[{std::move(applied.rover), applied.boot_id}] = applied.seq;
}

StoreImage AlertStore::image() const {
  StoreImage image;
  image.epoch = epoch_;
  image.rev = rev_;
  image.history_floor_rev = history_floor_rev_;
  image.alerts = snapshot();
  image.tombstones.assign(tombstones_.begin(), tombstones_.end());
  for (const auto& [key, seq] : applied_seq_) image.applied.push_back(AppliedSeq{key.first, key.second, seq});
  return image;
}

// ---- reading --------------------------------------------------------------

const Alert* AlertStore::find(const std::string& rover, const std::string& key) const {
  const auto it = alerts_.find(AlertKey{rover, key});
  return it == alerts_.end() ? nullptr : &it->second;
}

const Alert* AlertStore::find_by_id(std::string_view alert_id) const {
  const auto it = by_id_.find(alert_id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<Alert> AlertStore::snapshot() const {
  std::vector<Alert> alerts;
  alerts.reserve(alerts_.size());
  for (const auto& [rev, alert] : by_rev_) alerts.push_back(*alert);
  return alerts;
}

SyncPage AlertStore::changes_since(const SyncQuery& query) const {
  SyncPage page;
  page.epoch = epoch_;
  const auto wanted = [&query](const Alert& alert) {
    if (!query.include_acknowledged && alert.acknowledged) return false;
    return query.priorities.empty() ||
           std::find(query.priorities.begin(), query.priorities.end(), alert.priority) != query.priorities.end();
  };

  std::uint64_t since = query.since_rev.value_or(0);
  bool reset = query.epoch && *query.epoch != epoch_;
  if (query.since_rev) {
    reset = reset || since > rev_ || since < history_floor_rev_;
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
    for (const auto& [rev, alert] : by_rev_) {
      if (wanted(*alert)) page.alerts.push_back(*alert);
    }
    return page;
  }

  const std::size_t max_count = std::max<std::size_t>(1, query.max_count);
  const std::uint64_t since_ms = query.since_rev ? 0 : query.since_ms.value_or(0);
  const bool by_time = !query.since_rev && query.since_ms.has_value();
  auto alert_it = by_rev_.upper_bound(since);
  auto tomb_it = std::upper_bound(tombstones_.begin(), tombstones_.end(), since,
                                  [](std::uint64_t rev, const Tombstone& t) { return rev < t.rev; });
  std::size_t count = 0;
  page.rev = rev_;
  while (alert_it != by_rev_.end() || tomb_it != tombstones_.end()) {
    const bool take_alert = tomb_it == tombstones_.end() ||
                            (alert_it != by_rev_.end() && alert_it->first < tomb_it->rev);
    const std::uint64_t entry_rev = take_alert ? alert_it->first : tomb_it->rev;
    if (count == max_count) {
      // A further entry exists: cut here; the client continues after the last one taken.
      page.more = true;
      page.rev = entry_rev - 1;
      break;
    }
    if (take_alert) {
      const Alert& alert = *alert_it->second;
      if (wanted(alert) && (!by_time || alert.timestamp_ms > since_ms)) {
        page.alerts.push_back(alert);
        ++count;
      }
      ++alert_it;
    } else {
      if (!by_time || tomb_it->removed_at_ms > since_ms) {
        page.removed.push_back(*tomb_it);
        ++count;
      }
      ++tomb_it;
    }
  }
  return page;
}

StoreStats AlertStore::stats() const {
  StoreStats stats;
  stats.alerts = alerts_.size();
  for (const auto& [key, alert] : alerts_) {
    ++stats.by_priority[static_cast<std::size_t>(alert.priority)];
    ++stats.by_state[static_cast<std::size_t>(alert.state())];
  }
  stats.rev = rev_;
  stats.epoch = epoch_;
  stats.tombstones = tombstones_.size();
  stats.history_floor_rev = history_floor_rev_;
  stats.pending_expiries = by_expiry_.size();
  return stats;
}

}  // namespace rover_alerts::relay
