// The alert store's compact building blocks, each against a std:: oracle,
// and the store's own bounds (rev log, interned strings).

#include "store/alert_record.hpp"
#include "store/alert_store.hpp"
#include "store/slot_index.hpp"
#include "store/string_pool.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

using namespace rover_alerts::relay;

namespace {

// Records keyed by a string; the index finds slots by the record's key.
struct KeyedRecords {
  std::vector<std::string> keys;  // slot -> key
  SlotIndex index;

  static std::uint32_t hash(const std::string& key, bool collide) {
    // `collide`: every key in a few buckets, so probe runs get long and wrap.
    const auto h = static_cast<std::uint32_t>(std::hash<std::string>{}(key));
    return collide ? (h % 4) + 0xFFFFFFF0u : h;
  }
  std::uint32_t find(const std::string& key, bool collide) const {
    return index.find(hash(key, collide), [&](std::uint32_t slot) { return keys[slot] == key; });
  }
};

RoverEvent raise(std::string key, std::string source = "power", Priority priority = Priority::High) {
  RoverEvent e;
  e.kind = RoverEventKind::Raise;
  e.key = std::move(key);
  e.priority = priority;
  e.source = std::move(source);
  e.title = "Battery low";
  e.message = "Return to base recommended";
  e.raised_at_ms = 1000;
  e.last_seen_ms = 1500;
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(slot_index)

// Random inserts and erases, checked after every step against std::unordered_map.
void run_against_oracle(bool collide) {
  std::mt19937 random(collide ? 7 : 42);
  KeyedRecords records;
  std::unordered_map<std::string, std::uint32_t> oracle;
  for (int step = 0; step < 20000; ++step) {
    const std::string key = "k" + std::to_string(random() % 600);
    const auto it = oracle.find(key);
    if (it == oracle.end()) {
      const auto slot = static_cast<std::uint32_t>(records.keys.size());
      records.keys.push_back(key);
      records.index.insert(KeyedRecords::hash(key, collide), slot);
      oracle.emplace(key, slot);
    } else {
      BOOST_REQUIRE(records.index.erase(KeyedRecords::hash(key, collide), it->second));
      oracle.erase(it);
    }
    BOOST_REQUIRE(records.index.size() == oracle.size());
    if (step % 97 == 0) {
      for (int k = 0; k < 600; ++k) {
        const std::string probe = "k" + std::to_string(k);
        const auto expected = oracle.find(probe);
        BOOST_REQUIRE(records.find(probe, collide) ==
                      (expected == oracle.end() ? SlotIndex::kNone : expected->second));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(matches_an_unordered_map_under_random_inserts_and_erases) { run_against_oracle(false); }
BOOST_AUTO_TEST_CASE(matches_an_unordered_map_when_every_key_collides) { run_against_oracle(true); }

BOOST_AUTO_TEST_CASE(grows_before_three_quarters_full) {
  SlotIndex index;
  for (std::uint32_t slot = 0; slot < 1000; ++slot) {
    index.insert(slot * 2654435761u, slot);
    BOOST_REQUIRE(index.size() * 4 <= index.capacity() * 3);
  }
  BOOST_TEST(index.capacity() == 2048u);
}

BOOST_AUTO_TEST_CASE(erase_of_an_absent_entry_is_refused) {
  SlotIndex index;
  BOOST_TEST(!index.erase(1, 1));
  index.insert(5, 1);
  BOOST_TEST(!index.erase(5, 2));
  BOOST_TEST(index.erase(5, 1));
  BOOST_TEST(index.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(string_pool)

BOOST_AUTO_TEST_CASE(counts_references_and_forgets_the_last) {
  StringPool pool;
  const auto a = pool.acquire("navigation");
  BOOST_TEST(pool.acquire("navigation") == a);
  BOOST_TEST(pool.references(a) == 2u);
  BOOST_TEST(pool.view(a) == "navigation");
  pool.release(a);
  StringPool::Id found = 0;
  BOOST_TEST(pool.find("navigation", found));
  pool.release(a);
  BOOST_TEST(!pool.find("navigation", found));
  BOOST_TEST(pool.size() == 1u);  // only "" is left
  // A forgotten id is reused.
  BOOST_TEST(pool.acquire("power") == a);
}

BOOST_AUTO_TEST_CASE(the_empty_string_is_id_zero_and_never_counted) {
  StringPool pool;
  BOOST_TEST(pool.acquire("") == StringPool::kEmpty);
  pool.release(StringPool::kEmpty);
  BOOST_TEST(pool.view(StringPool::kEmpty).empty());
}

BOOST_AUTO_TEST_CASE(views_stay_valid_while_the_pool_grows) {
  // Short strings included: their text must not live inside a moving vector.
  StringPool pool;
  std::map<std::string, StringPool::Id> oracle;
  for (int i = 0; i < 5000; ++i) oracle[std::to_string(i)] = pool.acquire(std::to_string(i));
  for (const auto& [text, id] : oracle) {
    StringPool::Id found = 0;
    BOOST_REQUIRE(pool.find(text, found));
    BOOST_REQUIRE(found == id);
    BOOST_REQUIRE(pool.view(id) == text);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alert_record)

BOOST_AUTO_TEST_CASE(text_keeps_every_field_in_one_block) {
  const AlertText text(AlertText::Fields{"power.low", "", "Return to base", "g1", "\x01\x02"});
  const auto f = text.fields();
  BOOST_TEST(f.key == "power.low");
  BOOST_TEST(f.title.empty());
  BOOST_TEST(f.message == "Return to base");
  BOOST_TEST(f.group_id == "g1");
  BOOST_TEST(f.extra == "\x01\x02");
  BOOST_TEST(text.key() == "power.low");
}

BOOST_AUTO_TEST_CASE(extra_is_empty_without_action_or_metadata_and_round_trips_with_them) {
  BOOST_TEST(AlertText::encode_extra(std::nullopt, {}).empty());
  const AlertAction action{"Open map", "navigate", {{"lat", "1.5"}}};
  const std::map<std::string, std::string> metadata{{"cell", "3"}, {"volts", "11.1"}};
  const std::string extra = AlertText::encode_extra(action, metadata);
  std::optional<AlertAction> action_back;
  std::map<std::string, std::string> metadata_back;
  BOOST_TEST(AlertText::decode_extra(extra, action_back, metadata_back));
  BOOST_TEST((action_back == action));
  BOOST_TEST((metadata_back == metadata));
  BOOST_TEST(!AlertText::decode_extra(extra.substr(0, extra.size() - 1), action_back, metadata_back));
}

BOOST_AUTO_TEST_CASE(ids_round_trip_and_only_canonical_spellings_parse) {
  AlertIdParts parts;
  BOOST_TEST(rover_alert_id("rover-7", 0xab, 42) == "rover-7-00000000000000ab-42");
  BOOST_TEST(parse_alert_id("rover-7-00000000000000ab-42", parts));
  BOOST_TEST(!parts.ground);
  BOOST_TEST(parts.rover == "rover-7");
  BOOST_TEST(parts.boot_id == 0xabu);
  BOOST_TEST(parts.seq == 42u);

  BOOST_TEST(parse_alert_id("ground-17", parts));
  BOOST_TEST(parts.ground);
  BOOST_TEST(parts.seq == 17u);
  // A rover may be called "ground": its ids still have a boot.
  BOOST_TEST(parse_alert_id("ground-0000000000000001-5", parts));
  BOOST_TEST(!parts.ground);
  BOOST_TEST(parts.rover == "ground");

  for (const char* bad : {"", "ground-", "ground-017", "ground-x", "R1-00000000000000AB-1", "R1-ab-1",
                          "R1-00000000000000ab-", "R1-00000000000000ab-01", "R1-00000000000000ab-1x",
                          "00000000000000ab-1", "R1-00000000000000ab-99999999999999999999999"}) {
    BOOST_TEST(!parse_alert_id(bad, parts), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alert_store_footprint)

BOOST_AUTO_TEST_CASE(the_rev_log_stays_within_live_alerts_plus_slack) {
  AlertStore store("00112233445566778899aabbccddeeff");
  std::uint64_t seq = 0;
  // 10 alerts changed 5000 times each: 50 000 revs, 10 live alerts.
  for (int round = 0; round < 5000; ++round) {
    for (int k = 0; k < 10; ++k) store.apply_rover_event("R1", 1, ++seq, raise("k" + std::to_string(k)));
    BOOST_REQUIRE(store.rev_log_entries() <= 2 * store.size() + AlertStore::kRevLogSlack);
  }
  // Reading skips stale entries: one current alert per key, in rev order.
  const auto snapshot = store.snapshot();
  BOOST_TEST_REQUIRE(snapshot.size() == 10u);
  for (std::size_t i = 1; i < snapshot.size(); ++i) BOOST_TEST(snapshot[i - 1].rev < snapshot[i].rev);
  BOOST_TEST(snapshot.back().rev == store.rev());
}

BOOST_AUTO_TEST_CASE(interned_strings_are_forgotten_with_the_last_alert_using_them) {
  AlertStore store("00112233445566778899aabbccddeeff");
  // A rover inventing a new source for every alert.
  for (std::uint64_t i = 1; i <= 1000; ++i)
    store.apply_rover_event("R1", 1, i, raise("k" + std::to_string(i), "source-" + std::to_string(i)));
  BOOST_TEST(store.interned_strings() == 1u + 1u + 1000u);  // "", R1, the sources
  ClearCriteria all;
  all.force = true;
  BOOST_TEST(store.clear(all, 2000) == 1000u);
  BOOST_TEST(store.interned_strings() == 1u);
  BOOST_TEST(store.size() == 0u);
}

BOOST_AUTO_TEST_CASE(alerts_read_back_exactly_as_written) {
  AlertStore store("00112233445566778899aabbccddeeff");
  RoverEvent e = raise("drive/overtemp", "drive", Priority::Critical);
  e.action = AlertAction{"Stop", "stop_drive", {{"axis", "left"}}};
  e.metadata = {{"temp_c", "91"}};
  e.group_id = "thermal";
  e.persistent = true;
  e.closable = false;
  e.expires_at_ms = 99'000;
  store.apply_rover_event("R9", 0x1234, 7, e);
  const GroundAlertSpec spec{"Dust storm", "Expect comms loss", Priority::Medium, "weather", std::nullopt,
                             {}, "", false, true, 0};
  const Alert ground = store.create(spec, "ada", 2000);
  BOOST_TEST(store.acknowledge("R9-0000000000001234-7", "oscar", 2100).ok());

  const auto a = store.find("R9", "drive/overtemp");
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST(a->id == "R9-0000000000001234-7");
  BOOST_TEST(a->rover == "R9");
  BOOST_TEST(a->source == "drive");
  BOOST_TEST((a->priority == Priority::Critical));
  BOOST_TEST(a->title == "Battery low");
  BOOST_TEST(a->message == "Return to base recommended");
  BOOST_TEST((a->action == e.action));
  BOOST_TEST((a->metadata == e.metadata));
  BOOST_TEST(a->group_id == "thermal");
  BOOST_TEST(a->persistent);
  BOOST_TEST(!a->closable);
  BOOST_TEST(a->expires_at_ms == 99'000u);
  BOOST_TEST(a->acknowledged);
  BOOST_TEST(a->acknowledged_by == "oscar");
  BOOST_TEST(a->acknowledged_at_ms == 2100u);
  BOOST_TEST(a->created_rev == 1u);
  BOOST_TEST(a->rev == 3u);

  BOOST_TEST(ground.id == "ground-2");
  BOOST_TEST(ground.key == "weather/ground-2");
  BOOST_TEST(ground.created_by == "ada");
  BOOST_TEST(ground.created_rev == 2u);
  const auto by_id = store.find_by_id("ground-2");
  BOOST_TEST_REQUIRE(by_id.has_value());
  BOOST_TEST((*by_id == ground));

  // What the store restores from its own image is the same store.
  AlertStore copy("x");
  copy.restore(store.image());
  BOOST_TEST((copy.snapshot() == store.snapshot()));
  BOOST_TEST(copy.rev() == store.rev());
  BOOST_TEST(copy.find_by_id("ground-2").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
