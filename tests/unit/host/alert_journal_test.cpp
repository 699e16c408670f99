// The SQLite journal on a real file in a temporary folder: reopening gives the
// identical store (alerts, revs, epoch, applied seqs, tombstones), group commit
// writes one transaction per flush, pruning reaches the file, and nothing is
// acknowledged before it is committed.

#include "store/alert_journal.hpp"
#include "store/alert_store.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include <sched.h>
#include <unistd.h>

using namespace rover_alerts::relay;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kBoot = 0xfeedfacecafebeefull;  // above INT64_MAX: stored bit for bit

using rover_alerts::testing::TempDir;

fs::path db_in(const TempDir& dir) { return dir.path / "alerts.db"; }

// A store wired to its journal the way the relay does it.
struct Durable {
  std::unique_ptr<AlertJournal> journal;
  AlertStore store;
  int scheduled = 0;
  int commits = 0;

  explicit Durable(const fs::path& db, HistoryLimits limits = {}) : store(std::string(), limits) {
    journal = AlertJournal::open(db, JournalOptions{}, store);
    store.set_recorder(journal.get());
    journal->set_flush_scheduler([this] { ++scheduled; });
    journal->set_commit_listener([this] { ++commits; });
  }
  ~Durable() { store.set_recorder(nullptr); }
};

RoverEvent raise(std::string key, Priority priority = Priority::High, std::uint64_t at = 1500) {
  RoverEvent e;
  e.kind = RoverEventKind::Raise;
  e.key = std::move(key);
  e.priority = priority;
  e.source = "power";
  e.title = "Battery low";
  e.message = "Return to base";
  e.raised_at_ms = at;
  e.last_seen_ms = at;
  return e;
}

RoverEvent clear_of(std::string key) {
  RoverEvent e = raise(std::move(key));
  e.kind = RoverEventKind::Clear;
  e.last_seen_ms = 1600;
  return e;
}

void check_same(const AlertStore& a, const AlertStore& b) {
  BOOST_TEST(a.epoch() == b.epoch());
  BOOST_TEST(a.rev() == b.rev());
  BOOST_TEST(a.history_floor_rev() == b.history_floor_rev());
  BOOST_TEST((a.snapshot() == b.snapshot()));
  BOOST_TEST((a.tombstones() == b.tombstones()));
  BOOST_TEST((a.image().applied == b.image().applied));
}

std::int64_t count_rows(const fs::path& db, const char* table) {
  sqlite3* handle = nullptr;
  sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = std::string("SELECT count(*) FROM ") + table;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return n;
}

// Threads of this process scheduled SCHED_BATCH.
int batch_threads() {
  int n = 0;
  for (const auto& task : fs::directory_iterator("/proc/self/task"))
    n += ::sched_getscheduler(static_cast<pid_t>(std::stol(task.path().filename().string()))) == SCHED_BATCH;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_journal)

// The writer must not take the core of the io thread that wakes it for a flush.
BOOST_AUTO_TEST_CASE(the_writer_thread_is_scheduled_as_batch_work) {
  TempDir dir("journal-test");
  const int before = batch_threads();
  Durable d(db_in(dir));
  BOOST_TEST(batch_threads() == before + 1);
}

BOOST_AUTO_TEST_CASE(a_new_database_gets_an_epoch_once) {
  TempDir dir("journal-test");
  std::string epoch;
  {
    Durable d(db_in(dir));
    epoch = d.store.epoch();
    BOOST_TEST(epoch.size() == 32u);
    BOOST_TEST(d.store.rev() == 0u);
  }
  Durable again(db_in(dir));
  BOOST_TEST(again.store.epoch() == epoch);
  TempDir other("journal-test");
  Durable fresh(db_in(other));
  BOOST_TEST(fresh.store.epoch() != epoch);
}

// A second relay on the same file is a configuration error: a clear
// JournalError, and the first relay's journal stays as it was.
BOOST_AUTO_TEST_CASE(a_file_another_journal_holds_is_refused_with_an_error) {
  TempDir dir("journal-test");
  Durable first(db_in(dir));
  AlertStore store{std::string()};
  BOOST_CHECK_THROW(AlertJournal::open(db_in(dir), JournalOptions{}, store), JournalError);
  BOOST_TEST(first.journal->healthy());
}

