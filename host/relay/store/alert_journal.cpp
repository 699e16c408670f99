#include "store/alert_journal.hpp"

#include "log.hpp"
#include "store/alert_record.hpp"
#include "store/byte_codec.hpp"

#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace rover_alerts::relay {

namespace {

// 3: action and metadata as one field, in the alert record's encoding
// (AlertText::encode_extra), instead of a codec of the journal's own.
constexpr std::uint8_t kAlertFormat = 3;
constexpr std::uint8_t kTombstoneFormat = 1;
constexpr std::uint8_t kAuditFormat = 1;
// The kinds of rows in the suppressions table.
constexpr std::uint64_t kKeyShelfRow = 1;
constexpr std::uint64_t kOutOfServiceRow = 2;
// 2: alerts are keyed by the rev that created them (an integer that only
// grows, so new rows append to the table's B-tree instead of landing at
// random places in a text key order).
constexpr int kSchemaVersion = 2;
// Revs reserved ahead of the committed one (see reserved_rev()): the
// reservation is renewed, in an ordinary commit, once half of it is used.
constexpr std::uint64_t kRevReserveBlock = std::uint64_t{1} << 16;

std::uint64_t flags_of(const Alert& a) {
  return (a.persistent ? 1u : 0u) | (a.closable ? 2u : 0u) | (a.acknowledged ? 4u : 0u) | (a.active ? 8u : 0u);
}

}  // namespace

// ---- statements -----------------------------------------------------------

struct AlertJournal::Statement {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;

  Statement(sqlite3* database, const char* sql) : db(database) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
      throw JournalError(std::string("cannot prepare `") + sql + "`: " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, std::uint64_t v) { sqlite3_bind_int64(stmt, i, static_cast<sqlite3_int64>(v)); }
  void bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind_blob(int i, std::string_view bytes) {
    sqlite3_bind_blob(stmt, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
  // Runs a statement that returns no rows; false (with the message in `error`) on failure.
  bool run(std::string& error) {
    const int rc = sqlite3_step(stmt);
    const bool ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!ok) error = sqlite3_errmsg(db);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return ok;
  }
};

AlertJournal::AlertJournal(std::filesystem::path file, sqlite3* db) : file_(std::move(file)), db_(db) {}

AlertJournal::~AlertJournal() {
  // open() failed before the journal was usable (e.g. another relay holds
  // the file): nothing to flush or record.
  if (begin_ == nullptr) {
    sqlite3_close(db_);
    return;
  }
  // A clean shutdown keeps everything and hands the reservation back: no rev
  // beyond the committed one was shown to anyone (see reserved_rev()).
  const bool clean = flush();
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_ = nullptr;
    changed_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  if (clean) {
    std::string error;
    if (!write_meta({{"rev_reserved", committed_rev_}}, error))
      log::warn("journal: cannot record the clean stop of ", file_.string(), ": ", error);
  }
  statements_.clear();
  sqlite3_close(db_);
}

bool AlertJournal::write_meta(std::initializer_list<std::pair<std::string_view, MetaValue>> values, std::string& error) {
  bool ok = begin_->run(error);
  for (const auto& [name, value] : values) {
    set_meta_->bind(1, name);
    if (const auto* number = std::get_if<std::uint64_t>(&value)) set_meta_->bind(2, *number);
    else set_meta_->bind(2, std::string_view(std::get<std::string>(value)));
    ok = ok && set_meta_->run(error);
  }
  ok = ok && commit_->run(error);
  if (!ok && sqlite3_get_autocommit(db_) == 0) {
    std::string ignored;
    rollback_->run(ignored);
  }
  return ok;
}

void AlertJournal::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw JournalError(std::string("`") + sql + "` failed: " + text);
  }
}

