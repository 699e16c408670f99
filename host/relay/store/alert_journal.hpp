#pragma once
// The alert store's durable journal: one SQLite file (WAL mode) that holds the
// store's current state - alerts, retained tombstones, applied sequence
// numbers per rover boot, rev, history floor and epoch - updated by batched
// group commits.
//
// The store reports every change to the journal (StoreRecorder) before anyone
// else sees it. Changes accumulate in memory (coalesced per alert at commit)
// and are written in ONE transaction per batch, with prepared statements
// reused. The SQLite work runs on the journal's own writer thread, so the io
// thread goes on applying frames while a batch is written and fsynced:
//   start_flush() hands the pending batch to the writer (if it is idle);
//   the writer commits and calls the waker; the owner then calls poll() on
//   its own thread, which completes the batch and hands over the next one.
// Ingest thus costs max(store, SQLite) per alert, not their sum, and a batch
// is whatever arrived while the previous one was being written (group commit
// that grows with load). flush() does the same synchronously.
// After a commit the journal tells its commit listener; link sessions then
// acknowledge up to committed_seq() - never beyond, so a rover frame is
// acknowledged only once the change it caused is on disk.
//
// A database always holds the state as of one batch boundary: a kill -9 at
// any moment loses at most the uncommitted batch, which no rover or requester
// was told about (no LinkAck, no after_commit callback), and a reopen
// restores exactly the committed store - in a new epoch when critical
// changes of that batch may have been shown (see reserved_rev()).
//
// Failure policy: when a commit fails (disk full, I/O error, ...), the
// transaction is rolled back, the pending changes stay queued (the in-memory
// store is untouched and stays ahead of the disk), the journal reports itself
// unhealthy, counts the failure and logs it; committed_seq() stops advancing,
// so rovers get no further acks and keep their frames in their replay rings.
// The failed batch goes back in front of the pending one, so the next
// attempt (the relay retries every second) writes the whole backlog,
// coalesced; on success the journal is healthy again and the acks catch up.
//
// Threading: every member function is called from one owner thread (the
// relay's io thread); only the SQLite connection and the batch being written
// are used by the writer thread, handed over under a mutex. The store stays
// unaware of sockets and the journal of the io loop (callbacks schedule work).

#include "store/alert_store.hpp"
#include "store/audit_log.hpp"
#include "store/byte_codec.hpp"
#include "histogram.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace rover_alerts::relay {

// SQLite `synchronous` in WAL mode.
//  Full:   every commit is fsynced: survives process crashes and power loss.
//  Normal: the WAL is fsynced only at checkpoints: survives a crash of the
//          process (kill -9), but a power loss or OS crash may lose the last
//          commits - which rovers were already told were durable.
// Default Full: an acknowledged alert is deleted from the rover's replay
// ring, so "acknowledged" must mean "survives anything short of losing the
// disk"; group commit pays one fsync per batch, not per alert.
enum class Durability : std::uint8_t { Full, Normal };

struct JournalOptions {
  Durability durability = Durability::Full;
  // Caps the database file (SQLite max_page_count); 0: no cap. Past it a
  // commit fails like on a full disk (see the failure policy).
  std::uint64_t max_database_bytes = 0;
  // Changes recorded and not yet committed past which the journal reports
  // itself backlogged: the relay then stops reading rover links (TCP pushes
  // back, the rovers keep their frames) until a commit brings it below.
  std::size_t max_backlog_changes = std::size_t{1} << 18;
};

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JournalCounters {
  std::uint64_t commits = 0;
  std::uint64_t changes_committed = 0;  // after coalescing
  std::uint64_t commit_failures = 0;
  std::uint64_t last_batch_changes = 0;
  // From handing a batch to the writer thread to its commit being seen on
  // the owner thread (the fsync and both thread hand-overs), in µs.
  Histogram<10> commit_us{{100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000}};
};

class AlertJournal final : public StoreRecorder, public AuditRecorder {
 public:
  // Opens `file`, creating it (and a fresh epoch) when missing, and restores
  // `store` to the stored state (row by row: no second copy of a large store
  // in memory), and `audit` (when given) to the audit entries kept, then
  // records what it appends. Throws JournalError.
  static std::unique_ptr<AlertJournal> open(const std::filesystem::path& file, const JournalOptions& options,
                                            AlertStore& store, AuditLog* audit = nullptr);
  ~AlertJournal() override;
  AlertJournal(const AlertJournal&) = delete;
  AlertJournal& operator=(const AlertJournal&) = delete;

