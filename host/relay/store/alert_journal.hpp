#pragma once
// The alert store's durable journal: one SQLite file (WAL mode) that holds the
// store's current state - alerts, retained tombstones, applied sequence
// numbers per rover boot, rev, history floor and epoch - updated by batched
// group commits.
//
// The store reports every change to the journal (StoreRecorder) before anyone
// else sees it. Changes accumulate in memory (coalesced per alert id) and are
// written in ONE transaction per batch, with prepared statements reused, when
// flush() runs: the relay posts a flush to its io loop when a batch starts, so
// everything that arrived during one loop turn shares one commit (and one
// fsync). After a commit the journal tells its commit listener; link sessions
// then acknowledge up to committed_seq() - never beyond, so a rover frame is
// acknowledged only once the change it caused is on disk.
//
// A database always holds the state as of one batch boundary: a kill -9 at
// any moment loses at most the uncommitted batch, which nobody was told about
// (no LinkAck, no after_commit callback), and a reopen restores exactly the
// committed store.
//
// Failure policy: when a commit fails (disk full, I/O error, ...), the
// transaction is rolled back, the pending changes stay queued (the in-memory
// store is untouched and stays ahead of the disk), the journal reports itself
// unhealthy, counts the failure and logs it; committed_seq() stops advancing,
// so rovers get no further acks and keep their frames in their replay rings.
// The next flush() (the relay retries every second) writes the whole backlog;
// on success the journal is healthy again and the acks catch up.
//
// Not thread-safe: used from the relay's io thread only. The store stays
// unaware of sockets; the journal of the io loop (flush scheduling is a callback).

#include "store/alert_store.hpp"
#include "store/byte_codec.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
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
};

class AlertJournal final : public StoreRecorder {
 public:
  // Opens `file`, creating it (and a fresh epoch) when missing, and restores
  // `store` to the stored state (row by row: no second copy of a large store
  // in memory). Throws JournalError.
  static std::unique_ptr<AlertJournal> open(const std::filesystem::path& file, const JournalOptions& options,
                                            AlertStore& store);
  ~AlertJournal() override;
  AlertJournal(const AlertJournal&) = delete;
  AlertJournal& operator=(const AlertJournal&) = delete;

  // Called when the first change of a new batch is recorded: arrange for
  // flush() to run soon (the relay posts it to its io loop).
  void set_flush_scheduler(std::function<void()> schedule) { schedule_flush_ = std::move(schedule); }
  // Called after every successful commit (link sessions send their acks then).
  void set_commit_listener(std::function<void()> listener) { commit_listener_ = std::move(listener); }
  // Runs `callback` once everything recorded so far is committed (at once if
  // nothing is pending). For answers that must not precede durability.
  void after_commit(std::function<void()> callback);

  // Commits everything pending in one transaction. Returns false when the
  // commit failed (see the failure policy above); true otherwise.
  bool flush();

  // Highest seq of (rover, boot) that is committed: what may be acknowledged.
  std::uint64_t committed_seq(const std::string& rover, std::uint64_t boot_id) const;
  std::size_t pending_changes() const { return pending_count_; }
  bool healthy() const { return healthy_; }
  const JournalCounters& counters() const { return counters_; }
  const std::filesystem::path& file() const { return file_; }

  // StoreRecorder
  void record_change(const AlertChange& change, const Tombstone* tombstone) override;
  void record_applied_seq(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) override;
  void record_history_pruned(std::uint64_t floor_rev) override;

  // The compact binary encoding of an alert / tombstone in the database
  // (exposed for tests).
  static std::string encode(const Alert& alert);
  static void encode(const Alert& alert, ByteWriter& out);  // appends
  static bool decode(std::string_view bytes, Alert& alert);
  static std::string encode(const Tombstone& tombstone);
  static void encode(const Tombstone& tombstone, ByteWriter& out);  // appends
  static bool decode(std::string_view bytes, Tombstone& tombstone);

 private:
  AlertJournal(std::filesystem::path file, sqlite3* db);
  void prepare_statements();
  void load(AlertStore& store);
  void exec(const char* sql);
  void note_pending();
  bool write_batch();

  struct Statement;
  // Rows per multi-row upsert: one statement execution per chunk instead of
  // per row cuts SQLite's per-statement work by about a third in a batch.
  static constexpr std::size_t kUpsertChunk = 32;
  using RoverBoot = std::pair<std::string, std::uint64_t>;

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
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
  Statement* set_meta_ = nullptr;

  // The pending batch: every row body is encoded into one buffer (no
  // allocation per change); a row names its slice. Several changes of one
  // alert in a batch are coalesced at flush: only the latest is written.
  struct PendingRow {
    std::uint64_t key = 0;  // alerts: created_rev; tombstones: rev
    std::size_t offset = 0;
    std::size_t size = 0;   // alerts: 0 means deleted
  };
  ByteWriter pending_bytes_;
  std::vector<PendingRow> pending_alerts_;      // in change order
  std::vector<PendingRow> pending_tombstones_;  // in rev order
  std::size_t last_batch_rows_ = 0;
  std::vector<const PendingRow*> upserts_;  // write_batch()'s scratch, kept for its capacity
  std::map<RoverBoot, std::uint64_t> pending_applied_;
  // The entry the latest record_applied_seq() touched: frames come in runs
  // from one rover boot, so most calls need no map lookup.
  std::map<RoverBoot, std::uint64_t>::iterator last_applied_ = pending_applied_.end();
  std::uint64_t pending_floor_ = 0;
  std::uint64_t pending_rev_ = 0;
  std::size_t pending_count_ = 0;
  std::vector<std::function<void()>> waiting_;  // after_commit callbacks for the pending batch

  std::map<RoverBoot, std::uint64_t> committed_;
  std::uint64_t committed_rev_ = 0;
  std::uint64_t committed_floor_ = 0;
  bool healthy_ = true;
  JournalCounters counters_;
  std::function<void()> schedule_flush_;
  std::function<void()> commit_listener_;
};

}  // namespace rover_alerts::relay