std::unique_ptr<AlertJournal> AlertJournal::open(const std::filesystem::path& file, const JournalOptions& options,
                                                 AlertStore& store, AuditLog* audit) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw JournalError("cannot open " + file.string() + ": " + message);
  }
  std::unique_ptr<AlertJournal> journal(new AlertJournal(file, db));
  sqlite3_extended_result_codes(db, 1);
  journal->max_backlog_changes_ = std::max<std::size_t>(1, options.max_backlog_changes);
  journal->exec("PRAGMA journal_mode=WAL");
  journal->exec(options.durability == Durability::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  // Another process on the same file is a configuration error: fail, don't wait.
  journal->exec("PRAGMA locking_mode=EXCLUSIVE");
  if (options.max_database_bytes != 0) {
    const std::string pragma = "PRAGMA max_page_count=" + std::to_string(std::max<std::uint64_t>(
                                                              1, options.max_database_bytes / 4096));
    journal->exec("PRAGMA page_size=4096");
    journal->exec(pragma.c_str());
  }
  journal->exec(
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS alerts(created_rev INTEGER PRIMARY KEY, body BLOB NOT NULL);"
      "CREATE TABLE IF NOT EXISTS tombstones(rev INTEGER PRIMARY KEY, body BLOB NOT NULL);"
      "CREATE TABLE IF NOT EXISTS applied(rover TEXT NOT NULL, boot INTEGER NOT NULL, seq INTEGER NOT NULL,"
      " PRIMARY KEY(rover, boot)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);"
      // Key shelves and out-of-service rules: what outlives the alerts they suppress.
      "CREATE TABLE IF NOT EXISTS suppressions(name BLOB PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;"
      "COMMIT;");
  journal->prepare_statements();
  journal->load(store, audit);
  if (audit != nullptr) audit->set_recorder(journal.get());
  // From here on the connection belongs to the writer thread.
  journal->writer_ = std::thread([j = journal.get()] { j->writer_loop(); });
  // Batch scheduling: a thread that was woken must not preempt the one that
  // woke it. Woken by a flush, the writer (SQLite's work up to the fsync, a few
  // hundred microseconds) otherwise took the io thread's core just as it went on
  // to deliver the urgent changes of the same request (docs/performance.md).
  // It runs on an idle core, or when the io thread waits. Best effort.
  const sched_param batch{};
  ::pthread_setschedparam(journal->writer_.native_handle(), SCHED_BATCH, &batch);
  return journal;
}

void AlertJournal::prepare_statements() {
  const auto make = [this](const char* sql) {
    statements_.push_back(std::make_unique<Statement>(db_, sql));
    return statements_.back().get();
  };
  begin_ = make("BEGIN IMMEDIATE");
  commit_ = make("COMMIT");
  rollback_ = make("ROLLBACK");
  upsert_alert_ = make("INSERT OR REPLACE INTO alerts(created_rev, body) VALUES(?1, ?2)");
  std::string chunk = "INSERT OR REPLACE INTO alerts(created_rev, body) VALUES(?, ?)";
  for (std::size_t i = 1; i < kUpsertChunk; ++i) chunk += ",(?, ?)";
  upsert_alerts_ = make(chunk.c_str());
  delete_alert_ = make("DELETE FROM alerts WHERE created_rev = ?1");
  insert_tombstone_ = make("INSERT OR REPLACE INTO tombstones(rev, body) VALUES(?1, ?2)");
  prune_tombstones_ = make("DELETE FROM tombstones WHERE rev <= ?1");
  upsert_applied_ = make(
      "INSERT INTO applied(rover, boot, seq) VALUES(?1, ?2, ?3) ON CONFLICT(rover, boot) DO UPDATE SET seq = "
      "excluded.seq");
  delete_applied_ = make("DELETE FROM applied WHERE rover = ?1 AND boot = ?2");
  set_meta_ = make("INSERT OR REPLACE INTO meta(name, value) VALUES(?1, ?2)");
  insert_audit_ = make("INSERT OR REPLACE INTO audit(seq, body) VALUES(?1, ?2)");
  prune_audit_ = make("DELETE FROM audit WHERE seq <= ?1");
  upsert_suppression_ = make("INSERT OR REPLACE INTO suppressions(name, body) VALUES(?1, ?2)");
  delete_suppression_ = make("DELETE FROM suppressions WHERE name = ?1");
}

