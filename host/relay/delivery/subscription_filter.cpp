#include "delivery/subscription_filter.hpp"

namespace rover_alerts::relay {

namespace {

std::string key_of(const std::bitset<kPriorityCount>& priorities, const std::set<std::string, std::less<>>& sources) {
  std::string key = priorities.to_string();
  // Sources are sorted; a length prefix keeps names with separators apart.
  for (const std::string& source : sources) key += ";" + std::to_string(source.size()) + ":" + source;
  return key;
}

}  // namespace

SubscriptionFilter::SubscriptionFilter() {
  priorities_.set();
  key_ = key_of(priorities_, sources_);
}

SubscriptionFilter::SubscriptionFilter(const std::vector<Priority>& priorities,
                                       const std::vector<std::string>& sources)
    : sources_(sources.begin(), sources.end()) {
  if (priorities.empty()) priorities_.set();
  for (const Priority p : priorities) priorities_.set(static_cast<std::size_t>(p));
  key_ = key_of(priorities_, sources_);
}

bool SubscriptionFilter::matches(Priority priority, std::string_view source) const {
  if (!priorities_.test(static_cast<std::size_t>(priority))) return false;
  return sources_.empty() || sources_.contains(source);
}

std::vector<Priority> SubscriptionFilter::priorities() const {
  std::vector<Priority> out;
  if (priorities_.all()) return out;  // all: no restriction
  for (std::size_t i = 0; i < kPriorityCount; ++i)
    if (priorities_.test(i)) out.push_back(static_cast<Priority>(i));
  return out;
}

}  // namespace rover_alerts::relay
