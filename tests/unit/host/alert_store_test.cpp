#include "store/alert_store.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace rover_alerts::relay;

namespace {

constexpr std::uint64_t kBoot = 0xab;

RoverEvent event(RoverEventKind kind, std::string key, std::uint64_t last_seen_ms, std::uint32_t occurrences = 1) {
  RoverEvent e;
  e.kind = kind;
  e.key = std::move(key);
  e.priority = Priority::High;
  e.source = "power";
  e.title = "Battery low";
  e.message = "Return to base recommended";
  e.raised_at_ms = 1000;
  e.last_seen_ms = last_seen_ms;
  e.occurrences = occurrences;
  return e;
}

// A store that records every change it reports.
struct RecordingStore {
  AlertStore store{"00112233445566778899aabbccddeeff"};
  std::vector<AlertChange> changes;

  RecordingStore() {
    store.set_observer([this](const AlertChange& change) { changes.push_back(change); });
  }
  AlertStore::ApplyResult apply(std::uint64_t seq, const RoverEvent& e, const std::string& rover = "R1",
                                std::uint64_t boot = kBoot) {
    return store.apply_rover_event(rover, boot, seq, e);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_store)

BOOST_AUTO_TEST_CASE(first_raise_is_a_new_alert) {
  RecordingStore s;
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "power.low", 1500)) == AlertStore::ApplyResult::Applied));
  BOOST_TEST_REQUIRE(s.changes.size() == 1u);
  const AlertChange& change = s.changes[0];
  BOOST_TEST((change.type == ChangeType::New));
  BOOST_TEST(change.rev == 1u);
  BOOST_TEST(change.alert.id == "R1-00000000000000ab-1");
  BOOST_TEST(change.alert.rover == "R1");
  BOOST_TEST(change.alert.key == "power.low");
  BOOST_TEST((change.alert.state() == AlertState::ActiveUnacked));
  BOOST_TEST(change.alert.occurrences == 1u);
  BOOST_TEST(change.alert.first_seen_ms == 1000u);
  BOOST_TEST(change.alert.last_seen_ms == 1500u);
  BOOST_TEST(change.alert.timestamp_ms == 1500u);
  BOOST_TEST(s.store.rev() == 1u);
  BOOST_TEST(s.store.size() == 1u);
}

BOOST_AUTO_TEST_CASE(re_raise_updates_the_same_alert_with_occurrences) {
  RecordingStore s;
  s.apply(1, event(RoverEventKind::Raise, "power.low", 1500));
  s.apply(2, event(RoverEventKind::Raise, "power.low", 1600));
  BOOST_TEST_REQUIRE(s.changes.size() == 2u);
  BOOST_TEST((s.changes[1].type == ChangeType::Update));
  BOOST_TEST(s.changes[1].alert.id == "R1-00000000000000ab-1");
  BOOST_TEST(s.changes[1].alert.occurrences == 2u);
  BOOST_TEST(s.changes[1].alert.first_seen_ms == 1000u);
  BOOST_TEST(s.changes[1].alert.last_seen_ms == 1600u);

  // A rover that coalesced raises reports its count, which wins when larger.
  s.apply(3, event(RoverEventKind::Update, "power.low", 1700, 9));
  BOOST_TEST(s.changes.back().alert.occurrences == 9u);
  BOOST_TEST(s.store.size() == 1u);
}

BOOST_AUTO_TEST_CASE(clear_returns_to_normal_unacked) {
  RecordingStore s;
  s.apply(1, event(RoverEventKind::Raise, "power.low", 1500));
  s.apply(2, event(RoverEventKind::Clear, "power.low", 1800));
  BOOST_TEST_REQUIRE(s.changes.size() == 2u);
  BOOST_TEST((s.changes[1].type == ChangeType::Update));
  BOOST_TEST(!s.changes[1].alert.active);
  BOOST_TEST((s.changes[1].alert.state() == AlertState::RtnUnacked));
  BOOST_TEST(s.changes[1].alert.timestamp_ms == 1800u);
  BOOST_TEST(s.store.size() == 1u);  // still owed an ack

  // A second clear changes nothing.
  s.apply(3, event(RoverEventKind::Clear, "power.low", 1900));
  BOOST_TEST(s.changes.size() == 2u);
}

