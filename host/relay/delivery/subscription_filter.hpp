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
  // The priorities it lets through, for store queries.
  std::vector<Priority> priorities() const;
  // Equal for filters that let the same changes through: clients with equal
  // keys share encoded batches.
  const std::string& key() const { return key_; }

 private:
  std::bitset<kPriorityCount> priorities_;
  std::set<std::string, std::less<>> sources_;
  std::string key_;
};

}  // namespace rover_alerts::relay