void AlertJournal::load(AlertStore& store, AuditLog* audit) {
  StoreImage image;  // the meta part; alerts and tombstones go to the store row by row
  const auto query = [this](const char* sql, const auto& row) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK)
      throw JournalError(std::string("cannot read the journal: ") + sqlite3_errmsg(db_));
    int rc = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw JournalError(std::string("cannot read the journal: ") + sqlite3_errmsg(db_));
  };
  const auto blob = [](sqlite3_stmt* stmt, int column) {
    const void* data = sqlite3_column_blob(stmt, column);
    return std::string_view(static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
  };
  const auto text = [](sqlite3_stmt* stmt, int column) {
    const unsigned char* data = sqlite3_column_text(stmt, column);
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
  };

  int schema = 0;
  std::optional<std::uint64_t> reserved;
  query("SELECT name, value FROM meta", [&](sqlite3_stmt* stmt) {
    const std::string name = text(stmt, 0);
    if (name == "epoch") image.epoch = text(stmt, 1);
    if (name == "rev") image.rev = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 1));
    if (name == "rev_reserved") reserved = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 1));
    if (name == "history_floor_rev") image.history_floor_rev = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 1));
    if (name == "schema") schema = sqlite3_column_int(stmt, 1);
  });
  std::string error;
  if (image.epoch.empty()) {
    // A new database: its epoch is fixed now, once.
    image.epoch = make_random_epoch();
    reserved_rev_ = kRevReserveBlock;
    if (!write_meta({{"epoch", image.epoch}, {"schema", static_cast<std::uint64_t>(kSchemaVersion)},
                     {"rev_reserved", reserved_rev_}},
                    error))
      throw JournalError("cannot initialise " + file_.string() + ": " + error);
    log::info("journal: created ", file_.string(), " epoch ", image.epoch);
    store.restore_begin(std::move(image.epoch), 0, 0);
    store.restore_end();
    return;
  }
  if (schema != kSchemaVersion)
    throw JournalError(file_.string() + " has journal schema " + std::to_string(schema) + ", this relay reads " +
                       std::to_string(kSchemaVersion));
  if (reserved && *reserved > image.rev) {
    // The last run did not stop cleanly, and may have shown clients changes
    // up to the reservation that never reached the disk. A new epoch makes
    // every client discard what it holds and take the recovered state; revs
    // go on past the reservation, so none a client saw is ever reused (nor a
    // ground alert's id, which is made of one).
    const std::string lost_epoch = image.epoch;
    image.epoch = make_random_epoch();
    log::warn("journal: ", file_.string(), " was not closed cleanly; changes after rev ", image.rev,
              " may have been shown and lost: new epoch ", image.epoch, " (was ", lost_epoch, "), revs go on after ",
              *reserved);
    image.rev = *reserved;
  }
  reserved_rev_ = image.rev + kRevReserveBlock;
  if (!write_meta({{"epoch", image.epoch}, {"rev", image.rev}, {"rev_reserved", reserved_rev_}}, error))
    throw JournalError("cannot open " + file_.string() + ": " + error);

  std::int64_t count = 0;
  query("SELECT count(*) FROM alerts", [&](sqlite3_stmt* stmt) { count = sqlite3_column_int64(stmt, 0); });
  committed_rev_ = image.rev;
  committed_floor_ = image.history_floor_rev;
  const std::string epoch = image.epoch;
  store.restore_begin(std::move(image.epoch), image.rev, image.history_floor_rev, static_cast<std::size_t>(count));
  Alert alert;  // one, reused: its strings keep their capacity from row to row
  query("SELECT body FROM alerts", [&](sqlite3_stmt* stmt) {
    if (!decode(blob(stmt, 0), alert) || !store.restore_alert(alert))
      throw JournalError("corrupt alert record in " + file_.string());
  });
  query("SELECT body FROM tombstones ORDER BY rev", [&](sqlite3_stmt* stmt) {
    Tombstone tombstone;
    if (!decode(blob(stmt, 0), tombstone)) throw JournalError("corrupt tombstone record in " + file_.string());
    store.restore_tombstone(std::move(tombstone));
  });
  query("SELECT rover, boot, seq FROM applied", [&](sqlite3_stmt* stmt) {
    const std::string rover = text(stmt, 0);
    const auto boot = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 1));
    const auto seq = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 2));
    committed_[{rover, boot}] = seq;
    store.restore_applied(rover, boot, seq);
  });
  query("SELECT body FROM suppressions", [&](sqlite3_stmt* stmt) {
    ByteReader r(blob(stmt, 0));
    std::uint64_t kind = 0;
    KeyShelf shelf;
    OutOfService rule;
    if (r.u64(kind) && kind == kKeyShelfRow && r.str(shelf.rover) && r.str(shelf.key) && decode(r, shelf.shelf) &&
        r.done()) {
      store.restore_key_shelf(shelf);
    } else if (kind == kOutOfServiceRow && decode(r, rule) && r.done()) {
      store.restore_out_of_service(rule);
    } else {
      throw JournalError("corrupt suppression record in " + file_.string());
    }
  });
  store.restore_end();
  if (audit != nullptr) {
    std::vector<AuditEntry> entries;
    query("SELECT body, seq FROM audit ORDER BY seq", [&](sqlite3_stmt* stmt) {
      AuditEntry entry;
      if (!decode(blob(stmt, 0), entry)) throw JournalError("corrupt audit record in " + file_.string());
      entry.seq = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 1));
      entries.push_back(std::move(entry));
    });
    audit->restore(std::move(entries));
  }
  log::info("journal: opened ", file_.string(), " epoch ", epoch, " rev ", store.rev(), ", ", store.size(),
            " alerts, ", store.tombstones().size(), " tombstones", audit != nullptr ? ", " : "",
            audit != nullptr ? std::to_string(audit->size()) + " audit entries" : std::string());
}