BOOST_AUTO_TEST_CASE(rev_is_strictly_increasing) {
  RecordingStore s;
  std::uint64_t seq = 0;
  for (int round = 0; round < 20; ++round) {
    const std::string key = "k" + std::to_string(round % 3);
    seq += 2;
    s.apply(seq - 1, event(RoverEventKind::Raise, key, 2000u + seq));
    s.apply(seq, event(RoverEventKind::Clear, key, 2001u + seq));
  }
  BOOST_TEST_REQUIRE(s.changes.size() >= 20u);
  for (std::size_t i = 1; i < s.changes.size(); ++i) {
    BOOST_TEST(s.changes[i].rev == s.changes[i - 1].rev + 1);
    BOOST_TEST(s.changes[i].alert.rev == s.changes[i].rev);
  }
  BOOST_TEST(s.store.rev() == s.changes.back().rev);
}

BOOST_AUTO_TEST_CASE(duplicate_seq_is_ignored) {
  RecordingStore s;
  s.apply(1, event(RoverEventKind::Raise, "a", 1500));
  s.apply(2, event(RoverEventKind::Raise, "b", 1500));
  BOOST_TEST(s.store.applied_seq("R1", kBoot) == 2u);

  BOOST_TEST((s.apply(2, event(RoverEventKind::Raise, "b", 1500)) == AlertStore::ApplyResult::Duplicate));
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "a", 1500)) == AlertStore::ApplyResult::Duplicate));
  BOOST_TEST(s.changes.size() == 2u);
  BOOST_TEST(s.store.rev() == 2u);
  BOOST_TEST(s.store.find("R1", "b")->occurrences == 1u);

  // Sequence numbers are per boot and per rover.
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "a", 1600), "R1", kBoot + 1) ==
              AlertStore::ApplyResult::Applied));
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "a", 1600), "R2") == AlertStore::ApplyResult::Applied));
  BOOST_TEST(s.store.applied_seq("R1", kBoot + 1) == 1u);
  BOOST_TEST(s.store.applied_seq("R3", kBoot) == 0u);
}

// A rover's emitter replays only its current boot, so the store keeps the
// applied seq of the kBootsKeptPerRover most recently used boots per rover
// and forgets older ones: bounded however often rovers restart.
BOOST_AUTO_TEST_CASE(only_the_latest_boots_of_each_rover_are_remembered) {
  constexpr std::size_t kKept = AlertStore::kBootsKeptPerRover;
  RecordingStore s;
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "other", 1500), "R2") == AlertStore::ApplyResult::Applied));
  for (std::uint64_t boot = 1; boot <= kKept; ++boot)
    BOOST_TEST((s.apply(2, event(RoverEventKind::Raise, "a", 1500), "R1", boot) == AlertStore::ApplyResult::Applied));
  // Boot 1 is used again, so boot 2 is now the least recently used.
  BOOST_TEST((s.apply(3, event(RoverEventKind::Raise, "a", 1600), "R1", 1) == AlertStore::ApplyResult::Applied));
  for (std::uint64_t boot = kKept + 1; boot <= kKept + 3; ++boot)
    BOOST_TEST((s.apply(2, event(RoverEventKind::Raise, "a", 1700), "R1", boot) == AlertStore::ApplyResult::Applied));
  // Forgotten, oldest use first: boots 2, 3, 4.
  for (std::uint64_t boot = 2; boot <= 4; ++boot) BOOST_TEST(s.store.applied_seq("R1", boot) == 0u, boot);
  BOOST_TEST(s.store.applied_seq("R1", 1) == 3u);
  for (std::uint64_t boot = kKept + 1; boot <= kKept + 3; ++boot)
    BOOST_TEST(s.store.applied_seq("R1", boot) == 2u, boot);
  BOOST_TEST(s.store.image().applied.size() == kKept + 1);  // R1's four and R2's one
  BOOST_TEST(s.store.applied_seq("R2", kBoot) == 1u);       // other rovers are untouched
  // The kept boots still recognise their replays.
  BOOST_TEST((s.apply(2, event(RoverEventKind::Raise, "a", 1800), "R1", kKept + 3) == AlertStore::ApplyResult::Duplicate));
}

BOOST_AUTO_TEST_CASE(ack_after_clear_removes_and_a_new_raise_starts_a_new_occurrence) {
  RecordingStore s;
  s.apply(1, event(RoverEventKind::Raise, "power.low", 1500));
  s.apply(2, event(RoverEventKind::Clear, "power.low", 1600));
  BOOST_TEST(s.store.acknowledge("R1-00000000000000ab-1", "oscar", 1700).ok());
  BOOST_TEST_REQUIRE(s.changes.size() == 3u);
  BOOST_TEST((s.changes[2].type == ChangeType::Remove));
  BOOST_TEST(s.changes[2].alert.acknowledged_by == "oscar");
  BOOST_TEST(s.store.size() == 0u);
  BOOST_TEST(!s.store.find_by_id("R1-00000000000000ab-1").has_value());

  s.apply(3, event(RoverEventKind::Raise, "power.low", 1800));
  BOOST_TEST((s.changes.back().type == ChangeType::New));
  BOOST_TEST(s.changes.back().alert.id == "R1-00000000000000ab-3");
  BOOST_TEST(s.changes.back().alert.occurrences == 1u);
  BOOST_TEST(!s.changes.back().alert.acknowledged);
}

