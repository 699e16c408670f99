// The compact staging record: what a producer writes is what the link thread
// reads back, cut at the same bounds as before, in only the bytes it needs.

#include <rover_alerts/staging_record.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace rover_alerts;

BOOST_AUTO_TEST_SUITE(staging_record)

BOOST_AUTO_TEST_CASE(every_field_round_trips) {
  const KeyValueView meta[] = {{"motor", "left-rear"}, {"temperatureC", "92"}};
  const KeyValueView param{"reason", "low_battery"};
  const ActionSpec action{"Return to Base", "navigation.return_to_base", &param, 1};
  AlertSpec a;
  a.key = "drive/motor-left-rear-overtemp";
  a.priority = Priority::High;
  a.source = "drive-system";
  a.title = "Motor Over-Temperature";
  a.message = "Left rear drive motor at 92 C";
  a.group_id = "drive-thermal";
  a.action = &action;
  a.metadata = meta;
  a.metadata_count = 2;
  a.persistent = true;
  a.closable = false;
  a.expires_at_ms = 1700000100000;
  a.min_interval_ms = 250;
  StagingSlot slot;
  BOOST_TEST(encode_staging(slot, EventKind::Update, a, 1700000000000, 41, true) == 0u);
  BOOST_TEST(staging_stamp(slot) == 41u);
  AlertRecord r;
  r.action_label.assign("stale");
  decode_staging(slot, r);
  BOOST_TEST((r.kind == EventKind::Update));
  BOOST_TEST((r.priority == Priority::High));
  BOOST_TEST(r.priority_known);
  BOOST_TEST(r.persistent);
  BOOST_TEST(!r.closable);
  BOOST_TEST(!r.truncated);
  BOOST_TEST(r.stamp == 41u);
  BOOST_TEST(r.min_interval_ms == 250u);
  BOOST_TEST(r.expires_at_ms == 1700000100000u);
  BOOST_TEST(r.raised_at_ms == 1700000000000u);
  BOOST_TEST(r.last_seen_ms == 1700000000000u);
  BOOST_TEST(r.occurrences == 1u);
  BOOST_TEST(r.key.view() == a.key);
  BOOST_TEST(r.source.view() == a.source);
  BOOST_TEST(r.title.view() == a.title);
  BOOST_TEST(r.message.view() == a.message);
  BOOST_TEST(r.group_id.view() == a.group_id);
  BOOST_TEST(r.has_action);
  BOOST_TEST(r.action_label.view() == "Return to Base");
  BOOST_TEST(r.action_type.view() == "navigation.return_to_base");
  BOOST_REQUIRE(r.action_param_count == 1u);
  BOOST_TEST(r.action_params[0].key.view() == "reason");
  BOOST_TEST(r.action_params[0].value.view() == "low_battery");
  BOOST_REQUIRE(r.metadata_count == 2u);
  BOOST_TEST(r.metadata[1].key.view() == "temperatureC");
  BOOST_TEST(r.metadata[1].value.view() == "92");
}

BOOST_AUTO_TEST_CASE(over_bound_fields_are_cut_at_a_utf8_boundary_and_counted) {
  // "é" is two bytes: a cut at the bound would split the last one.
  std::string message;
  while (message.size() < limits::kMessageBytes + 1) message += "\xC3\xA9";
  std::vector<KeyValueView> meta(limits::kMetadataPairs + 2, KeyValueView{"k", "v"});
  AlertSpec a;
  a.key = "k";
  a.source = "s";
  a.message = message;
  a.metadata = meta.data();
  a.metadata_count = meta.size();
  StagingSlot slot;
  BOOST_TEST(encode_staging(slot, EventKind::Raise, a, 1, 0, false) == 3u);  // the message and two pairs
  AlertRecord r;
  decode_staging(slot, r);
  BOOST_TEST(r.truncated);
  BOOST_TEST(!r.priority_known);
  BOOST_TEST(!r.has_action);
  BOOST_TEST(r.message.size() == limits::kMessageBytes - limits::kMessageBytes % 2);
  BOOST_TEST(r.metadata_count == limits::kMetadataPairs);
}

BOOST_AUTO_TEST_CASE(a_slot_holds_the_largest_record) {
  std::string big(1024, 'x');
  std::vector<KeyValueView> pairs(limits::kMetadataPairs, KeyValueView{big, big});
  const ActionSpec action{big, big, pairs.data(), limits::kActionParams};
  AlertSpec a;
  a.key = a.source = a.title = a.message = a.group_id = big;
  a.action = &action;
  a.metadata = pairs.data();
  a.metadata_count = pairs.size();
  StagingSlot slot;
  encode_staging(slot, EventKind::Raise, a, 1, 0, true);
  AlertRecord r;
  decode_staging(slot, r);
  BOOST_TEST(r.metadata[limits::kMetadataPairs - 1].value.size() == limits::kKvValueBytes);
  BOOST_TEST(sizeof(StagingSlot) >= staging::kMaxBytes);
}

BOOST_AUTO_TEST_SUITE_END()