// ---- recording ------------------------------------------------------------

void AlertJournal::note_pending() {
  if (pending_.count++ == 0 && schedule_flush_) schedule_flush_();
}

void AlertJournal::record_change(const AlertChange& change, const Tombstone* tombstone) {
  ByteWriter& bytes = pending_.bytes;
  const std::size_t offset = bytes.bytes().size();
  if (tombstone != nullptr) {
    pending_.alerts.push_back(PendingRow{change.alert.created_rev, 0, 0});
    encode(*tombstone, bytes);
    pending_.tombstones.push_back(PendingRow{tombstone->rev, offset, bytes.bytes().size() - offset});
  } else {
    encode(change.alert, bytes);
    pending_.alerts.push_back(PendingRow{change.alert.created_rev, offset, bytes.bytes().size() - offset});
  }
  pending_.rev = std::max(pending_.rev, change.rev);
  note_pending();
}

void AlertJournal::record_applied_seq(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) {
  if (last_applied_ == pending_.applied.end() || last_applied_->first.second != boot_id ||
      last_applied_->first.first != rover) {
    last_applied_ = pending_.applied.try_emplace(RoverBoot{rover, boot_id}, seq).first;
  }
  last_applied_->second = seq;
  note_pending();
}

// Recorded as seq 0 (real ones start at 1): a batch holds the latest word on
// each boot, and merging batches keeps it.
void AlertJournal::record_applied_forgotten(const std::string& rover, std::uint64_t boot_id) {
  record_applied_seq(rover, boot_id, kForgotten);
}

void AlertJournal::record_audit(const AuditEntry& entry) {
  ByteWriter& bytes = pending_.bytes;
  const std::size_t offset = bytes.bytes().size();
  encode(entry, bytes);
  pending_.audit.push_back(PendingRow{entry.seq, offset, bytes.bytes().size() - offset});
  note_pending();
}

void AlertJournal::record_audit_pruned(std::uint64_t floor_seq) {
  pending_.audit_floor = std::max(pending_.audit_floor, floor_seq);
  note_pending();
}

void AlertJournal::record_history_pruned(std::uint64_t floor_rev) {
  pending_.floor = std::max(pending_.floor, floor_rev);
  note_pending();
}

// Row names: kind, then the target's parts, so one target has one row.
void AlertJournal::record_key_shelf(const std::string& rover, const std::string& key, const Shelf* shelf) {
  ByteWriter name;
  name.u64(kKeyShelfRow);
  name.str(rover);
  name.str(key);
  // A key shelf's body repeats its name: the row decodes on its own.
  std::optional<std::string> body;
  if (shelf != nullptr) {
    ByteWriter w;
    w.append(name.bytes());
    encode(*shelf, w);
    body = w.take();
  }
  record_suppression(name.take(), std::move(body));
}

void AlertJournal::record_out_of_service(ServiceScope scope, const std::string& value, const OutOfService* rule) {
  ByteWriter name;
  name.u64(kOutOfServiceRow);
  name.u64(static_cast<std::uint64_t>(scope));
  name.str(value);
  std::optional<std::string> body;
  if (rule != nullptr) {
    ByteWriter w;
    w.u64(kOutOfServiceRow);
    encode(*rule, w);
    body = w.take();
  }
  record_suppression(name.take(), std::move(body));
}

