#include "protocol/alert_json.hpp"
#include "store/alert_store.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace rover_alerts::relay;

namespace {

Alert fixed_alert() {
  Alert a;
  a.id = "R1-00000000000000ab-1";
  a.key = "nav.stuck";
  a.rover = "R1";
  a.source = "nav";
  a.priority = Priority::Critical;
  a.title = "Rover stuck";
  a.message = "Wheel slip over 80%";
  a.action = AlertAction{"Return to base", "navigation.return_to_base", {{"reason", "stuck"}}};
  a.metadata = {{"wheel", "FL"}, {"slip", "0.83"}};
  a.group_id = "mobility";
  a.persistent = true;
  a.closable = false;
  a.occurrences = 1;
  a.first_seen_ms = 1700000000000;
  a.last_seen_ms = 1700000000500;
  a.timestamp_ms = 1700000000500;
  a.rev = 1;
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_json)

BOOST_AUTO_TEST_CASE(new_alert_with_every_optional_field) {
  const auto json = encode_alert_message(AlertChange{ChangeType::New, fixed_alert(), 1});
  BOOST_TEST(*json ==
             R"({"type":"alert","data":{"id":"R1-00000000000000ab-1","type":"new","priority":"critical",)"
             R"("timestamp":1700000000500,"rev":1,"data":{"title":"Rover stuck","message":"Wheel slip over 80%",)"
             R"("source":"nav","key":"nav.stuck","rover":"R1","state":"active_unacked","active":true,)"
             R"("acknowledged":false,"persistent":true,"closable":false,"occurrences":1,)"
             R"("firstSeen":1700000000000,"lastSeen":1700000000500,)"
             R"("action":{"label":"Return to base","actionType":"navigation.return_to_base",)"
             R"("parameters":{"reason":"stuck"}},"metadata":{"slip":"0.83","wheel":"FL"},"groupId":"mobility"}}})");
}

BOOST_AUTO_TEST_CASE(removed_alert_leaves_out_empty_fields) {
  Alert a = fixed_alert();
  a.title.clear();
  a.action.reset();
  a.metadata.clear();
  a.group_id.clear();
  a.persistent = false;
  a.closable = true;
  a.priority = Priority::Info;
  a.active = false;
  a.acknowledged = true;
  a.acknowledged_by = "oscar";
  a.acknowledged_at_ms = 1700000001000;
  a.expires_at_ms = 1700000900000;
  a.occurrences = 3;
  a.timestamp_ms = 1700000001000;
  a.rev = 42;
  const auto json = encode_alert_message(AlertChange{ChangeType::Remove, a, 42});
  BOOST_TEST(*json ==
             R"({"type":"alert","data":{"id":"R1-00000000000000ab-1","type":"remove","priority":"info",)"
             R"("timestamp":1700000001000,"rev":42,"data":{"message":"Wheel slip over 80%",)"
             R"("source":"nav","key":"nav.stuck","rover":"R1","state":"removed","active":false,)"
             R"("acknowledged":true,"persistent":false,"closable":true,"occurrences":3,)"
             R"("firstSeen":1700000000000,"lastSeen":1700000000500,)"
             R"("expiresAt":1700000900000,"acknowledgedBy":"oscar","acknowledgedAt":1700000001000}}})");
}

BOOST_AUTO_TEST_CASE(a_delta_update_carries_only_the_changed_fields_and_null_for_a_removed_one) {
  AlertStore store("00000000000000000000000000000000");
  std::vector<AlertChange> changes;
  store.set_observer([&](const AlertChange& change) { changes.push_back(change); });
  RoverEvent e;
  e.key = "k";
  e.source = "s";
  e.title = "t";
  e.message = "m";
  e.priority = Priority::Low;
  e.persistent = true;
  e.raised_at_ms = e.last_seen_ms = 100;
  store.apply_rover_event("R9", 1, 5, e);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(!encode_change_delta_json(changes[0]).has_value());  // a new alert goes whole

  store.acknowledge(changes[0].alert.id, "oscar", 200);
  BOOST_TEST_REQUIRE(changes.size() == 2u);
  BOOST_TEST(changes[1].base_rev == 1u);
  BOOST_TEST(*encode_change_delta_json(changes[1]) ==
             R"({"id":"R9-0000000000000001-5","type":"update","priority":"low","timestamp":200,"rev":2,)"
             R"("delta":true,"baseRev":1,"data":{"state":"active_acked","acknowledged":true,)"
             R"("acknowledgedBy":"oscar","acknowledgedAt":200}})");

  // The condition clears (the alert is kept: persistent) and comes back: a
  // fresh activation drops the acknowledgement, so those fields go as null,
  // and so does the title the rover no longer sends.
  RoverEvent clear = e;
  clear.kind = RoverEventKind::Clear;
  clear.last_seen_ms = 250;
  store.apply_rover_event("R9", 1, 6, clear);
  e.title.clear();
  e.last_seen_ms = 300;
  store.apply_rover_event("R9", 1, 7, e);
  BOOST_TEST_REQUIRE(changes.size() == 4u);
  const auto delta = boost::json::parse(*encode_change_delta_json(changes[3])).as_object();
  const auto& data = delta.at("data").as_object();
  BOOST_TEST(delta.at("baseRev").to_number<std::uint64_t>() == changes[2].rev);
  BOOST_TEST(data.at("title").is_null());
  BOOST_TEST(data.at("acknowledgedBy").is_null());
  BOOST_TEST(data.at("acknowledgedAt").is_null());
  BOOST_TEST(data.at("acknowledged").as_bool() == false);
  BOOST_TEST(data.at("active").as_bool() == true);
  BOOST_TEST(data.at("occurrences").to_number<std::uint64_t>() == 2u);  // counted before the update, still in the delta
  BOOST_TEST(data.at("lastSeen").to_number<std::uint64_t>() == 300u);
  BOOST_TEST(!data.contains("message"));
  BOOST_TEST(!data.contains("source"));
}

BOOST_AUTO_TEST_CASE(a_change_of_priority_goes_whole_even_to_delta_subscribers) {
  AlertChange change{ChangeType::Update, fixed_alert(), 2};
  change.base_rev = 1;
  change.changed = kFieldPriority | kFieldLastSeen;
  BOOST_TEST(!encode_change_delta_json(change).has_value());
  change.changed = kFieldLastSeen;
  BOOST_TEST(encode_change_delta_json(change).has_value());
}

BOOST_AUTO_TEST_CASE(strings_are_escaped) {
  Alert a = fixed_alert();
  a.message = "line1\n\"quoted\" \\ caf\xc3\xa9 \x01";
  const auto json = encode_alert_message(AlertChange{ChangeType::Update, a, 1});
  const auto parsed = boost::json::parse(*json);
  BOOST_TEST(parsed.at("data").at("data").at("message").as_string() == a.message);
  BOOST_TEST(json->find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(store_changes_encode_with_the_rover_clock) {
  AlertStore store("00000000000000000000000000000000");
  std::vector<std::string> messages;
  store.set_observer([&](const AlertChange& change) { messages.push_back(*encode_alert_message(change)); });
  RoverEvent e;
  e.key = "k";
  e.source = "s";
  e.message = "m";
  e.priority = Priority::Low;
  e.raised_at_ms = 100;
  e.last_seen_ms = 150;
  store.apply_rover_event("R9", 1, 5, e);
  BOOST_TEST_REQUIRE(messages.size() == 1u);
  BOOST_TEST(messages[0] ==
             R"({"type":"alert","data":{"id":"R9-0000000000000001-5","type":"new","priority":"low",)"
             R"("timestamp":150,"rev":1,"data":{"message":"m","source":"s","key":"k","rover":"R9",)"
             R"("state":"active_unacked","active":true,"acknowledged":false,"persistent":false,"closable":true,)"
             R"("occurrences":1,"firstSeen":100,"lastSeen":150}}})");
}

BOOST_AUTO_TEST_SUITE_END()
