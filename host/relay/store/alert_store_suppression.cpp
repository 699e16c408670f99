// AlertStore: shelving and out of service (suppression.hpp), apart from the
// lifecycle in alert_store.cpp. Every change here is an ordinary change of
// the alert (a new rev, journaled, published), so every client and a
// sinceRev resync see it like an ack.

#include "store/alert_store.hpp"

#include <cassert>

namespace rover_alerts::relay {

void AlertStore::set_shelf(Slot slot, std::optional<Shelf> shelf) {
  AlertRecord& r = records_[slot];
  if (const Shelf* old = r.shelf()) by_shelf_end_.erase({old->until_ms, slot});
  if (!r.suppression) {
    if (!shelf) return;
    r.suppression = std::make_unique<AlertSuppression>();
  }
  r.suppression->shelf = std::move(shelf);
  r.suppression->warned = false;
  if (const Shelf* now = r.shelf()) by_shelf_end_.emplace(now->until_ms, slot);
  if (!r.suppression->shelf && !r.suppression->out_of_service) r.suppression.reset();
}

void AlertStore::set_out_of_service(Slot slot, const OutOfService* rule) {
  AlertRecord& r = records_[slot];
  if (!r.suppression) {
    if (rule == nullptr) return;
    r.suppression = std::make_unique<AlertSuppression>();
  }
  if (rule != nullptr) r.suppression->out_of_service = *rule;
  else r.suppression->out_of_service.reset();
  if (!r.suppression->shelf && !r.suppression->out_of_service) r.suppression.reset();
}

// The rover's rule before the source's: the rover is the wider outage.
const OutOfService* AlertStore::out_of_service_rule_for(const AlertRecord& r) const {
  if (out_of_service_.empty()) return nullptr;
  if (!r.has(AlertRecord::kGround)) {
    const auto rover = out_of_service_.find({ServiceScope::Rover, std::string(strings_.view(r.rover))});
    if (rover != out_of_service_.end()) return &rover->second;
  }
  const auto source = out_of_service_.find({ServiceScope::Source, std::string(strings_.view(r.source))});
  return source == out_of_service_.end() ? nullptr : &source->second;
}

void AlertStore::suppress_new(Slot slot) {
  const AlertRecord& r = records_[slot];
  if (!key_shelves_.empty()) {
    const auto shelf = key_shelves_.find({std::string(strings_.view(r.rover)), std::string(r.text.key())});
    if (shelf != key_shelves_.end()) set_shelf(slot, shelf->second);
  }
  if (const OutOfService* rule = out_of_service_rule_for(r)) set_out_of_service(slot, rule);
}

bool AlertStore::erase_key_shelf(const std::pair<std::string, std::string>& key) {
  warned_key_shelves_.erase(key);
  if (key_shelves_.erase(key) == 0) return false;
  if (recorder_ != nullptr) recorder_->record_key_shelf(key.first, key.second, nullptr);
  return true;
}

void AlertStore::end_shelf(Slot slot, std::uint64_t at_ms) {
  const std::optional<Alert> before = state_before_update(slot);
  set_shelf(slot, std::nullopt);
  // Whatever was acknowledged before or during the shelf, the condition
  // still holds: the operator on duty now must see it and acknowledge it.
  forget_acknowledgement(records_[slot]);
  commit(ChangeType::Update, slot, at_ms, records_[slot].expires_at_ms, before);
}

void AlertStore::forget_acknowledgement(AlertRecord& r) {
  if (!r.has(AlertRecord::kActive) || !r.has(AlertRecord::kAcknowledged)) return;
  r.set(AlertRecord::kAcknowledged, false);
  set_string(r.acknowledged_by, {});
  set_string(r.ack_comment, {});
  r.acknowledged_at_ms = 0;
}

bool AlertStore::rearm(std::string_view alert_id, std::uint64_t now_ms) {
  const Slot slot = find_slot_by_id(alert_id);
  if (slot == kNoSlot) return false;
  const AlertRecord& r = records_[slot];
  if (!r.has(AlertRecord::kActive) || !r.has(AlertRecord::kAcknowledged)) return false;
  const std::optional<Alert> before = state_before_update(slot);
  forget_acknowledgement(records_[slot]);
  commit(ChangeType::Update, slot, now_ms, records_[slot].expires_at_ms, before);
  return true;
}

SuppressionResult AlertStore::shelve(const ShelveRequest& request, std::uint64_t now_ms) {
  assert(request.until_ms > now_ms);  // the protocol layer bounds the duration
  SuppressionResult result;
  Slot slot = kNoSlot;
  std::pair<std::string, std::string> key{request.rover, request.key};
  if (!request.alert_id.empty()) {
    slot = find_slot_by_id(request.alert_id);
    if (slot == kNoSlot) return result;
    key = {std::string(strings_.view(records_[slot].rover)), std::string(records_[slot].text.key())};
  } else {
    slot = find_slot(request.rover, request.key);
  }
  const bool by_key = request.by_key || request.alert_id.empty();
  Shelf shelf{request.by, request.reason, now_ms, request.until_ms, request.one_shot, by_key};
  if (by_key) {
    if (!key_shelves_.contains(key) && key_shelves_.size() >= suppression_limits_.max_key_shelves) {
      result.status = SuppressionStatus::TooMany;
      return result;
    }
    key_shelves_[key] = shelf;
    warned_key_shelves_.erase(key);  // a new end, warned in its time
    if (recorder_ != nullptr) recorder_->record_key_shelf(key.first, key.second, &shelf);
    result.rules_changed = true;
  }
  result.status = SuppressionStatus::Ok;
  if (slot == kNoSlot) return result;  // a key shelf waiting for the next occurrence
  // An alert shelved alone that had a key shelf: the key's shelf ends with this one.
  if (!by_key && erase_key_shelf(key)) result.rules_changed = true;
  const std::optional<Alert> before = state_before_update(slot);
  set_shelf(slot, std::move(shelf));
  commit(ChangeType::Update, slot, now_ms, records_[slot].expires_at_ms, before);
  result.alert = to_alert(records_[slot]);
  result.alerts = 1;
  return result;
}

SuppressionResult AlertStore::unshelve(std::string_view alert_id, std::string_view rover, std::string_view key,
                                       std::uint64_t now_ms) {
  SuppressionResult result;
  Slot slot = kNoSlot;
  bool key_shelf = false;
  if (!alert_id.empty()) {
    slot = find_slot_by_id(alert_id);
    if (slot == kNoSlot || records_[slot].shelf() == nullptr) return result;
    const AlertRecord& r = records_[slot];
    if (r.shelf()->by_key) {
      erase_key_shelf({std::string(strings_.view(r.rover)), std::string(r.text.key())});
      key_shelf = true;
    }
  } else {
    const std::pair<std::string, std::string> k{std::string(rover), std::string(key)};
    key_shelf = key_shelves_.contains(k);
    erase_key_shelf(k);
    slot = find_slot(rover, key);
    if (slot != kNoSlot && (records_[slot].shelf() == nullptr || !records_[slot].shelf()->by_key)) slot = kNoSlot;
    if (!key_shelf && slot == kNoSlot) return result;
  }
  result.status = SuppressionStatus::Ok;
  result.rules_changed = key_shelf;
  if (slot == kNoSlot) return result;
  end_shelf(slot, now_ms);
  result.alert = to_alert(records_[slot]);
  result.alerts = 1;
  return result;
}

SuppressionResult AlertStore::set_out_of_service(const OutOfService& rule, std::uint64_t now_ms) {
  SuppressionResult result;
  const std::pair<ServiceScope, std::string> target{rule.scope, rule.value};
  if (!out_of_service_.contains(target) && out_of_service_.size() >= suppression_limits_.max_out_of_service) {
    result.status = SuppressionStatus::TooMany;
    return result;
  }
  const OutOfService& kept = out_of_service_[target] = rule;
  if (recorder_ != nullptr) recorder_->record_out_of_service(rule.scope, rule.value, &kept);
  result.status = SuppressionStatus::Ok;
  result.rules_changed = true;
  result.alerts = apply_out_of_service_rules(now_ms);
  return result;
}

SuppressionResult AlertStore::return_to_service(ServiceScope scope, std::string_view value, std::uint64_t now_ms) {
  SuppressionResult result;
  const auto found = out_of_service_.find({scope, std::string(value)});
  if (found == out_of_service_.end()) return result;
  out_of_service_.erase(found);
  if (recorder_ != nullptr) recorder_->record_out_of_service(scope, std::string(value), nullptr);
  result.status = SuppressionStatus::Ok;
  result.rules_changed = true;
  result.alerts = apply_out_of_service_rules(now_ms);
  return result;
}

// Every held alert gets the rule that applies to it now (a rover's before a
// source's; none once both are back in service): a change for each that differs.
std::size_t AlertStore::apply_out_of_service_rules(std::uint64_t now_ms) {
  std::vector<Slot> changed;
  for_each_after(0, [&](Slot slot) {
    const AlertRecord& r = records_[slot];
    const OutOfService* applies = out_of_service_rule_for(r);
    const OutOfService* has = r.suppression && r.suppression->out_of_service ? &*r.suppression->out_of_service : nullptr;
    if ((applies == nullptr) != (has == nullptr) || (applies != nullptr && !(*has == *applies))) changed.push_back(slot);
    return true;
  });
  for (const Slot slot : changed) {
    const std::optional<Alert> before = state_before_update(slot);
    set_out_of_service(slot, out_of_service_rule_for(records_[slot]));
    commit(ChangeType::Update, slot, now_ms, records_[slot].expires_at_ms, before);
  }
  return changed.size();
}

std::vector<ShelfEnded> AlertStore::expire_shelves(std::uint64_t now_ms) {
  std::vector<ShelfEnded> ended;
  // Key shelves first: the held occurrence of a key shelf ends with it.
  for (auto it = key_shelves_.begin(); it != key_shelves_.end();) {
    if (it->second.until_ms > now_ms) {
      ++it;
      continue;
    }
    const auto key = it->first;
    ShelfEnded end{{}, key.first, key.second, it->second};
    ++it;
    erase_key_shelf(key);
    const Slot slot = find_slot(key.first, key.second);
    if (slot != kNoSlot && records_[slot].shelf() != nullptr && records_[slot].shelf()->by_key) {
      end.alert_id = id_of(records_[slot]);
      end_shelf(slot, now_ms);
    }
    ended.push_back(std::move(end));
  }
  while (!by_shelf_end_.empty() && by_shelf_end_.begin()->first <= now_ms) {
    const Slot slot = by_shelf_end_.begin()->second;
    const AlertRecord& r = records_[slot];
    ended.push_back(ShelfEnded{id_of(r), std::string(strings_.view(r.rover)), std::string(r.text.key()), *r.shelf()});
    end_shelf(slot, now_ms);
  }
  return ended;
}

std::optional<std::uint64_t> AlertStore::next_shelf_expiry() const {
  std::optional<std::uint64_t> next;
  if (!by_shelf_end_.empty()) next = by_shelf_end_.begin()->first;
  for (const auto& [key, shelf] : key_shelves_)
    if (!next || shelf.until_ms < *next) next = shelf.until_ms;
  return next;
}

std::vector<ShelfEnded> AlertStore::take_shelf_warnings(std::uint64_t now_ms, std::uint64_t lead_ms) {
  std::vector<ShelfEnded> warnings;
  for (auto it = by_shelf_end_.begin(); it != by_shelf_end_.end() && it->first <= now_ms + lead_ms; ++it) {
    AlertRecord& r = records_[it->second];
    if (r.suppression->warned) continue;
    r.suppression->warned = true;
    warnings.push_back(ShelfEnded{id_of(r), std::string(strings_.view(r.rover)), std::string(r.text.key()), *r.shelf()});
  }
  // A key shelf with no occurrence held: nothing comes back when it ends, but
  // the key's next alerts are announced again, so its end is announced too.
  for (const auto& [key, shelf] : key_shelves_) {
    if (shelf.until_ms > now_ms + lead_ms || warned_key_shelves_.contains(key)) continue;
    const Slot slot = find_slot(key.first, key.second);
    if (slot != kNoSlot && records_[slot].shelf() != nullptr && records_[slot].shelf()->by_key) continue;  // above
    warned_key_shelves_.insert(key);
    warnings.push_back(ShelfEnded{{}, key.first, key.second, shelf});
  }
  return warnings;
}

void AlertStore::restore_key_shelf(const KeyShelf& shelf) { key_shelves_[{shelf.rover, shelf.key}] = shelf.shelf; }

void AlertStore::restore_out_of_service(const OutOfService& rule) { out_of_service_[{rule.scope, rule.value}] = rule; }

}  // namespace rover_alerts::relay
