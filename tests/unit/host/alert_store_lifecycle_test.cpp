// The store's lifecycle rules beyond rover ingest: acknowledgement, ground
// alerts, clear by criteria, expiry, history (tombstones), resync pages, and
// suppression (shelving, out of service) with a clock the tests hold.

#include "store/alert_store.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

using namespace rover_alerts::relay;

namespace {

constexpr std::uint64_t kBoot = 0xab;
const std::string kEpoch = "00112233445566778899aabbccddeeff";

RoverEvent raise(std::string key, Priority priority = Priority::High, std::uint64_t at = 1500) {
  RoverEvent e;
  e.kind = RoverEventKind::Raise;
  e.key = std::move(key);
  e.priority = priority;
  e.source = "power";
  e.message = "m";
  e.raised_at_ms = at;
  e.last_seen_ms = at;
  return e;
}

RoverEvent clear_of(std::string key, std::uint64_t at = 1600) {
  RoverEvent e = raise(std::move(key), Priority::High, at);
  e.kind = RoverEventKind::Clear;
  return e;
}

struct Recorder final : StoreRecorder {
  std::vector<AlertChange> changes;
  std::vector<Tombstone> tombstones;
  std::vector<AppliedSeq> applied;
  std::uint64_t floor = 0;
  void record_change(const AlertChange& change, const Tombstone* tombstone) override {
    changes.push_back(change);
    if (tombstone != nullptr) tombstones.push_back(*tombstone);
  }
  void record_applied_seq(const std::string& rover, std::uint64_t boot, std::uint64_t seq) override {
    applied.push_back({rover, boot, seq});
  }
  void record_applied_forgotten(const std::string& rover, std::uint64_t boot) override {
    forgotten.push_back({rover, boot, 0});
  }
  std::vector<AppliedSeq> forgotten;
  void record_history_pruned(std::uint64_t floor_rev) override { floor = floor_rev; }
  std::map<std::pair<std::string, std::string>, Shelf> key_shelves;  // the latest word on each
  std::map<std::pair<ServiceScope, std::string>, OutOfService> out_of_service;
  void record_key_shelf(const std::string& rover, const std::string& key, const Shelf* shelf) override {
    if (shelf != nullptr) key_shelves[{rover, key}] = *shelf;
    else key_shelves.erase({rover, key});
  }
  void record_out_of_service(ServiceScope scope, const std::string& value, const OutOfService* rule) override {
    if (rule != nullptr) out_of_service[{scope, value}] = *rule;
    else out_of_service.erase({scope, value});
  }
};

struct Fixture {
  AlertStore store;
  std::vector<AlertChange> changes;
  std::uint64_t seq = 0;

  explicit Fixture(HistoryLimits limits = {}) : store(kEpoch, limits) {
    store.set_observer([this](const AlertChange& change) { changes.push_back(change); });
  }
  const Alert& apply(const RoverEvent& e, const std::string& rover = "R1") {
    store.apply_rover_event(rover, kBoot, ++seq, e);
    return changes.back().alert;
  }
  std::string id_of(const std::string& key, const std::string& rover = "R1") { return store.find(rover, key)->id; }
  GroundAlertSpec spec(Priority priority = Priority::Medium, std::string source = "ops") {
    GroundAlertSpec s;
    s.message = "ground message";
    s.priority = priority;
    s.source = std::move(source);
    return s;
  }
};

std::vector<std::string> ids(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.id);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_store_lifecycle)

// ---- acknowledgement ------------------------------------------------------

BOOST_AUTO_TEST_CASE(ack_is_idempotent_and_the_last_writer_wins) {
  Fixture f;
  f.apply(raise("a"));
  const std::string id = f.id_of("a");
  const AckResult first = f.store.acknowledge(id, "ada", 2000);
  BOOST_TEST(first.ok());
  BOOST_TEST(!first.removed);
  BOOST_TEST(first.rev == 2u);
  BOOST_TEST(first.alert.rover == "R1");
  BOOST_TEST(first.alert.key == "a");
  BOOST_TEST(first.alert.acknowledged_by == "ada");
  BOOST_TEST((first.alert.state() == AlertState::ActiveAcked));

  const AckResult second = f.store.acknowledge(id, "bob", 2100);
  BOOST_TEST(second.ok());
  BOOST_TEST(second.rev == 3u);
  BOOST_TEST(f.store.find_by_id(id)->acknowledged_by == "bob");
  BOOST_TEST(f.store.find_by_id(id)->acknowledged_at_ms == 2100u);
  BOOST_TEST(f.store.find_by_id(id)->rev == 3u);
  BOOST_TEST_REQUIRE(f.changes.size() == 3u);
  BOOST_TEST((f.changes[2].type == ChangeType::Update));

  const AckResult missing = f.store.acknowledge("nope", "ada", 1);
  BOOST_TEST((missing.status == AckStatus::NotFound));
  BOOST_TEST(missing.rev == 0u);
  BOOST_TEST(f.store.rev() == 3u);
}

