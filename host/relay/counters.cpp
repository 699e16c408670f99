#include "counters.hpp"

namespace rover_alerts::relay {

std::uint64_t Counters::value(const std::string& series) const {
  const auto it = values_.find(series);
  return it == values_.end() ? 0 : it->second;
}

std::string Counters::series(std::string_view name, std::string_view label, std::string_view value) {
  std::string s;
  s.reserve(name.size() + label.size() + value.size() + 5);
  s.append(name).append("{").append(label).append("=\"").append(value).append("\"}");
  return s;
}

}  // namespace rover_alerts::relay
