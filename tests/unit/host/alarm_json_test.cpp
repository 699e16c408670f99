// The alarm-management figures as clients see them: the alarm_flood notice
// and get_stats' `alarms` section, from a real AlarmRates.
#include "protocol/alarm_json.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace rover_alerts::relay;
namespace json = boost::json;

namespace {

constexpr std::uint64_t kT0 = 1'000'000'000;

// Floods `rates` with `n` alarms of `key`, one ms apart; the last flood change.
std::optional<FloodChange> raise_many(AlarmRates& rates, int n, const std::string& key, Priority p) {
  std::optional<FloodChange> last;
  for (int i = 0; i < n; ++i) {
    auto change = rates.on_annunciation(
        AlarmEvent{"rover-1-" + std::to_string(i), "rover-1", key, p, kT0 + static_cast<std::uint64_t>(i)});
    if (change) last = change;
  }
  return last;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alarm_json)

BOOST_AUTO_TEST_CASE(flood_notice_names_the_first_out_alarm) {
  AlarmRates rates;
  const auto started = raise_many(rates, 11, "power/low", Priority::High);
  BOOST_TEST_REQUIRE(started.has_value());
  const json::object m = json::parse(alarm_flood_message(*started, rates.limits())).as_object();
  BOOST_TEST(m.at("type").as_string() == "alarm_flood");
  BOOST_TEST(m.at("active").as_bool());
  BOOST_TEST(m.at("rate").to_number<std::uint64_t>() == 11u);
  BOOST_TEST(m.at("floodStart").to_number<std::uint64_t>() == 10u);
  BOOST_TEST(m.at("windowMs").to_number<std::uint64_t>() == 600'000u);
  const json::object& first = m.at("firstOut").as_object();
  BOOST_TEST(first.at("id").as_string() == "rover-1-0");  // the first of the cascade
  BOOST_TEST(first.at("rover").as_string() == "rover-1");
  BOOST_TEST(first.at("priority").as_string() == "high");

  const auto ended = rates.tick(kT0 + rates.limits().window_ms + 1);
  BOOST_TEST_REQUIRE(ended.has_value());
  const json::object e = json::parse(alarm_flood_message(*ended, rates.limits())).as_object();
  BOOST_TEST(!e.at("active").as_bool());
  BOOST_TEST(!e.contains("firstOut"));
}

BOOST_AUTO_TEST_CASE(stats_carry_rate_flood_chatter_top_keys_and_priority_share) {
  AlarmRates rates;
  raise_many(rates, 8, "drive/overtemp", Priority::Critical);
  raise_many(rates, 4, "comms/degraded", Priority::Low);
  raise_many(rates, 3, "nav/waypoint", Priority::Info);  // notifications: not alarms
  StoreStats store;
  store.standing = 2;
  store.oldest_standing_id = "rover-1-0000000000000001-7";
  store.oldest_standing_since_ms = kT0 - 90'000'000;
  const json::object s = alarm_figures(rates, store, kT0 + 100);
  BOOST_TEST(s.at("standing").at("count").to_number<int>() == 2);
  BOOST_TEST(s.at("standing").at("afterMs").to_number<std::uint64_t>() == 24ull * 3600'000);
  BOOST_TEST(s.at("standing").at("oldest").at("id").as_string() == "rover-1-0000000000000001-7");
  BOOST_TEST(s.at("rate").to_number<std::uint64_t>() == 12u);
  BOOST_TEST(s.at("rateByRover").at("rover-1").to_number<std::uint64_t>() == 12u);
  BOOST_TEST(s.at("flood").at("active").as_bool());
  BOOST_TEST(s.at("flood").at("firstOut").at("key").as_string() == "drive/overtemp");
  BOOST_TEST(s.at("flood").at("count").to_number<std::uint64_t>() == 1u);
  BOOST_TEST(s.at("chattering").as_array().size() == 2u);
  const json::array& top = s.at("topKeys").as_array();
  BOOST_TEST_REQUIRE(top.size() == 2u);
  BOOST_TEST(top[0].at("key").as_string() == "drive/overtemp");
  BOOST_TEST(top[0].at("count").to_number<std::uint64_t>() == 8u);
  BOOST_TEST(s.at("byPriority").at("critical").to_number<std::uint64_t>() == 8u);
  BOOST_TEST(!s.at("byPriority").as_object().contains("info"));
  BOOST_TEST(s.at("priorityShare").at("critical").to_number<double>() == 8.0 / 12.0);
  BOOST_TEST(s.at("priorityShare").at("low").to_number<double>() == 4.0 / 12.0);
}

BOOST_AUTO_TEST_CASE(no_standing_alarm_no_oldest) {
  AlarmRates rates;
  const json::object s = alarm_figures(rates, StoreStats{}, kT0);
  BOOST_TEST(s.at("standing").at("count").to_number<int>() == 0);
  BOOST_TEST(!s.at("standing").as_object().contains("oldest"));
}

BOOST_AUTO_TEST_SUITE_END()