  // Called when the first change of a new batch is recorded: arrange for
  // start_flush() to run soon (the relay posts it to its io loop).
  void set_flush_scheduler(std::function<void()> schedule) { schedule_flush_ = std::move(schedule); }
  // Called ON THE WRITER THREAD when a batch is written: arrange for poll()
  // to run on the owner thread (the relay posts it). Without one, batches
  // complete in flush() or when the owner polls.
  void set_waker(std::function<void()> wake);
  // Called after every successful commit (link sessions send their acks then).
  void set_commit_listener(std::function<void()> listener) { commit_listener_ = std::move(listener); }
  // Runs `callback` once everything recorded so far is committed (at once if
  // nothing is pending). For answers that must not precede durability.
  void after_commit(std::function<void()> callback);

  // Hands the pending batch to the writer thread unless it is busy (then
  // poll() hands it over when the current one is done).
  void start_flush();
  // Completes the batch the writer finished, if any: commit state, listener,
  // after_commit callbacks; then starts the next. Returns false when that
  // batch failed (see the failure policy above).
  bool poll();
  // Commits everything recorded so far, waiting for the writer. Returns
  // false when a commit failed; true otherwise.
  bool flush();

  // Highest seq of (rover, boot) that is committed: what may be acknowledged.
  std::uint64_t committed_seq(const std::string& rover, std::uint64_t boot_id) const;
  // Changes recorded and not yet committed (in the batch being written too).
  std::size_t pending_changes() const { return pending_.count + (submitted_ ? in_flight_.count : 0); }
  std::uint64_t committed_rev() const { return committed_rev_; }
  // Revs up to this one are reserved durably: a change with a rev at or
  // below it may be shown to clients before its commit (urgent delivery).
  // Should the relay then die before the commit, the next open finds the
  // reservation beyond the committed rev, renews the epoch (every client
  // discards its state and resyncs in full) and goes on past the
  // reservation, so no client keeps a change the crash undid and no rev is
  // ever used twice. A clean stop hands the reservation back.
  std::uint64_t reserved_rev() const { return reserved_rev_; }
  // Over JournalOptions::max_backlog_changes (see there).
  bool backlogged() const { return pending_changes() >= max_backlog_changes_; }
  bool healthy() const { return healthy_; }
  const JournalCounters& counters() const { return counters_; }
  const std::filesystem::path& file() const { return file_; }

  // StoreRecorder
  void record_change(const AlertChange& change, const Tombstone* tombstone) override;
  void record_applied_seq(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) override;
  void record_applied_forgotten(const std::string& rover, std::uint64_t boot_id) override;
  void record_history_pruned(std::uint64_t floor_rev) override;
  void record_key_shelf(const std::string& rover, const std::string& key, const Shelf* shelf) override;
  void record_out_of_service(ServiceScope scope, const std::string& value, const OutOfService* rule) override;

  // AuditRecorder: the entries go in the next group commit.
  void record_audit(const AuditEntry& entry) override;
  void record_audit_pruned(std::uint64_t floor_seq) override;
  static void encode(const AuditEntry& entry, ByteWriter& out);  // appends
  static bool decode(std::string_view bytes, AuditEntry& entry);

  // The compact binary encoding of an alert / tombstone in the database
  // (exposed for tests).
  static std::string encode(const Alert& alert);
  static void encode(const Alert& alert, ByteWriter& out);  // appends
  static bool decode(std::string_view bytes, Alert& alert);
  static std::string encode(const Tombstone& tombstone);
  static void encode(const Tombstone& tombstone, ByteWriter& out);  // appends
  static bool decode(std::string_view bytes, Tombstone& tombstone);
  static void encode(const Shelf& shelf, ByteWriter& out);
  static bool decode(ByteReader& in, Shelf& shelf);
  static void encode(const OutOfService& rule, ByteWriter& out);
  static bool decode(ByteReader& in, OutOfService& rule);

 private:
  AlertJournal(std::filesystem::path file, sqlite3* db);
  void prepare_statements();
  void load(AlertStore& store, AuditLog* audit);
  static bool decode_suppression(ByteReader& in, Alert& alert);
  void exec(const char* sql);
  // One transaction setting meta rows (owner thread, writer not running).
  using MetaValue = std::variant<std::uint64_t, std::string>;
  bool write_meta(std::initializer_list<std::pair<std::string_view, MetaValue>> values, std::string& error);
  void note_pending();
  // A key shelf or out-of-service row, written (or deleted: no body) with the next batch.
  void record_suppression(std::string name, std::optional<std::string> body);
  void writer_loop();
  bool write_batch();  // the writer thread: in_flight_ to SQLite
  bool complete();     // the owner thread, once the writer is done