BOOST_AUTO_TEST_CASE(ack_comment_is_kept_replaced_by_the_next_ack_and_forgotten_on_reraise) {
  Fixture f;
  auto e = raise("a");
  f.apply(e);
  const std::string id = f.id_of("a");
  const AckResult first = f.store.acknowledge(id, "ada", 2000, "rerouting to base");
  BOOST_TEST(first.alert.ack_comment == "rerouting to base");
  BOOST_TEST(f.store.find_by_id(id)->ack_comment == "rerouting to base");
  BOOST_TEST((changed_fields(f.changes[0].alert, f.changes[1].alert) & kFieldAckComment) != 0u);
  // Last writer wins, comment included: no comment replaces one.
  f.store.acknowledge(id, "bob", 2100);
  BOOST_TEST(f.store.find_by_id(id)->ack_comment.empty());
  f.store.acknowledge(id, "bob", 2200, "seen");
  // Returned to normal, then raised again: a fresh acknowledgement is owed, and
  // the old one's comment must not pose as its reason.
  f.apply(clear_of("a"));
  BOOST_TEST(f.store.find_by_id(id).has_value() == false);  // acked and returned: removed
  f.apply(e);
  const std::string again = f.id_of("a");
  BOOST_TEST(f.store.find_by_id(again)->ack_comment.empty());
  auto p = raise("p");
  p.persistent = true;
  f.apply(p);
  const std::string latched = f.id_of("p");
  auto c = clear_of("p");
  c.persistent = true;
  f.apply(c);
  f.store.acknowledge(latched, "ada", 2300, "latched on purpose");
  BOOST_TEST(f.store.find_by_id(latched)->ack_comment == "latched on purpose");
  f.apply(p);  // the condition comes back on the same occurrence
  BOOST_TEST(f.store.find_by_id(latched)->ack_comment.empty());
  BOOST_TEST(f.store.find_by_id(latched)->acknowledged_by.empty());
}

BOOST_AUTO_TEST_CASE(ack_of_a_returned_alert_removes_it_and_reports_rover_and_key) {
  Fixture f;
  f.apply(raise("a"));
  const std::string id = f.id_of("a");
  f.apply(clear_of("a"));
  BOOST_TEST((f.store.find_by_id(id)->state() == AlertState::RtnUnacked));
  const AckResult r = f.store.acknowledge(id, "ada", 2000);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.removed);
  BOOST_TEST(r.rev == 3u);
  BOOST_TEST(r.alert.rover == "R1");
  BOOST_TEST(r.alert.key == "a");
  BOOST_TEST(r.alert.acknowledged_by == "ada");
  BOOST_TEST(!f.store.find_by_id(id).has_value());
  BOOST_TEST((f.changes.back().type == ChangeType::Remove));
  BOOST_TEST_REQUIRE(f.store.tombstones().size() == 1u);
  BOOST_TEST(f.store.tombstones()[0].id == id);
  BOOST_TEST((f.store.tombstones()[0].type == ChangeType::Remove));
  // Acking it again: it is gone.
  BOOST_TEST(!f.store.acknowledge(id, "ada", 2100).ok());
}

BOOST_AUTO_TEST_CASE(persistent_alert_latches_until_cleared_and_reraise_needs_a_new_ack) {
  Fixture f;
  auto e = raise("p");
  e.persistent = true;
  f.apply(e);
  const std::string id = f.id_of("p");
  auto c = clear_of("p");
  c.persistent = true;
  f.apply(c);
  BOOST_TEST(f.store.acknowledge(id, "ada", 1700).ok());
  BOOST_TEST_REQUIRE(f.store.find_by_id(id).has_value());
  BOOST_TEST((f.store.find_by_id(id)->state() == AlertState::Latched));

  // The condition comes back: same occurrence, active again, owes a new ack.
  f.apply(e);
  const std::optional<Alert> a = f.store.find_by_id(id);
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST((a->state() == AlertState::ActiveUnacked));
  BOOST_TEST(a->acknowledged_by.empty());
  BOOST_TEST(a->occurrences == 2u);

  // Only an operator clear removes it.
  ClearCriteria criteria;
  criteria.ids = {id};
  BOOST_TEST(f.store.clear(criteria, 1800) == 1u);
  BOOST_TEST(!f.store.find_by_id(id).has_value());
  BOOST_TEST((f.changes.back().type == ChangeType::Clear));
}

BOOST_AUTO_TEST_CASE(info_alerts_need_no_ack_and_go_when_cleared) {
  Fixture f;
  f.apply(raise("i", Priority::Info));
  const std::string id = f.id_of("i");
  BOOST_TEST(!f.store.find_by_id(id)->acknowledged);  // nobody acknowledged it
  f.apply(clear_of("i"));
  BOOST_TEST(!f.store.find_by_id(id).has_value());
  BOOST_TEST((f.changes.back().type == ChangeType::Remove));
  // A persistent info alert still latches.
  auto p = raise("ip", Priority::Info);
  p.persistent = true;
  f.apply(p);
  auto pc = clear_of("ip");
  pc.persistent = true;
  f.apply(pc);
  BOOST_TEST_REQUIRE(f.store.find("R1", "ip").has_value());
  BOOST_TEST(!f.store.find("R1", "ip")->active);
}

BOOST_AUTO_TEST_CASE(reraise_updates_with_occurrences_and_priority_only_rises) {
  Fixture f;
  f.apply(raise("a", Priority::Low, 1500));
  const Alert& updated = f.apply(raise("a", Priority::Critical, 1600));
  BOOST_TEST((f.changes.back().type == ChangeType::Update));
  BOOST_TEST(updated.occurrences == 2u);
  BOOST_TEST((updated.priority == Priority::Critical));
  BOOST_TEST(updated.first_seen_ms == 1500u);
  BOOST_TEST(updated.last_seen_ms == 1600u);
  f.apply(raise("a", Priority::Info, 1700));
  BOOST_TEST((f.store.find("R1", "a")->priority == Priority::Critical));
}

