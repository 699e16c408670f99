#include "counters.hpp"
#include "store/rover_link_stats.hpp"

#include <boost/test/unit_test.hpp>

using namespace rover_alerts::relay;

BOOST_AUTO_TEST_SUITE(rover_link_stats)

BOOST_AUTO_TEST_CASE(counts_per_rover) {
  RoverLinkStats stats;
  stats.on_connected("R1", 7);
  stats.on_event("R1", false);
  stats.on_event("R1", false);
  stats.on_event("R1", true);
  RoverHeartbeat beat;
  beat.latest_seq = 12;
  beat.lost_by_priority = {0, 0, 1, 2, 30};
  beat.ring_gap_frames = 4;
  stats.on_heartbeat("R1", beat);

  const auto* r1 = stats.find("R1");
  BOOST_TEST_REQUIRE(r1 != nullptr);
  BOOST_TEST(r1->connected);
  BOOST_TEST(r1->boot_id == 7u);
  BOOST_TEST(r1->connections_total == 1u);
  BOOST_TEST(r1->events_applied == 2u);
  BOOST_TEST(r1->events_duplicate == 1u);
  BOOST_TEST(r1->heartbeats == 1u);
  BOOST_TEST(r1->last_heartbeat.lost_by_priority[4] == 30u);
  BOOST_TEST(r1->last_heartbeat.ring_gap_frames == 4u);
  BOOST_TEST(stats.find("R2") == nullptr);

  stats.on_disconnected("R1");
  BOOST_TEST(!stats.find("R1")->connected);
  BOOST_TEST(stats.all().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_new_boot_resets_the_heartbeat_counters) {
  RoverLinkStats stats;
  stats.on_connected("R1", 7);
  RoverHeartbeat beat;
  beat.lost_by_priority[0] = 5;
  stats.on_heartbeat("R1", beat);
  stats.on_connected("R1", 7);  // reconnect, same boot: the rover's counters still hold
  BOOST_TEST(stats.find("R1")->last_heartbeat.lost_by_priority[0] == 5u);
  stats.on_connected("R1", 8);  // reboot
  BOOST_TEST(stats.find("R1")->last_heartbeat.lost_by_priority[0] == 0u);
  BOOST_TEST(stats.find("R1")->connections_total == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(counters)

BOOST_AUTO_TEST_CASE(series_with_a_label) {
  Counters counters;
  const auto too_large = Counters::series("link_frames_rejected_total", "reason", "too_large");
  BOOST_TEST(too_large == R"(link_frames_rejected_total{reason="too_large"})");
  BOOST_TEST(counters.value(too_large) == 0u);
  counters.increment(too_large);
  counters.increment(too_large, 2);
  counters.increment("ws_messages_dropped_total");
  BOOST_TEST(counters.value(too_large) == 3u);
  BOOST_TEST(counters.all().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
