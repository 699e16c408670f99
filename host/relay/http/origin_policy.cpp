#include "http/origin_policy.hpp"

#include <algorithm>

namespace rover_alerts::relay {

std::string normalise_origin(std::string_view origin) {
  while (!origin.empty() && (origin.front() == ' ' || origin.front() == '\t')) origin.remove_prefix(1);
  while (!origin.empty() && (origin.back() == ' ' || origin.back() == '\t')) origin.remove_suffix(1);
  if (!origin.empty() && origin.back() == '/') origin.remove_suffix(1);
  std::string out(origin);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed) {
  for (const auto& origin : allowed) allowed_.push_back(normalise_origin(origin));
}

bool OriginPolicy::allows(std::optional<std::string_view> origin) const {
  if (allowed_.empty() || !origin) return true;
  const std::string wanted = normalise_origin(*origin);
  return std::find(allowed_.begin(), allowed_.end(), wanted) != allowed_.end();
}

}  // namespace rover_alerts::relay
