#include "delivery/subscription_filter.hpp"

namespace rover_alerts::relay {

SubscriptionFilter::SubscriptionFilter() { priorities_.set(); }

SubscriptionFilter::SubscriptionFilter(const std::vector<Priority>& priorities,
                                       const std::vector<std::string>& sources)
    : sources_(sources.begin(), sources.end()) {
  if (priorities.empty()) priorities_.set();
  for (const Priority p : priorities) priorities_.set(static_cast<std::size_t>(p));
}

bool SubscriptionFilter::matches(Priority priority, std::string_view source) const {
  if (!priorities_.test(static_cast<std::size_t>(priority))) return false;
  return sources_.empty() || sources_.contains(source);
}

}  // namespace rover_alerts::relay
