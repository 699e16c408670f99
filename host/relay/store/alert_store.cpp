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
  return rover + "-" + boot_hex.data() + "-" + std::to_string(seq);
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

AlertStore::AlertStore(std::string epoch) : epoch_(std::move(epoch)) {}

AlertStore::ApplyResult AlertStore::apply_rover_event(const std::string& rover, std::uint64_t boot_id,
                                                      std::uint64_t seq, const RoverEvent& event) {
  auto& applied = applied_seq_[{rover, boot_id}];
  if (seq <= applied) return ApplyResult::Duplicate;
  applied = seq;

  const AlertKey key{rover, event.key};
  const auto it = alerts_.find(key);
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
      if (it != alerts_.end() && it->second.active) clear_existing(key, it->second, event.last_seen_ms);
      break;
  }
  return ApplyResult::Applied;
}

std::uint64_t AlertStore::applied_seq(const std::string& rover, std::uint64_t boot_id) const {
  const auto it = applied_seq_.find({rover, boot_id});
  return it == applied_seq_.end() ? 0 : it->second;
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

  const AlertKey key{rover, event.key};
  key_by_id_[alert.id] = key;
  auto& stored = alerts_.emplace(key, std::move(alert)).first->second;
  commit(ChangeType::New, stored, event.last_seen_ms);
}

void AlertStore::update_existing(Alert& alert, const RoverEvent& event) {
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
  commit(ChangeType::Update, alert, event.last_seen_ms);
}

void AlertStore::clear_existing(const AlertKey& key, Alert& alert, std::uint64_t at_ms) {
  alert.active = false;
  if (alert.acknowledged && !alert.persistent) {
    remove(key, at_ms);
    return;
  }
  commit(ChangeType::Update, alert, at_ms);
}

bool AlertStore::acknowledge(const std::string& alert_id, const std::string& user, std::uint64_t at_ms) {
  const auto id_it = key_by_id_.find(alert_id);
  if (id_it == key_by_id_.end()) return false;
  const AlertKey key = id_it->second;
  Alert& alert = alerts_.at(key);
  alert.acknowledged = true;
  alert.acknowledged_by = user;
  alert.acknowledged_at_ms = at_ms;
  if (!alert.active && !alert.persistent) {
    remove(key, at_ms);
  } else {
    commit(ChangeType::Update, alert, at_ms);
  }
  return true;
}

void AlertStore::remove(const AlertKey& key, std::uint64_t at_ms) {
  auto node = alerts_.extract(key);
  key_by_id_.erase(node.mapped().id);
  commit(ChangeType::Remove, node.mapped(), at_ms);
}

void AlertStore::commit(ChangeType type, Alert& alert, std::uint64_t at_ms) {
  alert.rev = ++rev_;
  alert.timestamp_ms = at_ms;
  if (observer_) observer_(AlertChange{type, alert, alert.rev});
}

const Alert* AlertStore::find(const std::string& rover, const std::string& key) const {
  const auto it = alerts_.find({rover, key});
  return it == alerts_.end() ? nullptr : &it->second;
}

const Alert* AlertStore::find_by_id(const std::string& alert_id) const {
  const auto it = key_by_id_.find(alert_id);
  return it == key_by_id_.end() ? nullptr : find(it->second.first, it->second.second);
}

std::vector<Alert> AlertStore::snapshot() const {
  std::vector<Alert> alerts;
  alerts.reserve(alerts_.size());
  for (const auto& [key, alert] : alerts_) alerts.push_back(alert);
  std::sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) { return a.rev < b.rev; });
  return alerts;
}

}  // namespace rover_alerts::relay