void AlertJournal::record_suppression(std::string name, std::optional<std::string> body) {
  // No body: the row is deleted at the next commit.
  pending_.suppressions[std::move(name)] = std::move(body);
  note_pending();
}

void AlertJournal::after_commit(std::function<void()> callback) {
  // Everything recorded so far is in the pending batch, or (nothing pending)
  // in the one being written, or already committed.
  if (pending_.count > 0) {
    waiting_.push_back(std::move(callback));
  } else if (submitted_) {
    in_flight_waiting_.push_back(std::move(callback));
  } else {
    callback();
  }
}

// ---- batches --------------------------------------------------------------

void AlertJournal::Batch::append(Batch&& later) {
  const std::size_t shift = bytes.bytes().size();
  bytes.append(later.bytes.bytes());
  for (PendingRow row : later.alerts) {
    if (row.size != 0) row.offset += shift;
    alerts.push_back(row);
  }
  for (PendingRow row : later.tombstones) {
    row.offset += shift;
    tombstones.push_back(row);
  }
  for (PendingRow row : later.audit) {
    row.offset += shift;
    audit.push_back(row);
  }
  audit_floor = std::max(audit_floor, later.audit_floor);
  for (const auto& [rover_boot, seq] : later.applied) applied[rover_boot] = seq;
  for (auto& [name, body] : later.suppressions) suppressions[name] = std::move(body);
  floor = std::max(floor, later.floor);
  rev = std::max(rev, later.rev);
  count += later.count;
  later.clear();
}

void AlertJournal::Batch::clear() {
  bytes.clear();
  alerts.clear();
  tombstones.clear();
  audit.clear();
  audit_floor = 0;
  applied.clear();
  suppressions.clear();
  floor = 0;
  rev = 0;
  count = 0;
  reserved = 0;
  ok = false;
  error.clear();
  rows = 0;
}

// ---- the writer thread ----------------------------------------------------

void AlertJournal::set_waker(std::function<void()> wake) {
  const std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

void AlertJournal::writer_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || state_ == WriterState::Writing; });
    if (state_ != WriterState::Writing) return;  // stopping, nothing handed over
    lock.unlock();
    in_flight_.ok = write_batch();
    lock.lock();
    state_ = WriterState::Done;
    changed_.notify_all();
    if (wake_) wake_();
  }
}