BOOST_AUTO_TEST_CASE(raise_after_removal_is_a_new_occurrence) {
  Fixture f;
  f.apply(raise("a"));
  const std::string first = f.id_of("a");
  BOOST_TEST(f.store.acknowledge(first, "ada", 1550).ok());
  f.apply(clear_of("a"));
  BOOST_TEST(!f.store.find("R1", "a").has_value());
  f.apply(raise("a"));
  BOOST_TEST((f.changes.back().type == ChangeType::New));
  BOOST_TEST(f.id_of("a") != first);
  BOOST_TEST(f.store.find("R1", "a")->occurrences == 1u);
}

// ---- ground alerts ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(create_makes_a_ground_alert_with_unique_id_and_key) {
  Fixture f;
  f.apply(raise("a"));
  auto s = f.spec(Priority::High, "mission-control");
  s.title = "Hold";
  s.metadata = {{"k", "v"}};
  s.group_id = "g1";
  s.persistent = true;
  s.closable = false;
  const Alert a = f.store.create(s, "admin-ann", 5000);
  BOOST_TEST(a.id == "ground-2");
  BOOST_TEST(a.key == "mission-control/ground-2");
  BOOST_TEST(a.rover.empty());
  BOOST_TEST(a.rev == 2u);
  BOOST_TEST(a.created_by == "admin-ann");
  BOOST_TEST(a.first_seen_ms == 5000u);
  BOOST_TEST(a.timestamp_ms == 5000u);
  BOOST_TEST(a.metadata.at("k") == "v");
  BOOST_TEST((a.state() == AlertState::ActiveUnacked));
  BOOST_TEST((f.changes.back().type == ChangeType::New));
  const Alert b = f.store.create(s, "admin-ann", 5001);
  BOOST_TEST(b.id != a.id);
  BOOST_TEST(b.key != a.key);
  BOOST_TEST(f.store.size() == 3u);
  BOOST_TEST(f.store.find_by_id(a.id).has_value());
}

// ---- clear by criteria ------------------------------------------------------

BOOST_AUTO_TEST_CASE(clear_by_each_criterion) {
  Fixture f;
  f.apply(raise("c1", Priority::Critical));
  f.apply(raise("h1", Priority::High));
  f.apply(raise("h2", Priority::High));
  auto grouped = f.spec(Priority::Low, "nav");
  grouped.group_id = "G";
  const Alert g = f.store.create(grouped, "ann", 3000);
  f.store.create(f.spec(Priority::Low, "nav"), "ann", 3001);
  BOOST_TEST(f.store.acknowledge(f.id_of("h2"), "ada", 3002).ok());

  ClearCriteria by_ids;
  by_ids.ids = {f.id_of("c1"), "no-such-id", f.id_of("c1")};
  BOOST_TEST(f.store.clear(by_ids, 4000) == 1u);
  BOOST_TEST(!f.store.find("R1", "c1").has_value());
  BOOST_TEST((f.changes.back().type == ChangeType::Clear));
  BOOST_TEST((f.store.tombstones().back().type == ChangeType::Clear));

  ClearCriteria by_group;
  by_group.group_id = "G";
  BOOST_TEST(f.store.clear(by_group, 4001) == 1u);
  BOOST_TEST(!f.store.find_by_id(g.id).has_value());

  ClearCriteria by_ack;
  by_ack.acknowledged = true;
  BOOST_TEST(f.store.clear(by_ack, 4002) == 1u);
  BOOST_TEST(!f.store.find("R1", "h2").has_value());

  ClearCriteria by_source;
  by_source.source = "nav";
  BOOST_TEST(f.store.clear(by_source, 4003) == 1u);

  ClearCriteria by_priority;
  by_priority.priority = Priority::Critical;
  BOOST_TEST(f.store.clear(by_priority, 4004) == 0u);
  by_priority.priority = Priority::High;
  BOOST_TEST(f.store.clear(by_priority, 4005) == 1u);
  BOOST_TEST(f.store.size() == 0u);
  BOOST_TEST(f.store.tombstones().size() == 5u);

  // Criteria combine with AND.
  f.apply(raise("x", Priority::High));
  ClearCriteria both;
  both.priority = Priority::High;
  both.source = "elsewhere";
  BOOST_TEST(f.store.clear(both, 4006) == 0u);
  BOOST_TEST(f.store.size() == 1u);
}

BOOST_AUTO_TEST_CASE(non_closable_alerts_resist_clear_while_active) {
  Fixture f;
  auto e = raise("estop", Priority::Critical);
  e.closable = false;
  e.persistent = true;
  f.apply(e);
  ClearCriteria all;
  BOOST_TEST(f.store.clear(all, 2000) == 0u);
  BOOST_TEST(f.store.size() == 1u);
  // Returned to normal: now it may be cleared.
  auto c = clear_of("estop");
  c.closable = false;
  c.persistent = true;
  f.apply(c);
  BOOST_TEST(f.store.clear(all, 2001) == 1u);
  // An admin's force clears an active one too.
  f.apply(e);
  all.force = true;
  BOOST_TEST(f.store.clear(all, 2002) == 1u);
  BOOST_TEST(f.store.size() == 0u);
}

