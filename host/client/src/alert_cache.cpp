#include <rover_alerts/ground/alert_cache.hpp>

#include <algorithm>
#include <cassert>

namespace rover_alerts::ground {

namespace json = boost::json;

namespace {

int urgency(Priority p) { return 4 - static_cast<int>(p); }  // critical 4 .. info 0

// The held message with a delta's fields applied (null removes a field).
json::object merged(const json::object& held, const AlertChange& delta) {
  json::object out = held;
  for (const char* member : {"type", "priority", "timestamp", "rev"})
    if (const json::value* v = delta.message.if_contains(member)) out[member] = *v;
  json::object& data = out["data"].is_object() ? out["data"].as_object() : out["data"].emplace_object();
  for (const auto& [name, value] : delta.message.at("data").as_object()) {
    if (value.is_null())
      data.erase(name);
    else
      data[name] = value;
  }
  return out;
}

}  // namespace

AlertCache::AlertCache(std::size_t capacity) : capacity_(capacity) { assert(capacity > 0); }

void AlertCache::reset(std::string epoch) {
  epoch_ = std::move(epoch);
  resume_rev_ = 0;
  alerts_.clear();
  by_urgency_.clear();
  tombstones_.clear();
  tombstone_order_.clear();
}

void AlertCache::advance_resume_rev(std::uint64_t rev) { resume_rev_ = std::max(resume_rev_, rev); }

AlertCache::Rank AlertCache::rank_of(const Alert& a) { return Rank{urgency(a.priority()), a.rev(), a.id()}; }

void AlertCache::erase(std::map<std::string, Alert, std::less<>>::iterator it) {
  by_urgency_.erase(rank_of(it->second));
  alerts_.erase(it);
}

ApplyResult AlertCache::apply(const AlertChange& change) {
  const auto it = alerts_.find(change.id);
  if (it == alerts_.end()) {
    if (const auto gone = tombstones_.find(change.id); gone != tombstones_.end() && gone->second >= change.rev)
      return ApplyResult::Stale;
    if (change.is_delta()) return ApplyResult::DeltaMissed;
    if (change.gone()) {  // nothing held to remove; an older change must not bring it in later
      bury(change);
      return ApplyResult::Stale;
    }
    return insert(change);
  }
  Alert& held = it->second;
  if (change.rev <= held.rev()) return ApplyResult::Stale;
  if (change.gone()) {
    erase(it);
    bury(change);
    return ApplyResult::Removed;
  }
  if (change.is_delta() && change.base_rev() != held.rev()) return ApplyResult::DeltaMissed;
  by_urgency_.erase(rank_of(held));
  if (change.is_delta()) {
    json::object whole = merged(held.latest_.message, change);
    whole.erase("delta");
    whole.erase("baseRev");
    AlertChange resolved = change;
    resolved.message = std::move(whole);
    held.latest_ = std::move(resolved);
  } else {
    held.latest_ = change;
  }
  by_urgency_.insert(rank_of(held));
  return ApplyResult::Applied;
}

void AlertCache::bury(const AlertChange& change) {
  auto [it, inserted] = tombstones_.try_emplace(change.id, change.rev);
  if (!inserted) {
    it->second = std::max(it->second, change.rev);
    return;
  }
  tombstone_order_.push_back(change.id);
  if (tombstone_order_.size() > kMaxTombstones) {
    tombstones_.erase(tombstone_order_.front());
    tombstone_order_.pop_front();
  }
}

ApplyResult AlertCache::insert(const AlertChange& change) {
  ApplyResult result = ApplyResult::Applied;
  if (alerts_.size() >= capacity_) {
    const Rank& least = *by_urgency_.begin();
    // Room only for something more urgent, or as urgent and newer.
    if (Rank{urgency(change.priority), change.rev, change.id} < least) {
      ++evicted_;
      return ApplyResult::NotKept;
    }
    erase(alerts_.find(std::get<2>(least)));
    ++evicted_;
    result = ApplyResult::Evicted;
  }
  const auto [it, inserted] = alerts_.emplace(change.id, Alert(change));
  assert(inserted);
  by_urgency_.insert(rank_of(it->second));
  return result;
}

const Alert* AlertCache::find(std::string_view id) const {
  const auto it = alerts_.find(id);
  return it == alerts_.end() ? nullptr : &it->second;
}

std::vector<const Alert*> AlertCache::sorted() const {
  std::vector<const Alert*> out;
  out.reserve(alerts_.size());
  for (const auto& [id, alert] : alerts_) out.push_back(&alert);
  std::sort(out.begin(), out.end(), [](const Alert* a, const Alert* b) {
    if (a->acknowledged() != b->acknowledged()) return !a->acknowledged();
    if (a->priority() != b->priority()) return a->priority() < b->priority();
    if (a->timestamp() != b->timestamp()) return a->timestamp() > b->timestamp();
    return a->id() < b->id();
  });
  return out;
}

void AlertCache::for_each(const std::function<void(const Alert&)>& visit) const {
  for (const auto& [id, alert] : alerts_) visit(alert);
}

std::size_t AlertCache::unacknowledged(bool info_owes_ack) const {
  return static_cast<std::size_t>(std::count_if(alerts_.begin(), alerts_.end(), [&](const auto& entry) {
    const Alert& a = entry.second;
    return !a.acknowledged() && (info_owes_ack || a.priority() != Priority::Info);
  }));
}

}  // namespace rover_alerts::ground
