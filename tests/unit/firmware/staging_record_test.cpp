// The compact staging record: what a producer writes is what the link thread
// reads back, cut at the same bounds as before, in only the bytes it needs.

#include <rover_alerts/alert_frame_writer.hpp>
#include <rover_alerts/staging_record.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>
#include <random>
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
  std::vector<std::uint8_t> record(staging::kMaxBytes);
  const StagingWrite written = encode_staging(record.data(), EventKind::Update, a, 1700000000000, 41, true);
  BOOST_TEST(written.truncated == 0u);
  // Header, then each string with its 16-bit length: only the bytes in use.
  const std::size_t strings = a.key.size() + a.source.size() + a.title.size() + a.message.size() +
                              a.group_id.size() + action.label.size() + action.action_type.size() +
                              param.key.size() + param.value.size() + meta[0].key.size() + meta[0].value.size() +
                              meta[1].key.size() + meta[1].value.size();
  BOOST_TEST(written.bytes == sizeof(staging::Header) + 13 * sizeof(std::uint16_t) + strings);
  BOOST_TEST(staging_stamp(record.data()) == 41u);
  AlertRecord r;
  r.action_label.assign("stale");
  decode_staging(record.data(), r);
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

// Short strings are copied by size class (1-3, 4-7, 8-15, 16-32 bytes, each
// with overlapping moves), longer ones by another path: every length across
// those edges, in every field, must come back byte for byte, cut only at the
// field's bound, and write nothing past the record.
BOOST_AUTO_TEST_CASE(every_length_of_every_field_round_trips) {
  for (std::size_t length = 0; length <= 40; ++length) {
    std::vector<std::string> text(13);
    for (std::size_t f = 0; f < text.size(); ++f)
      for (std::size_t i = 0; i < length; ++i) text[f] += static_cast<char>('a' + (f * 7 + i) % 26);
    const KeyValueView param{text[7], text[8]};
    const KeyValueView meta[] = {{text[9], text[10]}, {text[11], text[12]}};
    const ActionSpec action{text[5], text[6], &param, 1};
    AlertSpec a;
    a.key = text[0];
    a.source = text[1];
    a.title = text[2];
    a.message = text[3];
    a.group_id = text[4];
    a.action = &action;
    a.metadata = meta;
    a.metadata_count = 2;
    std::vector<std::uint8_t> record(staging::kMaxBytes + 64, 0xA5);
    const StagingWrite written = encode_staging(record.data(), EventKind::Raise, a, 1, 0, true);
    const std::size_t kv_key = std::min(length, limits::kKvKeyBytes);
    BOOST_TEST(written.truncated == (length > limits::kKvKeyBytes ? 3u : 0u));  // the three pair keys
    BOOST_TEST(written.bytes == sizeof(staging::Header) + 13 * (sizeof(std::uint16_t) + length) - 3 * (length - kv_key));
    for (std::size_t i = written.bytes; i < record.size(); ++i) BOOST_TEST_REQUIRE(record[i] == 0xA5);
    AlertRecord r;
    decode_staging(record.data(), r);
    BOOST_TEST(r.key.view() == text[0]);
    BOOST_TEST(r.source.view() == text[1]);
    BOOST_TEST(r.title.view() == text[2]);
    BOOST_TEST(r.message.view() == text[3]);
    BOOST_TEST(r.group_id.view() == text[4]);
    BOOST_TEST(r.action_label.view() == text[5]);
    BOOST_TEST(r.action_type.view() == text[6]);
    BOOST_TEST(r.action_params[0].key.view() == std::string_view(text[7]).substr(0, kv_key));
    BOOST_TEST(r.action_params[0].value.view() == text[8]);
    BOOST_TEST(r.metadata[0].key.view() == std::string_view(text[9]).substr(0, kv_key));
    BOOST_TEST(r.metadata[0].value.view() == text[10]);
    BOOST_TEST(r.metadata[1].key.view() == std::string_view(text[11]).substr(0, kv_key));
    BOOST_TEST(r.metadata[1].value.view() == text[12]);
  }
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
  std::vector<std::uint8_t> record(staging::kMaxBytes);
  BOOST_TEST(encode_staging(record.data(), EventKind::Raise, a, 1, 0, false).truncated == 3u);  // the message and two pairs
  AlertRecord r;
  decode_staging(record.data(), r);
  BOOST_TEST(r.truncated);
  BOOST_TEST(!r.priority_known);
  BOOST_TEST(!r.has_action);
  BOOST_TEST(r.message.size() == limits::kMessageBytes - limits::kMessageBytes % 2);
  BOOST_TEST(r.metadata_count == limits::kMetadataPairs);
}

