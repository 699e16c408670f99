#include "delivery/subscription_filter.hpp"

#include <boost/test/unit_test.hpp>

using namespace rover_alerts::relay;

BOOST_AUTO_TEST_SUITE(subscription_filter)

BOOST_AUTO_TEST_CASE(empty_lists_mean_everything) {
  const SubscriptionFilter all({}, {});
  BOOST_TEST(all.matches(Priority::Info, "anything"));
  BOOST_TEST(all.key() == SubscriptionFilter().key());
}

BOOST_AUTO_TEST_CASE(priorities_and_sources_both_have_to_match) {
  const SubscriptionFilter filter({Priority::Critical, Priority::High}, {"power"});
  BOOST_TEST(filter.matches(Priority::High, "power"));
  BOOST_TEST(!filter.matches(Priority::Low, "power"));
  BOOST_TEST(!filter.matches(Priority::High, "navigation"));
  BOOST_TEST(filter.key() != SubscriptionFilter().key());
  BOOST_TEST(filter.key() == SubscriptionFilter({Priority::High, Priority::Critical}, {"power"}).key());
}

BOOST_AUTO_TEST_SUITE_END()