bool AlertJournal::write_batch() {
  Batch& batch = in_flight_;
  std::string& error = batch.error;
  bool ok = begin_->run(error);
  // Latest change per alert: sort by key, keeping change order within a key.
  std::stable_sort(batch.alerts.begin(), batch.alerts.end(),
                   [](const PendingRow& a, const PendingRow& b) { return a.key < b.key; });
  const std::string_view bytes = batch.bytes.bytes();
  std::size_t written = 0;
  upserts_.clear();
  for (std::size_t i = 0; ok && i < batch.alerts.size(); ++i) {
    const PendingRow& row = batch.alerts[i];
    if (i + 1 < batch.alerts.size() && batch.alerts[i + 1].key == row.key) continue;  // superseded
    ++written;
    if (row.size != 0) {
      upserts_.push_back(&row);
    } else {
      delete_alert_->bind(1, row.key);
      ok = delete_alert_->run(error);
    }
  }
  // Keys are distinct after coalescing, so the upserts may go in any grouping:
  // whole chunks first, then the rest one by one.
  std::size_t next = 0;
  for (; ok && upserts_.size() - next >= kUpsertChunk; next += kUpsertChunk) {
    for (std::size_t k = 0; k < kUpsertChunk; ++k) {
      const PendingRow& row = *upserts_[next + k];
      upsert_alerts_->bind(static_cast<int>(2 * k + 1), row.key);
      upsert_alerts_->bind_blob(static_cast<int>(2 * k + 2), bytes.substr(row.offset, row.size));
    }
    ok = upsert_alerts_->run(error);
  }
  for (; ok && next < upserts_.size(); ++next) {
    upsert_alert_->bind(1, upserts_[next]->key);
    upsert_alert_->bind_blob(2, bytes.substr(upserts_[next]->offset, upserts_[next]->size));
    ok = upsert_alert_->run(error);
  }
  // Tombstones and audit entries: new rows (key, body), one insert each.
  const auto insert_rows = [&](Statement* insert, const std::vector<PendingRow>& rows) {
    for (const PendingRow& row : rows) {
      if (!ok) return;
      ++written;
      insert->bind(1, row.key);
      insert->bind_blob(2, bytes.substr(row.offset, row.size));
      ok = insert->run(error);
    }
  };
  insert_rows(insert_tombstone_, batch.tombstones);
  insert_rows(insert_audit_, batch.audit);
  if (ok && batch.audit_floor > 0) {
    prune_audit_->bind(1, batch.audit_floor);
    ok = prune_audit_->run(error);
  }
  batch.rows = written;
  // committed_floor_/committed_rev_ change only in complete(), never while a
  // batch is being written.
  if (ok && batch.floor > committed_floor_) {
    prune_tombstones_->bind(1, batch.floor);
    ok = prune_tombstones_->run(error);
    set_meta_->bind(1, std::string_view("history_floor_rev"));
    set_meta_->bind(2, batch.floor);
    ok = ok && set_meta_->run(error);
  }
  for (const auto& [rover_boot, seq] : batch.applied) {
    if (!ok) break;
    if (seq == kForgotten) {
      delete_applied_->bind(1, std::string_view(rover_boot.first));
      delete_applied_->bind(2, rover_boot.second);
      ok = delete_applied_->run(error);
      continue;
    }
    upsert_applied_->bind(1, std::string_view(rover_boot.first));
    upsert_applied_->bind(2, rover_boot.second);
    upsert_applied_->bind(3, seq);
    ok = upsert_applied_->run(error);
  }
  for (const auto& [name, body] : batch.suppressions) {
    if (!ok) break;
    ++written;
    Statement* statement = body ? upsert_suppression_ : delete_suppression_;
    statement->bind_blob(1, name);
    if (body) statement->bind_blob(2, *body);
    ok = statement->run(error);
  }
  if (ok && batch.rev > committed_rev_) {
    set_meta_->bind(1, std::string_view("rev"));
    set_meta_->bind(2, batch.rev);
    ok = set_meta_->run(error);
  }
  // The reservation grows in the same transaction, well before it runs out.
  batch.reserved = 0;
  if (ok && batch.rev + kRevReserveBlock / 2 > reserved_rev_) {
    batch.reserved = batch.rev + kRevReserveBlock;
    set_meta_->bind(1, std::string_view("rev_reserved"));
    set_meta_->bind(2, batch.reserved);
    ok = set_meta_->run(error);
  }
  ok = ok && commit_->run(error);
  if (!ok) {
    std::string ignored;
    if (sqlite3_get_autocommit(db_) == 0) rollback_->run(ignored);
  }
  return ok;
}

// ---- the owner thread -----------------------------------------------------

void AlertJournal::start_flush() {
  if (submitted_ || pending_.count == 0) return;
  std::swap(in_flight_, pending_);
  pending_.clear();
  last_applied_ = pending_.applied.end();
  in_flight_waiting_ = std::move(waiting_);
  waiting_.clear();
  submitted_ = true;
  submitted_at_ = std::chrono::steady_clock::now();
  const std::lock_guard lock(mutex_);
  state_ = WriterState::Writing;
  changed_.notify_all();
}

bool AlertJournal::poll() {
  if (!submitted_) return true;
  {
    const std::lock_guard lock(mutex_);
    if (state_ != WriterState::Done) return true;
    state_ = WriterState::Idle;
  }
  return complete();
}