  struct Statement;
  // Rows per multi-row upsert: one statement execution per chunk instead of
  // per row cuts SQLite's per-statement work by about a third in a batch.
  static constexpr std::size_t kUpsertChunk = 32;
  using RoverBoot = std::pair<std::string, std::uint64_t>;

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
  std::size_t max_backlog_changes_ = 0;
  std::vector<std::unique_ptr<Statement>> statements_;
  Statement* begin_ = nullptr;
  Statement* commit_ = nullptr;
  Statement* rollback_ = nullptr;
  Statement* upsert_alert_ = nullptr;
  Statement* upsert_alerts_ = nullptr;  // kUpsertChunk rows at once
  Statement* delete_alert_ = nullptr;
  Statement* insert_tombstone_ = nullptr;
  Statement* prune_tombstones_ = nullptr;
  Statement* upsert_applied_ = nullptr;
  Statement* delete_applied_ = nullptr;
  static constexpr std::uint64_t kForgotten = 0;  // a batch's applied seq meaning "row deleted"
  Statement* set_meta_ = nullptr;
  Statement* insert_audit_ = nullptr;
  Statement* prune_audit_ = nullptr;
  Statement* upsert_suppression_ = nullptr;
  Statement* delete_suppression_ = nullptr;

  // A row body in a batch's buffer: every body is encoded into one buffer (no
  // allocation per change). Several changes of one alert in a batch are
  // coalesced when written: only the latest is.
  struct PendingRow {
    std::uint64_t key = 0;  // alerts: created_rev; tombstones: rev
    std::size_t offset = 0;
    std::size_t size = 0;   // alerts: 0 means deleted
  };
  // One group commit.
  struct Batch {
    ByteWriter bytes;
    std::vector<PendingRow> alerts;      // in change order
    std::vector<PendingRow> tombstones;  // in rev order
    std::vector<PendingRow> audit;       // key: the entry's seq
    std::uint64_t audit_floor = 0;       // entries at or below it are deleted
    std::map<RoverBoot, std::uint64_t> applied;
    // Key shelves and out-of-service rules by row name: the latest word on
    // each (nullopt: the row is deleted).
    std::map<std::string, std::optional<std::string>> suppressions;
    std::uint64_t floor = 0;
    std::uint64_t rev = 0;
    std::size_t count = 0;  // changes recorded into it
    std::uint64_t reserved = 0;  // written by the writer: the new reservation, if it grew
    // Written by the writer thread.
    bool ok = false;
    std::string error;
    std::size_t rows = 0;

    // Appends a later batch (a failed batch takes the pending one behind it).
    void append(Batch&& later);
    void clear();
  };

  Batch pending_;  // the owner thread's
  // The entry the latest record_applied_seq() touched: frames come in runs
  // from one rover boot, so most calls need no map lookup.
  std::map<RoverBoot, std::uint64_t>::iterator last_applied_ = pending_.applied.end();
  std::vector<std::function<void()>> waiting_;            // after_commit callbacks of pending_
  std::vector<std::function<void()>> in_flight_waiting_;  // ... of in_flight_
  Batch in_flight_;         // the writer's while it writes
  bool submitted_ = false;  // in_flight_ is being written or awaits completion
  std::chrono::steady_clock::time_point submitted_at_;
  std::vector<const PendingRow*> upserts_;  // write_batch()'s scratch, kept for its capacity

  // Writer thread hand-over.
  enum class WriterState : std::uint8_t { Idle, Writing, Done };
  std::mutex mutex_;
  std::condition_variable changed_;
  WriterState state_ = WriterState::Idle;
  bool stopping_ = false;
  std::function<void()> wake_;
  std::thread writer_;

  std::map<RoverBoot, std::uint64_t> committed_;
  std::uint64_t committed_rev_ = 0;
  std::uint64_t committed_floor_ = 0;
  std::uint64_t reserved_rev_ = 0;
  bool healthy_ = true;
  JournalCounters counters_;
  std::function<void()> schedule_flush_;
  std::function<void()> commit_listener_;
};

}  // namespace rover_alerts::relay
