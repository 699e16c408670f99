// AlarmRates: ISA-18.2 alarm rates, flood hysteresis and first-out,
// chattering, top keys, priority distribution, and every bound.
#include "store/alarm_rates.hpp"

#include <boost/test/unit_test.hpp>

#include <deque>
#include <random>

using namespace rover_alerts::relay;

namespace {

constexpr std::uint64_t kMinute = 60'000;

struct Tester {
  AlarmRateLimits limits;
  AlarmRates rates{limits};
  std::uint64_t now = 1'000'000'000;
  int serial = 0;

  std::optional<FloodChange> raise(const std::string& key = "k", Priority p = Priority::High,
                                   const std::string& rover = "rover-1") {
    return rates.on_annunciation(AlarmEvent{"id-" + std::to_string(++serial), rover, key, p, now});
  }
  void later(std::uint64_t ms) { now += ms; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(alarm_rates)

BOOST_FIXTURE_TEST_CASE(the_rate_counts_alarms_in_the_window_and_not_info, Tester) {
  raise("a");
  raise("b", Priority::Info);
  raise("c", Priority::Critical, "rover-2");
  BOOST_TEST(rates.rate(now) == 2u);
  BOOST_TEST(rates.rate_by_rover(now).at("rover-1") == 1u);
  BOOST_TEST(rates.rate_by_rover(now).at("rover-2") == 1u);
  later(11 * kMinute);
  BOOST_TEST(rates.rate(now) == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_flood_starts_above_the_threshold_with_the_first_alarm_of_the_cascade, Tester) {
  raise("long-ago");
  later(20 * kMinute);
  for (int i = 0; i < 10; ++i) BOOST_TEST(!raise("cascade-" + std::to_string(i)));
  const auto change = raise("eleventh");
  BOOST_REQUIRE(change);
  BOOST_TEST(change->started);
  BOOST_TEST(change->rate == 11u);
  BOOST_REQUIRE(change->first_out);
  BOOST_TEST(change->first_out->key == "cascade-0");
  BOOST_TEST(rates.in_flood());
  BOOST_TEST(rates.floods() == 1u);
  BOOST_TEST(!raise("more"));  // already in a flood: no second start
}

BOOST_FIXTURE_TEST_CASE(a_flood_ends_only_below_the_lower_threshold, Tester) {
  for (int i = 0; i < 11; ++i) raise("k" + std::to_string(i));
  BOOST_REQUIRE(rates.in_flood());
  // Five alarms in the last minutes keep it on as the older ones age out.
  later(5 * kMinute);
  for (int i = 0; i < 5; ++i) raise("late" + std::to_string(i));
  later(6 * kMinute);
  BOOST_TEST(rates.rate(now) == 5u);
  BOOST_TEST(!rates.tick(now));
  BOOST_TEST(rates.in_flood());
  later(5 * kMinute);
  const auto change = rates.tick(now);
  BOOST_REQUIRE(change);
  BOOST_TEST(!change->started);
  BOOST_TEST(!rates.in_flood());
}

BOOST_FIXTURE_TEST_CASE(a_key_raised_three_times_in_a_minute_chatters, Tester) {
  raise("steady");
  later(40 * 1000);
  raise("steady");
  later(40 * 1000);
  raise("steady");  // three, but over 80 s
  for (int i = 0; i < 3; ++i) {
    raise("flappy");
    later(10 * 1000);
  }
  const auto chatter = rates.chattering(now);
  BOOST_REQUIRE_EQUAL(chatter.size(), 1u);
  BOOST_TEST(chatter[0].key == "flappy");
  later(2 * kMinute);
  BOOST_TEST(rates.chattering(now).empty());  // it stopped
}

BOOST_FIXTURE_TEST_CASE(top_keys_are_the_most_frequent_over_the_kpi_window, Tester) {
  for (int k = 0; k < 12; ++k)
    for (int i = 0; i <= k; ++i) raise("key-" + std::to_string(k));
  const auto top = rates.top_keys(now);
  BOOST_REQUIRE_EQUAL(top.size(), 10u);
  BOOST_TEST(top[0].key == "key-11");
  BOOST_TEST(top[0].count == 12u);
  BOOST_TEST(top[9].key == "key-2");
  later(25ull * 60 * kMinute);
  BOOST_TEST(rates.top_keys(now).empty());
}

BOOST_FIXTURE_TEST_CASE(the_priority_distribution_is_counted_over_the_kpi_window, Tester) {
  raise("c", Priority::Critical);
  for (int i = 0; i < 3; ++i) raise("h", Priority::High);
  for (int i = 0; i < 16; ++i) raise("l", Priority::Low);
  raise("i", Priority::Info);
  const auto by = rates.by_priority(now);
  BOOST_TEST(by[0] == 1u);
  BOOST_TEST(by[1] == 3u);
  BOOST_TEST(by[3] == 16u);
  BOOST_TEST(by[4] == 0u);
}

BOOST_AUTO_TEST_CASE(past_max_keys_the_key_quiet_the_longest_is_forgotten) {
  AlarmRateLimits limits;
  limits.max_keys = 3;
  AlarmRates rates(limits);
  std::uint64_t now = 1'000'000;
  for (const char* key : {"a", "b", "c", "a", "d"}) rates.on_annunciation(AlarmEvent{"x", "r", key, Priority::Low, now += 1000});
  BOOST_TEST(rates.keys_forgotten() == 1u);
  std::set<std::string> kept;
  for (const auto& k : rates.top_keys(now)) kept.insert(k.key);
  BOOST_TEST((kept == std::set<std::string>{"a", "c", "d"}));  // b was quiet the longest
}

BOOST_AUTO_TEST_CASE(past_max_rovers_the_rover_quiet_the_longest_is_forgotten) {
  AlarmRateLimits limits;
  limits.max_rovers = 2;
  AlarmRates rates(limits);
  std::uint64_t now = 1'000'000;
  for (const char* rover : {"r1", "r2", "r1", "r3"}) rates.on_annunciation(AlarmEvent{"x", rover, "k", Priority::Low, now += 1000});
  const auto by_rover = rates.rate_by_rover(now);
  BOOST_TEST(by_rover.size() == 2u);
  BOOST_TEST(by_rover.count("r2") == 0u);
  BOOST_TEST(rates.rate(now) == 4u);  // the overall rate forgets nothing
}

// Random annunciation times against an exact model (every timestamp kept):
// the bucketed window is never short and over by at most one slot's worth.
BOOST_AUTO_TEST_CASE(bucketed_counts_match_an_exact_window_to_one_slot) {
  const std::uint64_t span = 10 * kMinute;
  const std::uint64_t slot = span / BucketedCount::kBuckets;
  BucketedCount counted(span);
  std::deque<std::uint64_t> model;
  std::mt19937 random(11);
  std::uint64_t now = 5'000'000;
  for (int i = 0; i < 20000; ++i) {
    now += random() % 2000;
    counted.add(now);
    model.push_back(now);
    const std::uint64_t total = counted.total(now);
    const auto within = [&](std::uint64_t ms) {
      return static_cast<std::uint64_t>(std::count_if(model.begin(), model.end(), [&](std::uint64_t t) { return t + ms > now; }));
    };
    if (i % 97 == 0) {
      BOOST_TEST_REQUIRE(total >= within(span - slot));
      BOOST_TEST_REQUIRE(total <= within(span));
    }
    while (!model.empty() && model.front() + 2 * span < now) model.pop_front();
  }
}

BOOST_AUTO_TEST_SUITE_END()