BOOST_AUTO_TEST_CASE(reopen_gives_the_identical_store) {
  TempDir dir("journal-test");
  auto first = std::make_unique<Durable>(db_in(dir), HistoryLimits{2, 1'000'000'000});
  AlertStore& s = first->store;
  std::uint64_t seq = 0;
  auto rich = raise("drive/overtemp", Priority::Medium);
  rich.metadata = {{"motor", "left-rear"}, {"temperatureC", "92"}};
  rich.action = AlertAction{"Stop", "drive.stop", {{"why", "heat"}}};
  rich.group_id = "thermal";
  rich.expires_at_ms = 9'000'000'000'000ull;
  s.apply_rover_event("R1", kBoot, ++seq, rich);
  s.apply_rover_event("R1", kBoot, ++seq, raise("a"));
  s.apply_rover_event("R1", kBoot, ++seq, raise("a"));  // update
  s.apply_rover_event("R2", 7, 1, raise("b", Priority::Info));
  s.apply_rover_event("R2", 7, 2, clear_of("b"));  // info: removed
  BOOST_TEST(s.acknowledge(s.find("R1", "a")->id, "ada", 2000).ok());
  s.apply_rover_event("R1", kBoot, ++seq, clear_of("a"));  // acked: removed
  s.apply_rover_event("R1", kBoot, ++seq, raise("c", Priority::Low));
  s.apply_rover_event("R1", kBoot, ++seq, clear_of("c"));  // rtn_unacked
  GroundAlertSpec spec;
  spec.message = "Hold position";
  spec.priority = Priority::Critical;
  spec.source = "ops";
  spec.persistent = true;
  s.create(spec, "ann", 3000);
  ClearCriteria criteria;
  criteria.priority = Priority::Low;
  BOOST_TEST(s.clear(criteria, 3100) == 1u);  // a third removal: the oldest tombstone is pruned
  s.apply_rover_event("R1", kBoot, ++seq, clear_of("ghost"));  // only the seq moves
  BOOST_TEST(s.acknowledge(s.find("R1", "drive/overtemp")->id, "oscar", 3200, "cooling down").ok());  // stays
  BOOST_TEST(first->journal->flush());
  BOOST_TEST(first->journal->healthy());

  // Reopen while the first journal still holds the file? No: close it first,
  // as a restarted relay would.
  AlertStore reference(s.epoch());
  reference.restore(s.image());
  first.reset();

  Durable second(db_in(dir), HistoryLimits{2, 1'000'000'000});
  check_same(second.store, reference);
  BOOST_TEST(second.store.tombstones().size() == 2u);
  BOOST_TEST(second.store.history_floor_rev() > 0u);
  BOOST_TEST(second.store.applied_seq("R1", kBoot) == seq);
  BOOST_TEST(second.journal->committed_seq("R1", kBoot) == seq);
  BOOST_TEST(second.journal->committed_seq("R2", 7) == 2u);
  BOOST_TEST(*second.store.next_expiry() == 9'000'000'000'000ull);
  const std::optional<Alert> overtemp = second.store.find("R1", "drive/overtemp");
  BOOST_TEST_REQUIRE(overtemp.has_value());
  BOOST_TEST(overtemp->metadata.at("motor") == "left-rear");
  BOOST_TEST(overtemp->action->parameters.at("why") == "heat");
  BOOST_TEST(overtemp->acknowledged);
  BOOST_TEST(overtemp->acknowledged_by == "oscar");
  BOOST_TEST(overtemp->acknowledged_at_ms == 3200u);
  BOOST_TEST(overtemp->ack_comment == "cooling down");
}

// The audit trail is journaled with the next commit, comes back on reopening
// (seqs go on), and what its bounds drop leaves the file too.
BOOST_AUTO_TEST_CASE(audit_entries_survive_reopening_and_pruning_reaches_the_file) {
  TempDir dir("journal-test");
  const auto entry = [](std::uint64_t at, std::string action) {
    return AuditEntry{0, at, "oscar", "operator", "10.0.0.7", std::move(action), "rover-1-0000000000000001-1", "ok",
                      "on it, \"really\""};
  };
  {
    AuditLog audit(AuditLimits{3, 1'000'000'000});
    AlertStore store(std::string(), HistoryLimits{});
    auto journal = AlertJournal::open(db_in(dir), JournalOptions{}, store, &audit);
    for (std::uint64_t i = 1; i <= 4; ++i) audit.append(entry(1000 * i, i == 2 ? "alert_clear" : "alert_ack"));
    BOOST_TEST(journal->flush());
  }
  AuditLog audit(AuditLimits{3, 1'000'000'000});
  AlertStore store(std::string(), HistoryLimits{});
  auto journal = AlertJournal::open(db_in(dir), JournalOptions{}, store, &audit);
  BOOST_TEST_REQUIRE(audit.size() == 3u);
  const AuditPage page = audit.query({});
  BOOST_TEST(page.entries.front().seq == 2u);  // the first left with the bound
  BOOST_TEST(page.entries.front().action == "alert_clear");
  BOOST_TEST((page.entries.back() == [&] { auto e = entry(4000, "alert_ack"); e.seq = 4; return e; }()));
  BOOST_TEST(audit.append(entry(5000, "auth")) == 5u);
  BOOST_TEST(journal->flush());
  journal.reset();
  AuditLog again(AuditLimits{100, 1'000'000'000});  // a larger bound brings back only what the file kept
  AlertStore store2(std::string(), HistoryLimits{});
  auto reopened = AlertJournal::open(db_in(dir), JournalOptions{}, store2, &again);
  BOOST_TEST(again.size() == 3u);
  BOOST_TEST(again.query({}).entries.front().seq == 3u);
}

// Shelves (on alerts and on keys) and out-of-service rules are in the file:
// a reopened store has them all, and what ended is gone from it.
BOOST_AUTO_TEST_CASE(suppression_survives_reopening) {
  TempDir dir("journal-test");
  StoreImage before;
  {
    Durable d(db_in(dir));
    d.store.apply_rover_event("R1", kBoot, 1, raise("a"));
    d.store.apply_rover_event("R1", kBoot, 2, raise("b"));
    ShelveRequest shelve;
    shelve.alert_id = d.store.find("R1", "a")->id;
    shelve.by_key = true;
    shelve.by = "ada";
    shelve.reason = "swap";
    shelve.until_ms = 90'000;
    shelve.one_shot = true;
    BOOST_TEST(d.store.shelve(shelve, 2000).ok());
    ShelveRequest ahead;
    ahead.rover = "R2";
    ahead.key = "k";
    ahead.by = "ada";
    ahead.reason = "known noise";
    ahead.until_ms = 80'000;
    BOOST_TEST(d.store.shelve(ahead, 2000).ok());
    ahead.key = "gone";
    BOOST_TEST(d.store.shelve(ahead, 2000).ok());
    BOOST_TEST(d.store.unshelve({}, "R2", "gone", 2100).ok());
    BOOST_TEST(d.store.set_out_of_service(OutOfService{ServiceScope::Source, "power", "root", "rewiring", 2200}, 2200).ok());
    BOOST_TEST(d.store.set_out_of_service(OutOfService{ServiceScope::Rover, "R9", "root", "parked", 2300}, 2300).ok());
    BOOST_TEST(d.store.return_to_service(ServiceScope::Rover, "R9", 2400).ok());
    BOOST_TEST(d.journal->flush());
    before = d.store.image();
  }
  Durable again(db_in(dir));
  const StoreImage after = again.store.image();
  BOOST_TEST((after.alerts == before.alerts));
  BOOST_TEST_REQUIRE(after.key_shelves.size() == 2u);  // R1/a (by key) and R2/k
  BOOST_TEST((after.key_shelves == before.key_shelves));
  BOOST_TEST_REQUIRE(after.out_of_service.size() == 1u);
  BOOST_TEST(after.out_of_service[0].reason == "rewiring");
  BOOST_TEST(again.store.find("R1", "a")->shelf->one_shot);
  BOOST_TEST(again.store.find("R1", "b")->out_of_service->by == "root");
}

// A record journaled before acknowledgements had comments ends at createdBy:
// it still decodes (with no comment); one with trailing garbage does not.
BOOST_AUTO_TEST_CASE(records_from_before_ack_comments_still_decode) {
  Alert a;
  a.id = "R1-0000000000000001-1";
  a.key = "a";
  a.rover = "R1";
  a.source = "s";
  a.acknowledged = true;
  a.acknowledged_by = "ada";
  a.ack_comment = "why";
  const std::string current = AlertJournal::encode(a);
  Alert decoded;
  BOOST_TEST_REQUIRE(AlertJournal::decode(current, decoded));
  BOOST_TEST(decoded.ack_comment == "why");
  // Before suppression: the same bytes without the trailing flags (one varint, 0).
  BOOST_TEST_REQUIRE(current.back() == '\0');
  const std::string before_suppression = current.substr(0, current.size() - 1);
  BOOST_TEST_REQUIRE(AlertJournal::decode(before_suppression, decoded));
  BOOST_TEST(decoded.ack_comment == "why");
  // Before comments: without the comment either (a varint length and its bytes).
  const std::string old = before_suppression.substr(0, before_suppression.size() - 1 - a.ack_comment.size());
  Alert from_old;
  from_old.ack_comment = "left from the row before";  // the journal reuses one Alert for every row
  from_old.shelf = Shelf{"x", "y", 1, 2, false, false};
  BOOST_TEST_REQUIRE(AlertJournal::decode(old, from_old));
  BOOST_TEST(from_old.ack_comment.empty());
  BOOST_TEST(!from_old.shelf.has_value());
  BOOST_TEST(from_old.acknowledged_by == "ada");
  BOOST_TEST(!AlertJournal::decode(current + "x", decoded));
}

// Boots the store forgets leave the file and the journal's acknowledgeable
// seqs, in the same commit; a forget and a later use of the same boot in one
// batch keep the later word.
BOOST_AUTO_TEST_CASE(forgotten_rover_boots_leave_the_journal) {
  constexpr std::uint64_t kBoots = AlertStore::kBootsKeptPerRover + 2;
  TempDir dir("journal-test");
  {
    Durable d(db_in(dir));
    for (std::uint64_t boot = 1; boot <= 2; ++boot) d.store.apply_rover_event("R1", boot, 1, raise("a"));
    BOOST_TEST(d.journal->flush());
    BOOST_TEST(d.journal->committed_seq("R1", 1) == 1u);
    for (std::uint64_t boot = 3; boot <= kBoots; ++boot) d.store.apply_rover_event("R1", boot, 1, raise("a"));
    BOOST_TEST(d.journal->flush());
    BOOST_TEST(d.journal->committed_seq("R1", 1) == 0u);
    BOOST_TEST(d.journal->committed_seq("R1", 2) == 0u);
    BOOST_TEST(d.journal->committed_seq("R1", kBoots) == 1u);
    // Boot 1 comes back (a second process with the same rover id): applied
    // anew, and boot 3 (least recently used) goes, both in one batch.
    BOOST_TEST((d.store.apply_rover_event("R1", 1, 1, raise("a")) == AlertStore::ApplyResult::Applied));
    BOOST_TEST(d.journal->flush());
    BOOST_TEST(d.journal->committed_seq("R1", 1) == 1u);
    BOOST_TEST(d.journal->committed_seq("R1", 3) == 0u);
  }
  BOOST_TEST(count_rows(db_in(dir), "applied") == static_cast<std::int64_t>(AlertStore::kBootsKeptPerRover));
  Durable again(db_in(dir));
  BOOST_TEST(again.store.image().applied.size() == AlertStore::kBootsKeptPerRover);
  BOOST_TEST(again.store.applied_seq("R1", 1) == 1u);
  BOOST_TEST(again.store.applied_seq("R1", 3) == 0u);
  BOOST_TEST(again.journal->committed_seq("R1", kBoots) == 1u);
}

BOOST_AUTO_TEST_CASE(only_committed_changes_survive_and_only_they_are_acknowledgeable) {
  TempDir dir("journal-test");
  std::uint64_t committed_rev = 0;
  std::string committed_first_id;
  {
    Durable d(db_in(dir));
    d.store.apply_rover_event("R1", kBoot, 1, raise("a"));
    d.store.apply_rover_event("R1", kBoot, 2, raise("b"));
    BOOST_TEST(d.store.applied_seq("R1", kBoot) == 2u);
    BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 0u);  // applied is not durable
    BOOST_TEST(d.scheduled == 1);                             // one flush per batch
    BOOST_TEST(d.journal->flush());
    BOOST_TEST(d.commits == 1);
    BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 2u);
    committed_rev = d.store.rev();
    committed_first_id = d.store.find("R1", "a")->id;

    d.store.apply_rover_event("R1", kBoot, 3, raise("c"));
    BOOST_TEST(d.scheduled == 2);
    BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 2u);
    // Simulate a crash: the uncommitted batch never reaches the file. (The
    // destructor would flush; drop the pending batch by closing the raw file
    // under it is not possible, so copy the database as a crash would leave it.)
    fs::copy_file(db_in(dir), dir.path / "crashed.db");
    if (fs::exists(fs::path(db_in(dir).string() + "-wal")))
      fs::copy_file(fs::path(db_in(dir).string() + "-wal"), dir.path / "crashed.db-wal");
  }
  Durable after(dir.path / "crashed.db");
  BOOST_TEST(after.store.rev() >= committed_rev);
  BOOST_TEST(after.store.size() == 2u);
  BOOST_TEST(!after.store.find("R1", "c").has_value());
  BOOST_TEST(after.store.find("R1", "a")->id == committed_first_id);
  BOOST_TEST(after.store.applied_seq("R1", kBoot) == 2u);
  // The rover replays seq 3 (never acknowledged): applied again.
  BOOST_TEST((after.store.apply_rover_event("R1", kBoot, 3, raise("c")) == AlertStore::ApplyResult::Applied));
}

// Urgent changes go out before their commit, up to the durable reservation; a
// crash in between must leave no client holding a change that was undone.
BOOST_AUTO_TEST_CASE(a_crash_renews_the_epoch_and_no_rev_shown_before_it_is_used_again) {
  TempDir dir("journal-test");
  std::string epoch;
  std::uint64_t reserved = 0;
  std::uint64_t shown_rev = 0;
  {
    Durable d(db_in(dir));
    epoch = d.store.epoch();
    // Reserved ahead from the start: the first changes may be shown at once.
    BOOST_TEST(d.journal->reserved_rev() > d.store.rev());
    d.store.apply_rover_event("R1", kBoot, 1, raise("a", Priority::Critical));
    BOOST_TEST(d.journal->flush());
    // Shown before its commit (rev within the reservation), then the crash.
    d.store.apply_rover_event("R1", kBoot, 2, raise("b", Priority::Critical));
    shown_rev = d.store.rev();
    reserved = d.journal->reserved_rev();
    BOOST_TEST(shown_rev <= reserved);
    fs::copy_file(db_in(dir), dir.path / "crashed.db");
    if (fs::exists(fs::path(db_in(dir).string() + "-wal")))
      fs::copy_file(fs::path(db_in(dir).string() + "-wal"), dir.path / "crashed.db-wal");
  }
  {
    // A clean stop keeps the epoch and the rev: clients resync incrementally.
    Durable clean(db_in(dir));
    BOOST_TEST(clean.store.epoch() == epoch);
    BOOST_TEST(clean.store.rev() == shown_rev);
  }
  Durable after(dir.path / "crashed.db");
  BOOST_TEST(after.store.epoch() != epoch);          // every client discards what it holds
  BOOST_TEST(after.store.rev() >= reserved);         // no rev anyone saw comes back
  BOOST_TEST(!after.store.find("R1", "b").has_value());
  after.store.apply_rover_event("R1", kBoot, 2, raise("b", Priority::Critical));
  BOOST_TEST(after.store.find("R1", "b")->rev > reserved);
  BOOST_TEST(after.journal->reserved_rev() > after.store.rev());
  BOOST_TEST(after.journal->flush());
}

BOOST_AUTO_TEST_CASE(the_rev_reservation_grows_with_commits_before_it_runs_out) {
  TempDir dir("journal-test");
  Durable d(db_in(dir));
  const std::uint64_t first = d.journal->reserved_rev();
  std::uint64_t seq = 0;
  // Commit in batches until the reservation has been renewed at least twice,
  // checking that a change never waits for want of a reservation.
  while (d.journal->reserved_rev() < first * 2) {
    for (int i = 0; i < 1000; ++i) {
      ++seq;
      d.store.apply_rover_event("R1", kBoot, seq, raise("k" + std::to_string(seq % 50)));
    }
    BOOST_TEST_REQUIRE(d.journal->flush());
    BOOST_TEST_REQUIRE(d.journal->reserved_rev() > d.store.rev());
    BOOST_TEST_REQUIRE(seq < 4 * first);
  }
}

BOOST_AUTO_TEST_CASE(group_commit_coalesces_a_batch_into_one_transaction) {
  TempDir dir("journal-test");
  {
    Durable d(db_in(dir));
    for (std::uint64_t seq = 1; seq <= 1000; ++seq)
      d.store.apply_rover_event("R1", kBoot, seq, raise("k" + std::to_string(seq % 10)));
    BOOST_TEST(d.scheduled == 1);
    BOOST_TEST(d.journal->pending_changes() == 2000u);  // 1000 changes + 1000 seqs recorded
    BOOST_TEST(d.journal->flush());
    BOOST_TEST(d.journal->counters().commits == 1u);
    BOOST_TEST(d.journal->counters().last_batch_changes == 10u);  // ten alerts, latest state each
    BOOST_TEST(d.journal->pending_changes() == 0u);
    BOOST_TEST(d.journal->flush());  // nothing pending: no transaction
    BOOST_TEST(d.journal->counters().commits == 1u);
  }
  // The journal holds the file exclusively while open: count once it is closed.
  BOOST_TEST(count_rows(db_in(dir), "alerts") == 10);
}

BOOST_AUTO_TEST_CASE(a_large_batch_with_updates_and_removals_reopens_identically) {
  // Enough distinct alerts for several multi-row upserts plus single rows,
  // with some changed again or removed within the same batch.
  TempDir dir("journal-test");
  AlertStore reference("unused");
  {
    Durable d(db_in(dir));
    std::uint64_t seq = 0;
    for (int i = 0; i < 101; ++i) d.store.apply_rover_event("R1", kBoot, ++seq, raise("k" + std::to_string(i)));
    for (int i = 0; i < 101; i += 7) d.store.apply_rover_event("R1", kBoot, ++seq, raise("k" + std::to_string(i)));
    for (int i = 3; i < 101; i += 10) {
      const auto id = d.store.find("R1", "k" + std::to_string(i))->id;
      d.store.apply_rover_event("R1", kBoot, ++seq, clear_of("k" + std::to_string(i)));
      BOOST_REQUIRE(d.store.acknowledge(id, "oscar", 1700).removed);
    }
    BOOST_TEST(d.journal->flush());
    BOOST_TEST(d.journal->counters().commits == 1u);
    BOOST_TEST(d.journal->counters().last_batch_changes == 101u + 10u);  // every alert once + 10 tombstones
    reference.restore(d.store.image());
  }
  BOOST_TEST(count_rows(db_in(dir), "alerts") == 91);
  Durable again(db_in(dir));
  check_same(reference, again.store);
  BOOST_TEST(again.store.size() == 91u);
}

BOOST_AUTO_TEST_CASE(the_writer_thread_commits_one_batch_while_the_next_is_recorded) {
  TempDir dir("journal-test");
  Durable d(db_in(dir));
  std::mutex mutex;
  std::condition_variable woken;
  int wakes = 0;
  d.journal->set_waker([&] {
    const std::lock_guard lock(mutex);
    ++wakes;
    woken.notify_all();
  });
  const auto wait_for_wake = [&](int n) {
    std::unique_lock lock(mutex);
    return woken.wait_for(lock, std::chrono::seconds(30), [&] { return wakes >= n; });
  };

  d.store.apply_rover_event("R1", kBoot, 1, raise("a"));
  d.journal->start_flush();  // batch 1 goes to the writer
  int first_done = 0;
  d.journal->after_commit([&] { ++first_done; });  // nothing pending: waits for batch 1
  d.store.apply_rover_event("R1", kBoot, 2, raise("b"));  // recorded meanwhile: batch 2
  int second_done = 0;
  d.journal->after_commit([&] { ++second_done; });
  BOOST_TEST(d.journal->pending_changes() == 4u);  // both batches, a change and a seq each

  BOOST_TEST_REQUIRE(wait_for_wake(1));
  BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 0u);  // nothing completes before poll()
  BOOST_TEST(d.journal->poll());
  BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 1u);
  BOOST_TEST(d.journal->committed_rev() == 1u);
  BOOST_TEST(first_done == 1);
  BOOST_TEST(second_done == 0);
  BOOST_TEST(d.commits == 1);

  // poll() handed batch 2 over already.
  BOOST_TEST_REQUIRE(wait_for_wake(2));
  BOOST_TEST(d.journal->poll());
  BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 2u);
  BOOST_TEST(second_done == 1);
  BOOST_TEST(d.journal->pending_changes() == 0u);
  BOOST_TEST(d.journal->counters().commits == 2u);
}

BOOST_AUTO_TEST_CASE(after_commit_waits_for_the_commit) {
  TempDir dir("journal-test");
  Durable d(db_in(dir));
  int called = 0;
  d.journal->after_commit([&] { ++called; });
  BOOST_TEST(called == 1);  // nothing pending: at once
  GroundAlertSpec spec;
  spec.message = "m";
  spec.source = "ops";
  d.store.create(spec, "ann", 1);
  d.journal->after_commit([&] { ++called; });
  BOOST_TEST(called == 1);
  BOOST_TEST(d.journal->flush());
  BOOST_TEST(called == 2);
}

BOOST_AUTO_TEST_CASE(pruning_reaches_the_file) {
  TempDir dir("journal-test");
  {
    Durable d(db_in(dir), HistoryLimits{100, 1000});
    for (std::uint64_t seq = 1; seq <= 20; seq += 2) {
      const std::string key = "k" + std::to_string(seq);
      d.store.apply_rover_event("R1", kBoot, seq, raise(key, Priority::Info));
      d.store.apply_rover_event("R1", kBoot, seq + 1, clear_of(key));
    }
    BOOST_TEST(d.journal->flush());
  }
  BOOST_TEST(count_rows(db_in(dir), "tombstones") == 10);
  {
    Durable d(db_in(dir), HistoryLimits{100, 1000});
    BOOST_TEST(d.store.tombstones().size() == 10u);
    BOOST_TEST(d.store.prune_history(1600 + 1001) == 10u);
    BOOST_TEST(d.journal->flush());
  }
  BOOST_TEST(count_rows(db_in(dir), "tombstones") == 0);
  Durable again(db_in(dir), HistoryLimits{100, 1000});
  BOOST_TEST(again.store.tombstones().empty());
  BOOST_TEST(again.store.history_floor_rev() == 20u);
  SyncQuery q;
  q.since_rev = 5;
  BOOST_TEST(again.store.changes_since(q).reset);
}

BOOST_AUTO_TEST_CASE(a_second_writer_is_locked_out) {
  TempDir dir("journal-test");
  Durable d(db_in(dir));
  d.store.apply_rover_event("R1", kBoot, 1, raise("a"));
  BOOST_TEST(d.journal->flush());
  // Another connection takes the write lock: our commit cannot happen.
  d.store.apply_rover_event("R1", kBoot, 2, raise("b"));
  sqlite3* other = nullptr;
  BOOST_TEST_REQUIRE(sqlite3_open(db_in(dir).c_str(), &other) == SQLITE_OK);
  // The journal holds an exclusive lock, so the other connection is the one refused...
  const int rc = sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  BOOST_TEST(rc != SQLITE_OK);
  sqlite3_close(other);
  // ...and the journal keeps working.
  BOOST_TEST(d.journal->flush());
  BOOST_TEST(d.journal->committed_seq("R1", kBoot) == 2u);

}

BOOST_AUTO_TEST_CASE(a_failed_commit_keeps_the_batch_stops_acks_and_recovers) {
  TempDir dir("journal-test");
  JournalOptions options;
  options.max_database_bytes = 64 * 1024;
  AlertStore store(std::string(), HistoryLimits{});
  auto journal = AlertJournal::open(db_in(dir), options, store);
  store.set_recorder(journal.get());
  int commits = 0;
  journal->set_commit_listener([&] { ++commits; });

  store.apply_rover_event("R1", kBoot, 1, raise("a"));
  BOOST_TEST(journal->flush());
  BOOST_TEST(journal->committed_seq("R1", kBoot) == 1u);

  // An alert too big for the capped database: the commit fails (disk full).
  auto huge = raise("huge");
  huge.message.assign(200 * 1024, 'x');
  store.apply_rover_event("R1", kBoot, 2, huge);
  int waited = 0;
  journal->after_commit([&] { ++waited; });
  BOOST_TEST(!journal->flush());
  BOOST_TEST(!journal->healthy());
  BOOST_TEST(journal->counters().commit_failures == 1u);
  BOOST_TEST(journal->committed_seq("R1", kBoot) == 1u);  // seq 2 is not acknowledgeable
  BOOST_TEST(commits == 1);
  BOOST_TEST(waited == 0);
  BOOST_TEST(store.find("R1", "huge").has_value());  // the store is untouched
  BOOST_TEST(journal->pending_changes() > 0u);

  // Retrying does not help while the batch does not fit...
  BOOST_TEST(!journal->flush());
  BOOST_TEST(journal->counters().commit_failures == 2u);
  // ...once the operator clears it, the coalesced batch fits, and everything
  // (seq 2, the removal, its tombstone) commits together.
  ClearCriteria criteria;
  criteria.ids = {store.find("R1", "huge")->id};
  BOOST_TEST(store.clear(criteria, 5000) == 1u);
  BOOST_TEST(journal->flush());
  BOOST_TEST(journal->healthy());
  BOOST_TEST(journal->committed_seq("R1", kBoot) == 2u);
  BOOST_TEST(waited == 1);
  const auto rev = store.rev();
  store.set_recorder(nullptr);
  journal.reset();

  Durable again(db_in(dir));
  BOOST_TEST(again.store.rev() == rev);
  BOOST_TEST(!again.store.find("R1", "huge").has_value());
  BOOST_TEST(again.store.tombstones().size() == 1u);
  BOOST_TEST(again.store.applied_seq("R1", kBoot) == 2u);
}

BOOST_AUTO_TEST_CASE(encoding_round_trips_and_rejects_garbage) {
  Alert a;
  a.id = "R1-00000000000000ab-1";
  a.key = "k";
  a.rover = "R1";
  a.source = "s";
  a.priority = Priority::Low;
  a.title = "t";
  a.message = "m";
  a.action = AlertAction{"l", "t", {{"p", "v"}}};
  a.metadata = {{"a", "b"}};
  a.group_id = "g";
  a.persistent = true;
  a.closable = false;
  a.expires_at_ms = 1;
  a.acknowledged = true;
  a.acknowledged_by = "ada";
  a.acknowledged_at_ms = 2;
  a.active = false;
  a.occurrences = 300;
  a.first_seen_ms = 3;
  a.last_seen_ms = ~0ull;
  a.timestamp_ms = 5;
  a.rev = 6;
  a.created_by = "ann";
  a.ack_comment = "c";
  a.shelf = Shelf{"ada", "why", 7, 8, true, true};
  a.out_of_service = OutOfService{ServiceScope::Source, "s", "root", "rewiring", 9};
  Alert b;
  BOOST_TEST(AlertJournal::decode(AlertJournal::encode(a), b));
  BOOST_TEST((a == b));
  const std::string bytes = AlertJournal::encode(a);
  // Cut anywhere inside the suppression part (it ends with the rule's time, one byte).
  BOOST_TEST(!AlertJournal::decode(bytes.substr(0, bytes.size() - 1), b));
  BOOST_TEST(!AlertJournal::decode(bytes.substr(0, bytes.size() - 5), b));
  BOOST_TEST(!AlertJournal::decode(bytes + "x", b));
  BOOST_TEST(!AlertJournal::decode("", b));
  Tombstone t{"id", "R1", "k", "s", Priority::Critical, ChangeType::Clear, 9, 10};
  Tombstone u;
  BOOST_TEST(AlertJournal::decode(AlertJournal::encode(t), u));
  BOOST_TEST((t == u));
}

BOOST_AUTO_TEST_SUITE_END()