bool AlertJournal::complete() {
  submitted_ = false;
  if (!in_flight_.ok) {
    ++counters_.commit_failures;
    if (healthy_)
      log::error("journal: commit to ", file_.string(), " failed: ", in_flight_.error, " (acks stop until it succeeds)");
    healthy_ = false;
    // Back in front of what was recorded meanwhile: the next attempt writes both.
    in_flight_.append(std::move(pending_));
    std::swap(pending_, in_flight_);
    in_flight_.clear();
    last_applied_ = pending_.applied.end();
    in_flight_waiting_.insert(in_flight_waiting_.end(), std::make_move_iterator(waiting_.begin()),
                              std::make_move_iterator(waiting_.end()));
    waiting_ = std::move(in_flight_waiting_);
    in_flight_waiting_.clear();
    return false;
  }
  if (!healthy_) log::info("journal: commits succeed again");
  healthy_ = true;
  ++counters_.commits;
  counters_.commit_us.observe(static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - submitted_at_).count()));
  counters_.last_batch_changes = in_flight_.rows;
  counters_.changes_committed += in_flight_.rows;
  for (const auto& [rover_boot, seq] : in_flight_.applied) {
    if (seq == kForgotten) committed_.erase(rover_boot);
    else committed_[rover_boot] = seq;
  }
  committed_rev_ = std::max(committed_rev_, in_flight_.rev);
  committed_floor_ = std::max(committed_floor_, in_flight_.floor);
  reserved_rev_ = std::max(reserved_rev_, in_flight_.reserved);
  in_flight_.clear();
  auto waiting = std::move(in_flight_waiting_);
  in_flight_waiting_.clear();
  // What arrived while this batch was written goes next.
  start_flush();
  if (commit_listener_) commit_listener_();
  for (auto& callback : waiting) callback();
  return true;
}

bool AlertJournal::flush() {
  for (;;) {
    if (!submitted_) {
      if (pending_.count == 0) return true;
      start_flush();
    }
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return state_ == WriterState::Done; });
      state_ = WriterState::Idle;
    }
    if (!complete()) return false;
  }
}

std::uint64_t AlertJournal::committed_seq(const std::string& rover, std::uint64_t boot_id) const {
  const auto it = committed_.find({rover, boot_id});
  return it == committed_.end() ? 0 : it->second;
}

// ---- encoding -------------------------------------------------------------

std::string AlertJournal::encode(const Alert& a) {
  ByteWriter w;
  encode(a, w);
  return w.take();
}

void AlertJournal::encode(const Alert& a, ByteWriter& w) {
  w.u64(kAlertFormat);
  w.str(a.id);
  w.str(a.key);
  w.str(a.rover);
  w.str(a.source);
  w.u64(static_cast<std::uint64_t>(a.priority));
  w.str(a.title);
  w.str(a.message);
  w.u64(flags_of(a));
  w.str(AlertText::encode_extra(a.action, a.metadata));  // empty (no allocation) for most alerts
  w.str(a.group_id);
  w.u64(a.expires_at_ms);
  w.str(a.acknowledged_by);
  w.u64(a.acknowledged_at_ms);
  w.u64(a.occurrences);
  w.u64(a.first_seen_ms);
  w.u64(a.last_seen_ms);
  w.u64(a.timestamp_ms);
  w.u64(a.rev);
  w.u64(a.created_rev);
  w.str(a.created_by);
  w.str(a.ack_comment);  // added: records written before it end at created_by
  // Added last: records written before suppression end at ack_comment.
  w.u64((a.shelf ? 1u : 0u) | (a.out_of_service ? 2u : 0u));
  if (a.shelf) encode(*a.shelf, w);
  if (a.out_of_service) encode(*a.out_of_service, w);
}

void AlertJournal::encode(const Shelf& shelf, ByteWriter& w) {
  w.str(shelf.by);
  w.str(shelf.reason);
  w.u64(shelf.at_ms);
  w.u64(shelf.until_ms);
  w.u64((shelf.one_shot ? 1u : 0u) | (shelf.by_key ? 2u : 0u));
}

bool AlertJournal::decode(ByteReader& r, Shelf& shelf) {
  std::uint64_t flags = 0;
  if (!r.str(shelf.by) || !r.str(shelf.reason) || !r.u64(shelf.at_ms) || !r.u64(shelf.until_ms) || !r.u64(flags) ||
      flags > 3)
    return false;
  shelf.one_shot = (flags & 1u) != 0;
  shelf.by_key = (flags & 2u) != 0;
  return true;
}

void AlertJournal::encode(const OutOfService& rule, ByteWriter& w) {
  w.u64(static_cast<std::uint64_t>(rule.scope));
  w.str(rule.value);
  w.str(rule.by);
  w.str(rule.reason);
  w.u64(rule.at_ms);
}

bool AlertJournal::decode(ByteReader& r, OutOfService& rule) {
  std::uint64_t scope = 0;
  if (!r.u64(scope) || scope > static_cast<std::uint64_t>(ServiceScope::Source) || !r.str(rule.value) ||
      !r.str(rule.by) || !r.str(rule.reason) || !r.u64(rule.at_ms))
    return false;
  rule.scope = static_cast<ServiceScope>(scope);
  return true;
}