BOOST_AUTO_TEST_CASE(the_largest_record_is_exactly_the_bound) {
  std::string big(1024, 'x');
  std::vector<KeyValueView> pairs(limits::kMetadataPairs, KeyValueView{big, big});
  const ActionSpec action{big, big, pairs.data(), limits::kActionParams};
  AlertSpec a;
  a.key = a.source = a.title = a.message = a.group_id = big;
  a.action = &action;
  a.metadata = pairs.data();
  a.metadata_count = pairs.size();
  // Guard bytes past the bound: the record must end exactly at it.
  std::vector<std::uint8_t> record(staging::kMaxBytes + 64, 0xA5);
  BOOST_TEST(encode_staging(record.data(), EventKind::Raise, a, 1, 0, true).bytes == staging::kMaxBytes);
  for (std::size_t i = staging::kMaxBytes; i < record.size(); ++i) BOOST_TEST_REQUIRE(record[i] == 0xA5);
  AlertRecord r;
  decode_staging(record.data(), r);
  BOOST_TEST(r.metadata[limits::kMetadataPairs - 1].value.size() == limits::kKvValueBytes);
}

// The link thread frames a new alert straight from its staging record: the
// frame must be byte for byte the one its decoded record gives (the record's
// empty source read as the rover's, as the emitter fills it in).
BOOST_AUTO_TEST_CASE(a_staged_view_frames_exactly_as_its_decoded_record) {
  std::mt19937_64 rng(42);
  const auto below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const auto text = [&](std::size_t max) { return std::string(below(max + 1), static_cast<char>('a' + below(26))); };
  std::vector<std::uint8_t> record(staging::kMaxBytes), from_view(alert_frame::kMaxBytes),
      from_record(alert_frame::kMaxBytes);
  for (int i = 0; i < 2000; ++i) {
    // Strings up to twice their bounds and one pair more than each bound, so
    // some are cut or dropped.
    std::vector<std::string> s;
    for (std::size_t bound : {limits::kKeyBytes, limits::kSourceBytes, limits::kTitleBytes, limits::kMessageBytes,
                              limits::kGroupIdBytes, limits::kActionLabelBytes, limits::kActionTypeBytes})
      s.push_back(text(2 * bound));
    const std::size_t param_count = below(limits::kActionParams + 2), meta_count = below(limits::kMetadataPairs + 2);
    std::vector<std::string> kv;
    for (std::size_t j = 0; j < 2 * (param_count + meta_count); ++j)
      kv.push_back(text(j % 2 == 0 ? 2 * limits::kKvKeyBytes : 2 * limits::kKvValueBytes));
    std::vector<KeyValueView> params, meta;
    for (std::size_t j = 0; j < param_count; ++j) params.push_back({kv[2 * j], kv[2 * j + 1]});
    for (std::size_t j = 0; j < meta_count; ++j)
      meta.push_back({kv[2 * (param_count + j)], kv[2 * (param_count + j) + 1]});
    const ActionSpec action{s[5], s[6], params.data(), params.size()};
    AlertSpec a;
    a.key = s[0].empty() ? std::string_view("k") : std::string_view(s[0]);
    a.source = rng() % 4 == 0 ? std::string_view{} : std::string_view{s[1]};
    a.title = s[2];
    a.message = s[3];
    a.group_id = s[4];
    a.action = rng() % 2 == 0 ? &action : nullptr;
    a.metadata = meta.data();
    a.metadata_count = meta.size();
    a.priority = static_cast<Priority>(rng() % kPriorityCount);
    a.persistent = rng() % 2 == 0;
    a.closable = rng() % 2 == 0;
    a.expires_at_ms = rng() % 2 == 0 ? 0 : rng();
    const auto kind = static_cast<EventKind>(rng() % 2);  // raise or update: what becomes a new alert
    const std::uint64_t now = rng() % 4'000'000'000'000;
    encode_staging(record.data(), kind, a, now, static_cast<std::uint32_t>(i), true);

    const AlertView v = staged_view(record.data(), "rover-7");
    AlertRecord r;
    decode_staging(record.data(), r);
    if (r.source.empty()) r.source.assign("rover-7");
    const std::size_t n = write_alert_frame(v, 9, 10, from_view.data());
    BOOST_REQUIRE(n == write_alert_frame(r, 9, 10, from_record.data()));
    BOOST_REQUIRE(std::memcmp(from_view.data(), from_record.data(), n) == 0);

    const StagingPeek peek = staging_peek(record.data());
    BOOST_REQUIRE(peek.key == r.key.view());
    BOOST_REQUIRE(peek.source == (a.source.empty() ? std::string_view{} : r.source.view()));
    BOOST_REQUIRE(peek.now_ms == now);
    BOOST_REQUIRE(peek.min_interval_ms == r.min_interval_ms);
  }
}

BOOST_AUTO_TEST_SUITE_END()