// A rover can hold at most its cap of alerts: a new one past it is refused
// (its seq still applied, so it is acknowledged, not replayed for ever),
// re-raises of held keys still count, other rovers and ground alerts are
// unaffected, and a removed alert makes room again.
BOOST_AUTO_TEST_CASE(a_rover_past_its_alert_cap_gets_new_alerts_refused) {
  RecordingStore s;
  s.store.set_max_alerts_per_rover(2);
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "a", 1500)) == AlertStore::ApplyResult::Applied));
  BOOST_TEST((s.apply(2, event(RoverEventKind::Raise, "b", 1500)) == AlertStore::ApplyResult::Applied));
  const std::size_t changes = s.changes.size();
  BOOST_TEST((s.apply(3, event(RoverEventKind::Raise, "c", 1500)) == AlertStore::ApplyResult::Refused));
  BOOST_TEST((s.apply(4, event(RoverEventKind::Update, "d", 1500)) == AlertStore::ApplyResult::Refused));
  BOOST_TEST(s.changes.size() == changes);  // nothing stored, nothing reported
  BOOST_TEST(s.store.applied_seq("R1", kBoot) == 4u);
  BOOST_TEST((s.apply(4, event(RoverEventKind::Raise, "d", 1500)) == AlertStore::ApplyResult::Duplicate));
  BOOST_TEST(s.store.alerts_of_rover("R1") == 2u);
  // A held key may still be raised again; another rover is not affected.
  BOOST_TEST((s.apply(5, event(RoverEventKind::Raise, "a", 1600)) == AlertStore::ApplyResult::Applied));
  BOOST_TEST(s.changes.back().alert.occurrences == 2u);
  BOOST_TEST((s.apply(1, event(RoverEventKind::Raise, "a", 1500), "R2") == AlertStore::ApplyResult::Applied));
  BOOST_TEST(s.store.alerts_of_rover("R2") == 1u);
  // Ground alerts do not count against a rover.
  GroundAlertSpec spec;
  spec.source = "ground";
  spec.message = "m";
  spec.priority = Priority::Low;
  s.store.create(spec, "ada", 1700);
  BOOST_TEST(s.store.alerts_of_rover("R1") == 2u);
  // Cleared and acknowledged, "b" is removed: room for one more.
  s.apply(6, event(RoverEventKind::Clear, "b", 1800));
  BOOST_TEST(s.store.acknowledge("R1-00000000000000ab-2", "oscar", 1900).ok());
  BOOST_TEST(s.store.alerts_of_rover("R1") == 1u);
  BOOST_TEST((s.apply(7, event(RoverEventKind::Raise, "c", 2000)) == AlertStore::ApplyResult::Applied));
  BOOST_TEST((s.apply(8, event(RoverEventKind::Raise, "e", 2000)) == AlertStore::ApplyResult::Refused));
}

// A boot speaks only for the alerts it raised: another boot's update or
// clear changes nothing; its raise starts a new occurrence under its own id.
BOOST_AUTO_TEST_CASE(only_the_boot_that_holds_an_alert_updates_or_clears_it) {
  RecordingStore s;
  constexpr std::uint64_t kNewBoot = 0xcd;
  s.apply(1, event(RoverEventKind::Raise, "estop", 1500));
  const std::string old_id = s.changes.back().alert.id;
  const std::size_t changes = s.changes.size();
  BOOST_TEST((s.apply(1, event(RoverEventKind::Clear, "estop", 1600), "R1", kNewBoot) ==
              AlertStore::ApplyResult::Ignored));
  BOOST_TEST((s.apply(2, event(RoverEventKind::Update, "estop", 1600), "R1", kNewBoot) ==
              AlertStore::ApplyResult::Ignored));
  BOOST_TEST(s.changes.size() == changes);
  BOOST_TEST(s.store.find_by_id(old_id)->active);
  BOOST_TEST(s.store.applied_seq("R1", kNewBoot) == 2u);  // acknowledged all the same
  // The new boot raises the key: the old occurrence goes, a new one begins.
  BOOST_TEST((s.apply(3, event(RoverEventKind::Raise, "estop", 1700), "R1", kNewBoot) ==
              AlertStore::ApplyResult::Applied));
  BOOST_TEST_REQUIRE(s.changes.size() == changes + 2);
  BOOST_TEST((s.changes[changes].type == ChangeType::Remove));
  BOOST_TEST(s.changes[changes].alert.id == old_id);
  BOOST_TEST((s.changes[changes + 1].type == ChangeType::New));
  BOOST_TEST(s.changes[changes + 1].alert.id == "R1-00000000000000cd-3");
  // Now the old boot's clear is the one ignored, the new boot's is taken.
  BOOST_TEST((s.apply(2, event(RoverEventKind::Clear, "estop", 1800)) == AlertStore::ApplyResult::Ignored));
  BOOST_TEST((s.apply(4, event(RoverEventKind::Clear, "estop", 1900), "R1", kNewBoot) ==
              AlertStore::ApplyResult::Applied));
  BOOST_TEST(!s.store.find_by_id("R1-00000000000000cd-3")->active);
}