bool AlertJournal::decode(std::string_view bytes, Alert& a) {
  ByteReader r(bytes);
  // `a` may be reused from row to row: what an older record lacks is empty.
  a.ack_comment.clear();
  a.shelf.reset();
  a.out_of_service.reset();
  std::uint64_t format = 0;
  std::uint64_t priority = 0;
  std::uint64_t flags = 0;
  if (!r.u64(format) || format != kAlertFormat) return false;
  if (!r.str(a.id) || !r.str(a.key) || !r.str(a.rover) || !r.str(a.source) || !r.u64(priority) ||
      priority >= kPriorityCount || !r.str(a.title) || !r.str(a.message) || !r.u64(flags))
    return false;
  a.priority = static_cast<Priority>(priority);
  a.persistent = (flags & 1u) != 0;
  a.closable = (flags & 2u) != 0;
  a.acknowledged = (flags & 4u) != 0;
  a.active = (flags & 8u) != 0;
  std::string_view extra;
  if (!r.str(extra) || !AlertText::decode_extra(extra, a.action, a.metadata)) return false;
  return r.str(a.group_id) && r.u64(a.expires_at_ms) && r.str(a.acknowledged_by) &&
         r.u64(a.acknowledged_at_ms) && r.num(a.occurrences) && r.u64(a.first_seen_ms) && r.u64(a.last_seen_ms) &&
         r.u64(a.timestamp_ms) && r.u64(a.rev) && r.u64(a.created_rev) && r.str(a.created_by) &&
         (r.done() || (r.str(a.ack_comment) && decode_suppression(r, a) && r.done()));
}

bool AlertJournal::decode_suppression(ByteReader& r, Alert& a) {
  if (r.done()) return true;  // written before suppression
  std::uint64_t which = 0;
  if (!r.u64(which) || which > 3) return false;
  if ((which & 1u) != 0 && !decode(r, a.shelf.emplace())) return false;
  if ((which & 2u) != 0 && !decode(r, a.out_of_service.emplace())) return false;
  return true;
}

void AlertJournal::encode(const AuditEntry& e, ByteWriter& w) {
  w.u64(kAuditFormat);
  w.u64(e.at_ms);
  w.str(e.user);
  w.str(e.role);
  w.str(e.address);
  w.str(e.action);
  w.str(e.alert_id);
  w.str(e.outcome);
  w.str(e.detail);
}

bool AlertJournal::decode(std::string_view bytes, AuditEntry& e) {
  ByteReader r(bytes);
  std::uint64_t format = 0;
  return r.u64(format) && format == kAuditFormat && r.u64(e.at_ms) && r.str(e.user) && r.str(e.role) &&
         r.str(e.address) && r.str(e.action) && r.str(e.alert_id) && r.str(e.outcome) && r.str(e.detail) && r.done();
}

std::string AlertJournal::encode(const Tombstone& t) {
  ByteWriter w;
  encode(t, w);
  return w.take();
}

void AlertJournal::encode(const Tombstone& t, ByteWriter& w) {
  w.u64(kTombstoneFormat);
  w.str(t.id);
  w.str(t.rover);
  w.str(t.key);
  w.str(t.source);
  w.u64(static_cast<std::uint64_t>(t.priority));
  w.u64(static_cast<std::uint64_t>(t.type));
  w.u64(t.rev);
  w.u64(t.removed_at_ms);
}

bool AlertJournal::decode(std::string_view bytes, Tombstone& t) {
  ByteReader r(bytes);
  std::uint64_t format = 0;
  std::uint64_t priority = 0;
  std::uint64_t type = 0;
  if (!r.u64(format) || format != kTombstoneFormat) return false;
  if (!r.str(t.id) || !r.str(t.rover) || !r.str(t.key) || !r.str(t.source) || !r.u64(priority) ||
      priority >= kPriorityCount || !r.u64(type) || type > static_cast<std::uint64_t>(ChangeType::Clear) ||
      !r.u64(t.rev) || !r.u64(t.removed_at_ms) || !r.done())
    return false;
  t.priority = static_cast<Priority>(priority);
  t.type = static_cast<ChangeType>(type);
  return true;
}

}  // namespace rover_alerts::relay
