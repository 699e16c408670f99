#pragma once
// Reading the relay's JSON messages in tests: one object, or a failed test.

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

namespace rover_alerts::testing {

inline boost::json::object parse_object(const std::optional<std::string>& text) {
  BOOST_REQUIRE_MESSAGE(text, "no message arrived");
  boost::json::error_code ec;
  auto value = boost::json::parse(*text, ec);
  BOOST_REQUIRE_MESSAGE(!ec && value.is_object(), "not a JSON object: " << *text);
  return value.as_object();
}

// The error code of a `response` (ok:false) or `error` message.
inline std::string error_code_of(const boost::json::object& message) {
  const auto* error = message.if_contains("error");
  if (error == nullptr || !error->is_object()) return "";
  return std::string(error->at("code").as_string());
}

}  // namespace rover_alerts::testing