BOOST_AUTO_TEST_CASE(clear_of_an_acked_alert_removes_it_unless_persistent) {
  RecordingStore s;
  s.apply(1, event(RoverEventKind::Raise, "a", 1500));
  auto persistent = event(RoverEventKind::Raise, "p", 1500);
  persistent.persistent = true;
  s.apply(2, persistent);
  BOOST_TEST(s.store.acknowledge(s.store.find("R1", "a")->id, "ada", 1550).ok());
  BOOST_TEST(s.store.acknowledge(s.store.find("R1", "p")->id, "ada", 1550).ok());
  BOOST_TEST((s.store.find("R1", "a")->state() == AlertState::ActiveAcked));

  s.apply(3, event(RoverEventKind::Clear, "a", 1600));
  BOOST_TEST((s.changes.back().type == ChangeType::Remove));
  BOOST_TEST(!s.store.find("R1", "a").has_value());

  auto clear_p = event(RoverEventKind::Clear, "p", 1600);
  clear_p.persistent = true;
  s.apply(4, clear_p);
  BOOST_TEST((s.changes.back().type == ChangeType::Update));
  BOOST_TEST_REQUIRE(s.store.find("R1", "p").has_value());
  BOOST_TEST((s.store.find("R1", "p")->state() == AlertState::Latched));
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_ids) {
  RecordingStore s;
  // A clear for something the store does not hold changes nothing, but the seq counts.
  BOOST_TEST((s.apply(1, event(RoverEventKind::Clear, "ghost", 1500)) == AlertStore::ApplyResult::Applied));
  BOOST_TEST(s.changes.empty());
  BOOST_TEST(s.store.applied_seq("R1", kBoot) == 1u);
  // An update for an unknown key: the condition holds, so it is a new occurrence.
  s.apply(2, event(RoverEventKind::Update, "late", 1500));
  BOOST_TEST_REQUIRE(s.changes.size() == 1u);
  BOOST_TEST((s.changes[0].type == ChangeType::New));
  BOOST_TEST(!s.store.acknowledge("no-such-id", "ada", 1).ok());
}

BOOST_AUTO_TEST_CASE(priority_only_rises) {
  RecordingStore s;
  auto e = event(RoverEventKind::Raise, "a", 1500);
  e.priority = Priority::Medium;
  s.apply(1, e);
  e.priority = Priority::Critical;
  s.apply(2, e);
  BOOST_TEST((s.store.find("R1", "a")->priority == Priority::Critical));
  e.priority = Priority::Low;
  s.apply(3, e);
  BOOST_TEST((s.store.find("R1", "a")->priority == Priority::Critical));
}

BOOST_AUTO_TEST_CASE(snapshot_is_ordered_by_rev) {
  RecordingStore s;
  s.apply(1, event(RoverEventKind::Raise, "z", 1500));
  s.apply(2, event(RoverEventKind::Raise, "a", 1500));
  s.apply(3, event(RoverEventKind::Raise, "z", 1600));
  const auto snapshot = s.store.snapshot();
  BOOST_TEST_REQUIRE(snapshot.size() == 2u);
  BOOST_TEST(snapshot[0].key == "a");
  BOOST_TEST(snapshot[1].key == "z");
  BOOST_TEST(snapshot[1].rev == 3u);
}

BOOST_AUTO_TEST_CASE(epoch_is_random_128_bit_hex) {
  const AlertStore a;
  const AlertStore b;
  BOOST_TEST(a.epoch().size() == 32u);
  BOOST_TEST(a.epoch().find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(a.epoch() != b.epoch());
}

BOOST_AUTO_TEST_SUITE_END()
