#pragma once
// Which alert changes one subscription wants: by priority and by source.

#include "store/alert.hpp"

#include <bitset>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

class SubscriptionFilter {
 public:
  // Everything.
  SubscriptionFilter();
  // Empty `priorities` or `sources` mean "all".
  SubscriptionFilter(const std::vector<Priority>& priorities, const std::vector<std::string>& sources);

  bool matches(Priority priority, std::string_view source) const;

 private:
  std::bitset<kPriorityCount> priorities_;
  std::set<std::string, std::less<>> sources_;
};

}  // namespace rover_alerts::relay