// ---- expiry -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(expiry_removes_and_next_expiry_follows_updates) {
  Fixture f;
  BOOST_TEST(!f.store.next_expiry().has_value());
  auto e = raise("a");
  e.expires_at_ms = 10'000;
  f.apply(e);
  auto s = f.spec();
  s.expires_at_ms = 8'000;
  const Alert g = f.store.create(s, "ann", 1000);
  f.apply(raise("forever"));
  BOOST_TEST(*f.store.next_expiry() == 8'000u);

  BOOST_TEST(f.store.expire(7'999) == 0u);
  BOOST_TEST(f.store.expire(8'000) == 1u);
  BOOST_TEST(!f.store.find_by_id(g.id).has_value());
  BOOST_TEST((f.changes.back().type == ChangeType::Remove));
  BOOST_TEST(*f.store.next_expiry() == 10'000u);

  // The rover moves the expiry out: the old deadline no longer applies.
  e.expires_at_ms = 20'000;
  f.apply(e);
  BOOST_TEST(*f.store.next_expiry() == 20'000u);
  BOOST_TEST(f.store.expire(15'000) == 0u);
  BOOST_TEST(f.store.find("R1", "a").has_value());
  BOOST_TEST(f.store.expire(20'001) == 1u);
  BOOST_TEST(!f.store.find("R1", "a").has_value());
  BOOST_TEST(!f.store.next_expiry().has_value());
  BOOST_TEST(f.store.size() == 1u);
}

// ---- history and resync -------------------------------------------------------

BOOST_AUTO_TEST_CASE(tombstones_are_bounded_by_count_and_age) {
  Fixture f(HistoryLimits{3, 1000});
  for (int i = 0; i < 5; ++i) f.apply(raise("k" + std::to_string(i), Priority::Info, 100));
  for (int i = 0; i < 5; ++i) f.apply(clear_of("k" + std::to_string(i), 100 + static_cast<std::uint64_t>(i) * 100));
  // Revs: raises 1..5, removals 6..10; only the last three removals are kept.
  BOOST_TEST_REQUIRE(f.store.tombstones().size() == 3u);
  BOOST_TEST(f.store.tombstones().front().rev == 8u);
  BOOST_TEST(f.store.history_floor_rev() == 7u);

  // Removal times 300, 400, 500; max age 1000.
  BOOST_TEST(f.store.prune_history(1300) == 0u);
  BOOST_TEST(f.store.prune_history(1401) == 2u);
  BOOST_TEST(f.store.tombstones().size() == 1u);
  BOOST_TEST(f.store.history_floor_rev() == 9u);
}

BOOST_AUTO_TEST_CASE(changes_since_pages_current_state_and_tombstones) {
  Fixture f;
  for (int i = 0; i < 6; ++i) f.apply(raise("k" + std::to_string(i)));  // revs 1..6
  f.apply(raise("k0"));                                                  // k0 -> rev 7
  BOOST_TEST(f.store.acknowledge(f.id_of("k1"), "ada", 2000).ok());      // rev 8
  f.apply(clear_of("k1"));                                               // k1 removed, rev 9
  const std::string k2 = f.id_of("k2");

  SyncQuery q;
  q.since_rev = 2;
  q.include_acknowledged = true;
  q.max_count = 3;
  SyncPage p1 = f.store.changes_since(q);
  BOOST_TEST(!p1.reset);
  BOOST_TEST(p1.more);
  BOOST_TEST(p1.epoch == kEpoch);
  // One entry per alert (its current state), ordered by rev: k2 (3), k3 (4), k4 (5).
  BOOST_TEST_REQUIRE(p1.alerts.size() == 3u);
  BOOST_TEST(p1.alerts[0].id == k2);
  BOOST_TEST(p1.alerts[2].rev == 5u);
  BOOST_TEST(p1.removed.empty());
  BOOST_TEST(p1.rev == 5u);

  q.since_rev = p1.rev;
  SyncPage p2 = f.store.changes_since(q);
  BOOST_TEST(!p2.more);
  BOOST_TEST(p2.rev == 9u);
  BOOST_TEST_REQUIRE(p2.alerts.size() == 2u);  // k5 (6), k0 (7)
  BOOST_TEST(p2.alerts[1].key == "k0");
  BOOST_TEST(p2.alerts[1].occurrences == 2u);
  BOOST_TEST_REQUIRE(p2.removed.size() == 1u);  // k1, removed at 9
  BOOST_TEST(p2.removed[0].key == "k1");

  // Up to date: an empty page at the same rev.
  q.since_rev = p2.rev;
  SyncPage p3 = f.store.changes_since(q);
  BOOST_TEST(p3.alerts.empty());
  BOOST_TEST(p3.removed.empty());
  BOOST_TEST(!p3.more);
  BOOST_TEST(p3.rev == 9u);
}

BOOST_AUTO_TEST_CASE(changes_since_filters_priority_and_acknowledged) {
  Fixture f;
  f.apply(raise("c", Priority::Critical));
  f.apply(raise("l", Priority::Low));
  f.apply(raise("h", Priority::High));
  BOOST_TEST(f.store.acknowledge(f.id_of("h"), "ada", 2000).ok());
  SyncQuery q;
  q.since_rev = 0;
  SyncPage p = f.store.changes_since(q);
  BOOST_TEST(p.alerts.size() == 2u);  // the acked one is left out by default
  q.include_acknowledged = true;
  q.priorities = {Priority::Critical, Priority::High};
  p = f.store.changes_since(q);
  BOOST_TEST_REQUIRE(p.alerts.size() == 2u);
  BOOST_TEST(p.alerts[0].key == "c");
  BOOST_TEST(p.alerts[1].key == "h");
  BOOST_TEST(p.rev == 4u);
}

BOOST_AUTO_TEST_CASE(changes_since_resets_when_history_does_not_reach_back) {
  Fixture f(HistoryLimits{1, 1'000'000});
  f.apply(raise("a", Priority::Info));  // 1
  f.apply(raise("b", Priority::Info));  // 2
  f.apply(raise("c", Priority::Info));  // 3
  f.apply(clear_of("a"));               // 4, pruned by the next removal
  f.apply(clear_of("b"));               // 5
  BOOST_TEST(f.store.history_floor_rev() == 4u);

  SyncQuery q;
  q.since_rev = 3;  // the removal at 4 is forgotten: a client at 3 cannot catch up
  q.max_count = 1;
  SyncPage p = f.store.changes_since(q);
  BOOST_TEST(p.reset);
  BOOST_TEST(!p.more);  // the reset snapshot is whole
  BOOST_TEST(p.rev == 5u);
  BOOST_TEST(ids(p.alerts) == std::vector<std::string>{f.id_of("c")});
  BOOST_TEST(p.removed.empty());

  q.since_rev = 4;  // from the floor on, history is complete
  p = f.store.changes_since(q);
  BOOST_TEST(!p.reset);
  BOOST_TEST(p.removed.size() == 1u);

  q.since_rev = 99;  // a rev this store never reached: another history
  BOOST_TEST(f.store.changes_since(q).reset);
  q.since_rev = 5;
  q.epoch = "another-epoch";
  BOOST_TEST(f.store.changes_since(q).reset);
  q.epoch = kEpoch;
  BOOST_TEST(!f.store.changes_since(q).reset);
}

BOOST_AUTO_TEST_CASE(changes_since_a_timestamp) {
  Fixture f;
  f.apply(raise("old", Priority::High, 1000));
  f.apply(raise("new", Priority::High, 3000));
  SyncQuery q;
  q.since_ms = 2000;
  const SyncPage p = f.store.changes_since(q);
  BOOST_TEST(!p.reset);
  BOOST_TEST_REQUIRE(p.alerts.size() == 1u);
  BOOST_TEST(p.alerts[0].key == "new");
  BOOST_TEST(p.rev == 2u);
}

// ---- stats, image, recorder ---------------------------------------------------

BOOST_AUTO_TEST_CASE(stats_count_by_priority_and_state) {
  Fixture f;
  f.apply(raise("c", Priority::Critical));
  f.apply(raise("h", Priority::High));
  f.apply(raise("h2", Priority::High));
  BOOST_TEST(f.store.acknowledge(f.id_of("h"), "ada", 1).ok());
  f.apply(clear_of("h2"));
  auto s = f.spec(Priority::Low);
  s.expires_at_ms = 99'999;
  f.store.create(s, "ann", 5);
  const StoreStats st = f.store.stats();
  BOOST_TEST(st.alerts == 4u);
  BOOST_TEST(st.by_priority[0] == 1u);
  BOOST_TEST(st.by_priority[1] == 2u);
  BOOST_TEST(st.by_priority[3] == 1u);
  BOOST_TEST(st.by_state[static_cast<std::size_t>(AlertState::ActiveUnacked)] == 2u);
  BOOST_TEST(st.by_state[static_cast<std::size_t>(AlertState::ActiveAcked)] == 1u);
  BOOST_TEST(st.by_state[static_cast<std::size_t>(AlertState::RtnUnacked)] == 1u);
  BOOST_TEST(st.rev == f.store.rev());
  BOOST_TEST(st.epoch == kEpoch);
  BOOST_TEST(st.tombstones == 0u);
  BOOST_TEST(st.pending_expiries == 1u);
}

// Standing (stale) alarms: active since before the threshold; info alerts and
// alerts that returned to normal are not.
BOOST_AUTO_TEST_CASE(stats_count_standing_alarms_and_name_the_oldest) {
  Fixture f;
  f.apply(raise("old", Priority::Medium, 1000));
  f.apply(raise("older", Priority::Low, 900));
  f.apply(raise("fresh", Priority::High, 5000));
  f.apply(raise("chatter", Priority::Info, 100));
  f.apply(raise("returned", Priority::High, 200));
  f.apply(clear_of("returned"));
  f.apply(raise("old", Priority::Medium, 4000));  // a re-raise keeps its first seen
  BOOST_TEST(f.store.stats().standing == 0u);      // no threshold, none counted
  const StoreStats st = f.store.stats(2000);
  BOOST_TEST(st.standing == 2u);
  BOOST_TEST(st.oldest_standing_id == f.id_of("older"));
  BOOST_TEST(st.oldest_standing_since_ms == 900u);
  BOOST_TEST(f.store.stats(100).standing == 0u);
}

BOOST_AUTO_TEST_CASE(image_restores_an_identical_store) {
  Fixture f(HistoryLimits{2, 1'000'000});
  for (int i = 0; i < 4; ++i) f.apply(raise("k" + std::to_string(i), Priority::Info));
  f.apply(clear_of("k0"));
  f.apply(clear_of("k1"));
  f.apply(clear_of("k2"));
  auto s = f.spec();
  s.expires_at_ms = 50'000;
  s.action = AlertAction{"Go", "nav.go", {{"to", "base"}}};
  f.store.create(s, "ann", 10);

  AlertStore copy;
  copy.restore(f.store.image());
  BOOST_TEST(copy.epoch() == kEpoch);
  BOOST_TEST(copy.rev() == f.store.rev());
  BOOST_TEST(copy.history_floor_rev() == f.store.history_floor_rev());
  BOOST_TEST((copy.snapshot() == f.store.snapshot()));
  BOOST_TEST((copy.tombstones() == f.store.tombstones()));
  BOOST_TEST(copy.applied_seq("R1", kBoot) == f.seq);
  BOOST_TEST(*copy.next_expiry() == 50'000u);
  // The copy goes on with the next rev, and sees old frames as duplicates.
  BOOST_TEST((copy.apply_rover_event("R1", kBoot, f.seq, raise("k3")) == AlertStore::ApplyResult::Duplicate));
  copy.apply_rover_event("R1", kBoot, f.seq + 1, raise("k3"));
  BOOST_TEST(copy.rev() == f.store.rev() + 1);
}

BOOST_AUTO_TEST_CASE(recorder_sees_changes_seqs_and_pruning_first) {
  Fixture f(HistoryLimits{1, 1'000'000});
  Recorder r;
  f.store.set_recorder(&r);
  f.apply(raise("a", Priority::Info));
  f.apply(raise("b", Priority::Info));
  f.store.apply_rover_event("R1", kBoot, ++f.seq, clear_of("ghost"));  // changes nothing, seq counts
  f.apply(clear_of("a"));
  f.apply(clear_of("b"));
  BOOST_TEST(r.changes.size() == f.changes.size());
  BOOST_TEST(r.applied.size() == 5u);
  BOOST_TEST(r.applied.back().seq == 5u);
  BOOST_TEST(r.tombstones.size() == 2u);
  BOOST_TEST(r.floor == 3u);
  for (std::size_t i = 0; i < r.changes.size(); ++i) BOOST_TEST(r.changes[i].rev == f.changes[i].rev);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- suppression: shelving and out of service (clock: the tests' ms) --------

BOOST_AUTO_TEST_SUITE(alert_store_suppression)

namespace {

ShelveRequest shelve_id(std::string id, std::uint64_t until, bool one_shot = false) {
  ShelveRequest r;
  r.alert_id = std::move(id);
  r.by = "ada";
  r.reason = "sensor swap";
  r.until_ms = until;
  r.one_shot = one_shot;
  return r;
}

ShelveRequest shelve_key(std::string rover, std::string key, std::uint64_t until) {
  ShelveRequest r;
  r.rover = std::move(rover);
  r.key = std::move(key);
  r.by = "ada";
  r.reason = "chattering";
  r.until_ms = until;
  return r;
}

OutOfService rule(ServiceScope scope, std::string value) {
  return OutOfService{scope, std::move(value), "root", "maintenance", 1700};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_shelved_alert_is_kept_updated_and_counted_with_who_why_and_until) {
  Fixture f;
  f.apply(raise("a", Priority::Critical));
  const auto result = f.store.shelve(shelve_id(f.id_of("a"), 9000), 2000);
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST_REQUIRE(result.alert->shelf.has_value());
  BOOST_TEST(result.alert->shelf->by == "ada");
  BOOST_TEST(result.alert->shelf->reason == "sensor swap");
  BOOST_TEST(result.alert->shelf->until_ms == 9000u);
  BOOST_TEST(result.alert->suppressed());
  BOOST_TEST((f.changes.back().changed & kFieldShelf) != 0u);
  f.apply(raise("a", Priority::Critical, 2500));  // a re-raise updates it, still shelved
  BOOST_TEST(f.store.find("R1", "a")->occurrences == 2u);
  BOOST_TEST(f.store.find("R1", "a")->shelf.has_value());
  const StoreStats stats = f.store.stats();
  BOOST_TEST(stats.alerts == 1u);
  BOOST_TEST(stats.shelved == 1u);
  BOOST_TEST(stats.by_priority[0] == 1u);
}

BOOST_AUTO_TEST_CASE(an_expired_shelf_brings_the_alert_back_unacknowledged_after_a_warning) {
  Fixture f;
  f.apply(raise("a"));
  const std::string id = f.id_of("a");
  f.store.shelve(shelve_id(id, 9000), 2000);
  f.store.acknowledge(id, "bob", 2100, "seen");
  BOOST_TEST((f.store.next_shelf_expiry() == std::optional<std::uint64_t>(9000)));
  BOOST_TEST(f.store.take_shelf_warnings(7000, 1000).empty());  // 8000 < 9000
  const auto warned = f.store.take_shelf_warnings(8000, 1000);
  BOOST_TEST_REQUIRE(warned.size() == 1u);
  BOOST_TEST(warned[0].alert_id == id);
  BOOST_TEST(f.store.take_shelf_warnings(8500, 1000).empty());  // once
  BOOST_TEST(f.store.expire_shelves(8999).empty());
  const auto ended = f.store.expire_shelves(9000);
  BOOST_TEST_REQUIRE(ended.size() == 1u);
  const Alert back = *f.store.find_by_id(id);
  BOOST_TEST(!back.shelf.has_value());
  BOOST_TEST((back.state() == AlertState::ActiveUnacked));
  BOOST_TEST(back.acknowledged_by.empty());
  BOOST_TEST((f.changes.back().changed & kFieldShelf) != 0u);
  BOOST_TEST(f.changes.back().alert.timestamp_ms == 9000u);
  BOOST_TEST(!f.store.next_shelf_expiry().has_value());
}

BOOST_AUTO_TEST_CASE(rearm_takes_back_an_acknowledgement_only_while_the_condition_holds) {
  Fixture f;
  f.apply(raise("a"));
  const std::string id = f.id_of("a");
  BOOST_TEST(!f.store.rearm(id, 1900));  // not acknowledged
  f.store.acknowledge(id, "bob", 2000, "on it");
  BOOST_TEST(f.store.rearm(id, 3000));
  const Alert again = *f.store.find_by_id(id);
  BOOST_TEST((again.state() == AlertState::ActiveUnacked));
  BOOST_TEST(again.ack_comment.empty());
  BOOST_TEST(f.changes.back().alert.timestamp_ms == 3000u);
  f.store.acknowledge(id, "bob", 3100);
  f.apply(raise("b"));
  f.store.acknowledge(f.id_of("b"), "bob", 3100);
  f.apply(clear_of("b", 3200));  // persistent? no: acked and normal, removed
  BOOST_TEST(!f.store.rearm(f.id_of("a") + "x", 3300));
  BOOST_TEST(!f.store.rearm("R1-00000000000000ab-99", 3300));
}

BOOST_AUTO_TEST_CASE(a_one_shot_shelf_ends_when_the_alert_returns_to_normal) {
  Fixture f;
  f.apply(raise("a"));
  const std::string id = f.id_of("a");
  f.store.shelve(shelve_id(id, 90'000, true), 2000);
  f.apply(clear_of("a", 3000));
  const Alert after = *f.store.find_by_id(id);
  BOOST_TEST(!after.shelf.has_value());
  BOOST_TEST((after.state() == AlertState::RtnUnacked));  // still owed an ack: nothing hides what happened
  BOOST_TEST(!f.store.next_shelf_expiry().has_value());
}

BOOST_AUTO_TEST_CASE(a_key_shelf_holds_re_raises_and_ends_with_its_time) {
  Fixture f;
  Recorder r;
  f.store.set_recorder(&r);
  f.apply(raise("a", Priority::Medium));
  ShelveRequest by_key = shelve_id(f.id_of("a"), 9000);
  by_key.by_key = true;
  BOOST_TEST(f.store.shelve(by_key, 2000).ok());
  BOOST_TEST(r.key_shelves.size() == 1u);
  f.store.acknowledge(f.id_of("a"), "bob", 2100);
  f.apply(clear_of("a", 2200));  // acked and normal: removed
  BOOST_TEST(!f.store.find("R1", "a").has_value());
  f.apply(raise("a", Priority::Medium, 3000));  // a new occurrence starts shelved
  const Alert again = *f.store.find("R1", "a");
  BOOST_TEST_REQUIRE(again.shelf.has_value());
  BOOST_TEST(again.shelf->by_key);
  BOOST_TEST(again.shelf->until_ms == 9000u);
  const auto ended = f.store.expire_shelves(9000);
  BOOST_TEST_REQUIRE(ended.size() == 1u);  // the key's shelf, with its occurrence
  BOOST_TEST(ended[0].alert_id == again.id);
  BOOST_TEST(!f.store.find("R1", "a")->shelf.has_value());
  BOOST_TEST(r.key_shelves.empty());
  BOOST_TEST(f.store.key_shelves().empty());
}

BOOST_AUTO_TEST_CASE(a_key_may_be_shelved_before_it_is_raised_and_unshelved_by_key) {
  Fixture f;
  BOOST_TEST(f.store.shelve(shelve_key("R1", "b", 9000), 2000).ok());
  f.apply(raise("b"));
  BOOST_TEST(f.store.find("R1", "b")->shelf.has_value());
  const auto result = f.store.unshelve({}, "R1", "b", 3000);
  BOOST_TEST(result.ok());
  BOOST_TEST(result.alerts == 1u);
  BOOST_TEST(!f.store.find("R1", "b")->shelf.has_value());
  BOOST_TEST(f.store.key_shelves().empty());
  BOOST_TEST((f.store.unshelve({}, "R1", "b", 3000).status == SuppressionStatus::NotFound));
}

// Nothing comes back when a key shelf with no alert held ends, but the key's
// next alerts are announced again: every client is warned of that end too,
// once per shelf (a new shelf of the key is warned of in its own time).
BOOST_AUTO_TEST_CASE(a_key_shelf_with_no_alert_held_is_warned_of_once_before_it_ends) {
  Fixture f;
  BOOST_TEST(f.store.shelve(shelve_key("R1", "b", 9000), 2000).ok());
  BOOST_TEST(f.store.take_shelf_warnings(2000, 1000).empty());  // ends at 9000: not yet
  const auto warned = f.store.take_shelf_warnings(8100, 1000);
  BOOST_TEST_REQUIRE(warned.size() == 1u);
  BOOST_TEST(warned[0].alert_id.empty());
  BOOST_TEST(warned[0].rover == "R1");
  BOOST_TEST(warned[0].key == "b");
  BOOST_TEST(warned[0].shelf.until_ms == 9000u);
  BOOST_TEST(f.store.take_shelf_warnings(8200, 1000).empty());  // once
  BOOST_TEST(f.store.shelve(shelve_key("R1", "b", 12000), 8300).ok());  // extended: a new end
  BOOST_TEST(f.store.take_shelf_warnings(8400, 1000).empty());
  BOOST_TEST(f.store.take_shelf_warnings(11000, 1000).size() == 1u);
  // With an occurrence held, the warning is the alert's, with its id, and only that one.
  f.apply(raise("c"));
  ShelveRequest by_key = shelve_id(f.id_of("c"), 15000);
  by_key.by_key = true;
  BOOST_TEST(f.store.shelve(by_key, 11100).ok());
  const auto held = f.store.take_shelf_warnings(14500, 1000);
  BOOST_TEST_REQUIRE(held.size() == 1u);
  BOOST_TEST(held[0].alert_id == f.id_of("c"));
}

BOOST_AUTO_TEST_CASE(unshelve_of_an_unknown_or_unshelved_alert_is_not_found) {
  Fixture f;
  f.apply(raise("a"));
  BOOST_TEST((f.store.unshelve(f.id_of("a"), {}, {}, 2000).status == SuppressionStatus::NotFound));
  BOOST_TEST((f.store.unshelve("R1-0000000000000000-99", {}, {}, 2000).status == SuppressionStatus::NotFound));
  BOOST_TEST((f.store.shelve(shelve_id("nope", 9000), 2000).status == SuppressionStatus::NotFound));
}

// The relay tells every client when key shelves or out-of-service rules
// change (the `suppressions` notice): the store says when they did.
BOOST_AUTO_TEST_CASE(a_result_says_whether_the_key_shelves_or_rules_changed) {
  Fixture f;
  f.apply(raise("a"));
  f.apply(raise("b"));
  BOOST_TEST(!f.store.shelve(shelve_id(f.id_of("a"), 9000), 2000).rules_changed);  // an alert alone
  BOOST_TEST(!f.store.unshelve(f.id_of("a"), {}, {}, 2100).rules_changed);
  ShelveRequest by_key = shelve_id(f.id_of("b"), 9000);
  by_key.by_key = true;
  BOOST_TEST(f.store.shelve(by_key, 2200).rules_changed);
  BOOST_TEST(f.store.shelve(shelve_id(f.id_of("b"), 9000), 2300).rules_changed);  // alone now: the key's shelf ends
  BOOST_TEST(f.store.key_shelves().empty());
  BOOST_TEST(f.store.shelve(shelve_key("R1", "c", 9000), 2400).rules_changed);  // before it is raised
  BOOST_TEST(f.store.unshelve({}, "R1", "c", 2500).rules_changed);
  BOOST_TEST(f.store.shelve(by_key, 2600).rules_changed);
  BOOST_TEST(f.store.unshelve(f.id_of("b"), {}, {}, 2700).rules_changed);  // by id, but it was the key's
  BOOST_TEST(f.store.set_out_of_service(rule(ServiceScope::Rover, "R1"), 2800).rules_changed);
  BOOST_TEST(f.store.return_to_service(ServiceScope::Rover, "R1", 2900).rules_changed);
  BOOST_TEST(!f.store.return_to_service(ServiceScope::Rover, "R1", 3000).rules_changed);  // not found
}

BOOST_AUTO_TEST_CASE(key_shelves_past_the_limit_are_refused) {
  Fixture f;
  f.store.set_suppression_limits(SuppressionLimits{2, 1});
  BOOST_TEST(f.store.shelve(shelve_key("R1", "a", 9000), 2000).ok());
  BOOST_TEST(f.store.shelve(shelve_key("R1", "b", 9000), 2000).ok());
  BOOST_TEST(f.store.shelve(shelve_key("R1", "b", 9500), 2000).ok());  // a replacement is no more
  BOOST_TEST((f.store.shelve(shelve_key("R1", "c", 9000), 2000).status == SuppressionStatus::TooMany));
  BOOST_TEST(f.store.key_shelves().size() == 2u);
  BOOST_TEST(f.store.set_out_of_service(rule(ServiceScope::Rover, "R1"), 2000).ok());
  BOOST_TEST((f.store.set_out_of_service(rule(ServiceScope::Rover, "R2"), 2000).status == SuppressionStatus::TooMany));
}

BOOST_AUTO_TEST_CASE(out_of_service_covers_held_and_new_alerts_until_returned_to_service) {
  Fixture f;
  f.apply(raise("a"), "R1");
  f.apply(raise("a"), "R2");
  const auto set = f.store.set_out_of_service(rule(ServiceScope::Rover, "R1"), 2000);
  BOOST_TEST(set.alerts == 1u);
  BOOST_TEST(f.store.find("R1", "a")->out_of_service.has_value());
  BOOST_TEST(!f.store.find("R2", "a")->out_of_service.has_value());
  f.apply(raise("b"), "R1");
  BOOST_TEST(f.store.find("R1", "b")->out_of_service->reason == "maintenance");
  BOOST_TEST(f.store.stats().out_of_service == 2u);
  const auto back = f.store.return_to_service(ServiceScope::Rover, "R1", 3000);
  BOOST_TEST(back.alerts == 2u);
  BOOST_TEST(!f.store.find("R1", "a")->suppressed());
  BOOST_TEST((f.store.return_to_service(ServiceScope::Rover, "R1", 3000).status == SuppressionStatus::NotFound));
}

BOOST_AUTO_TEST_CASE(an_alert_stays_out_of_service_while_its_source_is) {
  Fixture f;
  f.apply(raise("a"));  // source "power"
  f.store.set_out_of_service(rule(ServiceScope::Rover, "R1"), 2000);
  f.store.set_out_of_service(rule(ServiceScope::Source, "power"), 2000);
  BOOST_TEST((f.store.find("R1", "a")->out_of_service->scope == ServiceScope::Rover));
  f.store.return_to_service(ServiceScope::Rover, "R1", 3000);
  BOOST_TEST((f.store.find("R1", "a")->out_of_service->scope == ServiceScope::Source));
  f.store.return_to_service(ServiceScope::Source, "power", 3000);
  BOOST_TEST(!f.store.find("R1", "a")->out_of_service.has_value());
}

BOOST_AUTO_TEST_CASE(suppression_survives_image_and_restore) {
  Fixture f;
  f.apply(raise("a"));
  f.store.shelve(shelve_id(f.id_of("a"), 9000, true), 2000);
  f.store.shelve(shelve_key("R1", "later", 8000), 2000);
  f.store.set_out_of_service(rule(ServiceScope::Source, "power"), 2000);
  AlertStore copy(kEpoch);
  copy.restore(f.store.image());
  BOOST_TEST((copy.snapshot() == f.store.snapshot()));
  BOOST_TEST((copy.key_shelves() == f.store.key_shelves()));
  BOOST_TEST((copy.out_of_service_rules() == f.store.out_of_service_rules()));
  BOOST_TEST((copy.next_shelf_expiry() == std::optional<std::uint64_t>(8000)));
  BOOST_TEST(copy.expire_shelves(9000).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
