// KeepAliveLimits::first_ping_after: the first pings of connections made
// together are spread over the ping interval, not sent in one moment.

#include "delivery/delivery_limits.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

using namespace rover_alerts::relay;
using namespace std::chrono_literals;

namespace {

// How many of `count` consecutive connections from `first` have their first
// ping in each tenth of the interval; every delay is within (0, interval].
std::array<std::size_t, 10> tenths(const KeepAliveLimits& limits, std::uint64_t first, std::size_t count) {
  std::array<std::size_t, 10> histogram{};
  for (std::uint64_t connection = first; connection < first + count; ++connection) {
    const auto after = limits.first_ping_after(connection);
    BOOST_TEST_REQUIRE(after.count() >= 1);
    BOOST_TEST_REQUIRE(after <= limits.ping_interval);
    ++histogram[static_cast<std::size_t>(after * 10 / limits.ping_interval) % 10];
  }
  return histogram;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keep_alive)

BOOST_AUTO_TEST_CASE(the_first_pings_of_a_thousand_connections_made_together_are_spread_over_the_interval) {
  const KeepAliveLimits limits;
  for (const std::uint64_t first : {std::uint64_t{1}, std::uint64_t{123'457}, std::uint64_t{1} << 40}) {
    for (const std::size_t in_tenth : tenths(limits, first, 1000)) {
      BOOST_TEST(in_tenth >= 90u, "from connection " << first);
      BOOST_TEST(in_tenth <= 110u, "from connection " << first);
    }
  }
}

BOOST_AUTO_TEST_CASE(even_ten_connections_made_together_are_pinged_at_ten_different_moments) {
  const KeepAliveLimits limits;
  for (const std::size_t in_tenth : tenths(limits, 77, 10)) BOOST_TEST(in_tenth <= 2u);
}

BOOST_AUTO_TEST_CASE(the_spread_follows_a_configured_interval) {
  KeepAliveLimits limits;
  limits.ping_interval = 1s;
  for (const std::size_t in_tenth : tenths(limits, 5, 500)) BOOST_TEST(in_tenth >= 40u);
  limits.ping_interval = 1ms;  // the shortest: no first ping at 0
  BOOST_TEST(limits.first_ping_after(3).count() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
