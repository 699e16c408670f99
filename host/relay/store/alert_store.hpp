#pragma once
// The alert store: current alerts, their lifecycle, the revision counter and
// the retained history (tombstones) that lets a client resync.
//
// Lifecycle (after ISA-18.2; DESIGN.md "Alert lifecycle"): an alert's state
// follows from `active` (the condition holds) and `acknowledged`:
//   active, unacked -> active_unacked     active, acked -> active_acked
//   not active, unacked -> rtn_unacked    not active, acked -> removed,
//   unless `persistent` (then `latched` until an operator clears it).
// `info` alerts never owe an acknowledgement (the seed's autoAcknowledgeInfo):
// one that returns to normal is removed at once unless persistent. Their
// `acknowledged` flag stays false until someone really acknowledges them, so
// `acknowledgedBy` always names a person.
// Re-raising an active key updates it (occurrences, last seen, priority may
// only rise); raising a key again after removal starts a new occurrence with a
// new id. A passing `expiresAt` removes (expire()); alert_clear removes at once
// (clear()). Every removal leaves a tombstone for resync.
//
// Every change takes the next revision `rev` (strictly increasing) and is
// reported first to the recorder (the journal), then to the observer (the
// delivery side); the store never knows who listens.
//
// Memory: alerts are kept as compact AlertRecords (alert_record.hpp) found
// through SlotIndexes by (rover, key) and by id, plus a rev-ordered log of
// (rev, slot) whose stale entries are dropped in bulk once they outnumber the
// live ones. An `Alert` is produced only when someone reads one.
//
// Not thread-safe: the relay touches it from its single io thread only.

#include "store/alert.hpp"
#include "store/alert_record.hpp"
#include "store/rover_event.hpp"
#include "store/slot_index.hpp"
#include "store/string_pool.hpp"
#include "store/suppression.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <unordered_map>
#include <vector>

namespace rover_alerts::relay {

// What is left of a removed alert: enough for a client to delete it, and to
// filter by priority/source.
struct Tombstone {
  std::string id;
  std::string rover;  // empty for ground-created alerts
  std::string key;
  std::string source;
  Priority priority = Priority::Info;
  ChangeType type = ChangeType::Remove;  // Remove (lifecycle, expiry) or Clear (operator)
  std::uint64_t rev = 0;                 // the removal's revision
  std::uint64_t removed_at_ms = 0;       // the removal's time (the change's timestamp)

  bool operator==(const Tombstone&) const = default;
};

// Highest applied frame sequence of one rover boot.
struct AppliedSeq {
  std::string rover;
  std::uint64_t boot_id = 0;
  std::uint64_t seq = 0;

  bool operator==(const AppliedSeq&) const = default;
};

// Bounds on the retained history. A client whose sinceRev is older than what
// is retained gets `reset` and a full snapshot, never a silent truncation.
struct HistoryLimits {
  std::size_t max_tombstones = 100'000;
  std::uint64_t max_tombstone_age_ms = 24ull * 3600 * 1000;  // 24 h
};

// Everything the store holds, as a journal persists and restores it.
struct StoreImage {
  std::string epoch;
  std::uint64_t rev = 0;
  // Removals at or below this rev may have been forgotten (tombstones pruned).
  std::uint64_t history_floor_rev = 0;
  std::vector<Alert> alerts;           // any order
  std::vector<Tombstone> tombstones;   // any order
  std::vector<AppliedSeq> applied;     // any order
  std::vector<KeyShelf> key_shelves;   // any order
  std::vector<OutOfService> out_of_service;  // any order
};

// Sees every change before the observer does, plus what the observer does not
// need: applied sequence numbers and history pruning. The journal implements it.
class StoreRecorder {
 public:
  virtual ~StoreRecorder() = default;
  // An alert was created or changed (New/Update): `change.alert` is its new state.
  // Or it was removed (Remove/Clear): `tombstone` is what the store keeps of it.
  virtual void record_change(const AlertChange& change, const Tombstone* tombstone) = 0;
  // The highest applied seq of (rover, boot) is now `seq`.
  virtual void record_applied_seq(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq) = 0;
  // The store no longer tracks (rover, boot): an older boot of a rover that
  // has started kBootsKeptPerRover newer ones.
  virtual void record_applied_forgotten(const std::string& rover, std::uint64_t boot_id) = 0;
  // Tombstones with rev <= floor_rev were pruned.
  virtual void record_history_pruned(std::uint64_t floor_rev) = 0;
  // The shelf of (rover, key) is now `shelf`; nullptr: it ended.
  virtual void record_key_shelf(const std::string& rover, const std::string& key, const Shelf* shelf) = 0;
  // (scope, value) is now out of service by `rule`; nullptr: back in service.
  virtual void record_out_of_service(ServiceScope scope, const std::string& value, const OutOfService* rule) = 0;
};

// alert_ack
enum class AckStatus : std::uint8_t { Ok, NotFound };

struct AckResult {
  AckStatus status = AckStatus::NotFound;
  std::uint64_t rev = 0;   // the revision of the ack's change (0 when NotFound)
  bool removed = false;    // the ack removed the alert (it had returned to normal, not persistent)
  // The alert after the ack (for a removal: its last state). Its `rover` and
  // `key` say where to forward an OperatorAck frame (`rover` empty: ground alert).
  Alert alert;

  bool ok() const { return status == AckStatus::Ok; }
};

// alert_shelve: by `alert_id` (with `by_key`: its key too, so re-raises stay
// shelved), or by `rover` + `key` alone (alert_id empty: a key shelf, and
// the key's current occurrence if one is held).
struct ShelveRequest {
  std::string alert_id;
  std::string rover;
  std::string key;
  bool by_key = false;
  std::string by;
  std::string reason;
  std::uint64_t until_ms = 0;  // required: shelving always expires
  bool one_shot = false;
};

enum class SuppressionStatus : std::uint8_t {
  Ok,
  NotFound,  // no such alert (or key shelf, or out-of-service rule)
  TooMany,   // SuppressionLimits reached
};

struct SuppressionResult {
  SuppressionStatus status = SuppressionStatus::NotFound;
  std::optional<Alert> alert;  // the alert after the change, when one changed
  std::size_t alerts = 0;      // alerts that changed
  bool rules_changed = false;  // the key shelves or out-of-service rules changed
  bool ok() const { return status == SuppressionStatus::Ok; }
};

// A shelf that ended by itself (expiry or, one-shot, return to normal).
struct ShelfEnded {
  std::string alert_id;  // empty: a key shelf with no occurrence held
  std::string rover;
  std::string key;
  Shelf shelf;
};

// alert_create: a ground-raised alert. The store assigns id, key and rev.
struct GroundAlertSpec {
  std::string title;  // optional: may be empty
  std::string message;
  Priority priority = Priority::Info;
  std::string source;
  std::optional<AlertAction> action;
  std::map<std::string, std::string> metadata;
  std::string group_id;            // empty: none
  bool persistent = false;
  bool closable = true;
  std::uint64_t expires_at_ms = 0;  // 0: never
};

// alert_clear: every criterion that is set must match (AND). With none set,
// every alert matches; the protocol layer decides whether to allow that.
// `closable == false` means an operator cannot dismiss the alert while its
// condition still holds (e.g. an emergency stop): such alerts are skipped
// unless `force` (an admin's decision) or they returned to normal.
struct ClearCriteria {
  std::vector<std::string> ids;           // empty: any id
  std::optional<std::string> source;
  std::optional<Priority> priority;
  std::optional<std::string> group_id;
  std::optional<bool> acknowledged;
  bool force = false;  // also clear non-closable alerts whose condition holds
};

// alert_sync / alert_subscribe{sinceRev}.
struct SyncQuery {
  // Changes after this revision. Without it, `since_ms` is used; with neither,
  // everything (since_rev = 0).
  std::optional<std::uint64_t> since_rev;
  // The seed's lastSyncTimestamp: alerts whose latest change is later than
  // this (unix ms, the changes' timestamps). Scans the whole store.
  std::optional<std::uint64_t> since_ms;
  // The epoch the client's state belongs to; set and different: reset.
  std::optional<std::string> epoch;
  std::vector<Priority> priorities;  // empty: all
  bool include_acknowledged = false;
  std::size_t max_count = 100;       // entries (alerts + tombstones) per page; 0 counts as 1
  // Entries above this rev are left for a later page (clients see committed
  // revs only): the page ends there with `more` false and `rev` = up_to_rev.
  std::uint64_t up_to_rev = std::numeric_limits<std::uint64_t>::max();
  // Removals at or below this rev are left out: a snapshot that started at
  // this rev has nothing older to remove (and needs no history before it).
  std::uint64_t removals_after = 0;
};

struct SyncPage {
  // Current state of each alert changed after since_rev, one per alert,
  // ordered by rev. With `reset`: every current alert (matching the filters),
  // not paged.
  std::vector<Alert> alerts;
  // Alerts removed after since_rev (never with `reset`): delete them. Ordered by rev.
  std::vector<Tombstone> removed;
  bool more = false;       // the page was cut at max_count: ask again with since_rev = rev
  bool reset = false;      // the history does not reach back (or another epoch): discard local state first
  std::uint64_t rev = 0;   // the revision this page brings the client to: the next sinceRev
  std::string epoch;
};

// A page's alerts and removals merged in rev order, the order a client
// applies them in: on_alert(const Alert&), on_removed(const Tombstone&).
template <class OnAlert, class OnRemoved>
void for_each_in_rev_order(const SyncPage& page, OnAlert&& on_alert, OnRemoved&& on_removed) {
  auto a = page.alerts.begin();
  auto r = page.removed.begin();
  while (a != page.alerts.end() || r != page.removed.end()) {
    if (r == page.removed.end() || (a != page.alerts.end() && a->rev < r->rev)) {
      on_alert(*a++);
    } else {
      on_removed(*r++);
    }
  }
}

// get_stats. Computed by a scan of the store (O(alerts)).
struct StoreStats {
  std::size_t alerts = 0;                                  // alerts held (the seed's active_alerts)
  std::array<std::size_t, kPriorityCount> by_priority{};  // index = Priority
  std::array<std::size_t, 4> by_state{};                  // index = AlertState
  std::uint64_t rev = 0;
  std::string epoch;
  std::size_t tombstones = 0;
  std::uint64_t history_floor_rev = 0;
  std::size_t pending_expiries = 0;  // alerts with an expiresAt
  std::size_t shelved = 0;           // alerts shelved (counted in alerts and by_priority too)
  std::size_t out_of_service = 0;    // alerts whose rover or source is out of service
  // Standing alarms (ISA-18.2 "stale"): alerts other than info whose condition
  // has held since before the `standing_before_ms` stats() was given.
  std::size_t standing = 0;
  std::string oldest_standing_id;
  std::uint64_t oldest_standing_since_ms = 0;
};

class AlertStore {
 public:
  using Observer = std::function<void(const AlertChange&)>;

  enum class ApplyResult : std::uint8_t {
    Applied,    // the event was new; it may or may not have changed an alert
    Duplicate,  // seq already applied for this boot: nothing changed
    Refused,    // a new alert past the rover's cap (set_max_alerts_per_rover): seq applied, no alert
    Ignored,    // an update or clear of an alert another boot of the rover holds: seq applied, nothing changed
  };

  // A store with a fresh random epoch.
  AlertStore();
  // A store with a given epoch (a reopened journal, or tests).
  explicit AlertStore(std::string epoch, HistoryLimits limits = {});
  AlertStore(const AlertStore&) = delete;  // holds iterators into itself
  AlertStore& operator=(const AlertStore&) = delete;

  void set_observer(Observer observer) { observer_ = std::move(observer); }
  // Alerts the store holds for one rover (active or still owed an ack); a rover
  // event that would raise one more is Refused. 0: no cap.
  void set_max_alerts_per_rover(std::size_t max) { max_alerts_per_rover_ = max; }
  std::size_t alerts_of_rover(std::string_view rover) const;
  // The recorder must outlive the store or be reset to nullptr first.
  void set_recorder(StoreRecorder* recorder) { recorder_ = recorder; }

  // Replaces the whole state (epoch included) with a journal's image; reports nothing.
  void restore(StoreImage image);
  // The same, one piece at a time (a journal streams its rows without
  // building a StoreImage): restore_begin() empties the store, then the
  // others in any order, then restore_end(). Alerts and tombstones keep their revs.
  void restore_begin(std::string epoch, std::uint64_t rev, std::uint64_t history_floor_rev,
                     std::size_t expected_alerts = 0);
  // False (and nothing restored) when the alert's id is not one the store makes.
  bool restore_alert(const Alert& alert);
  void restore_tombstone(Tombstone tombstone);  // in rev order
  void restore_applied(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq);
  void restore_end();
  // The whole state, as restore() takes it (alerts and tombstones ordered by rev).
  StoreImage image() const;

  const std::string& epoch() const { return epoch_; }
  std::uint64_t rev() const { return rev_; }
  std::size_t size() const { return by_key_.size(); }
  const HistoryLimits& history_limits() const { return limits_; }

  // ---- rover input -------------------------------------------------------

  // Applies frame `seq` of a rover boot. Frames at or below the highest seq
  // applied for that boot are duplicates (replays after a reconnect).
  ApplyResult apply_rover_event(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq,
                                const RoverEvent& event);

  // Highest seq of (rover, boot) applied so far; 0 when none. (Applied is not
  // durable: what a rover may be acknowledged is the journal's committed seq.)
  std::uint64_t applied_seq(const std::string& rover, std::uint64_t boot_id) const;
  // Boots of one rover whose applied seq is kept. A rover's emitter replays
  // only its current boot, so older boots are of no use once it has moved
  // on; a few are kept for a rover id that two processes share by mistake.
  static constexpr std::size_t kBootsKeptPerRover = 4;

  // ---- operator input ----------------------------------------------------

  // alert_ack. Idempotent: acking an acked alert is Ok again and updates
  // acknowledgedBy/At and the comment (last writer wins, in call order) - a change with a new
  // rev. Acking an alert that returned to normal removes it (type Remove)
  // unless persistent.
  AckResult acknowledge(std::string_view alert_id, std::string_view user, std::uint64_t at_ms,
                        std::string_view comment = {});

  // alert_create: a new alert with id "ground-<rev>", key "<source>/ground-<rev>",
  // empty rover, first/last seen = now. Returns its state.
  Alert create(const GroundAlertSpec& spec, std::string_view created_by, std::uint64_t now_ms);

  // alert_clear: removes every matching alert (type Clear, a tombstone each).
  // Returns how many were removed.
  std::size_t clear(const ClearCriteria& criteria, std::uint64_t now_ms);
  // Whether clear() may remove this alert without `force`.
  static bool operator_may_clear(const Alert& alert) { return alert.closable || !alert.active; }
  static bool operator_may_clear(const AlertRecord& r) {
    return r.has(AlertRecord::kClosable) || !r.has(AlertRecord::kActive);
  }

  // An acknowledged alert whose condition still holds past its
  // acknowledgement timeout (escalation policy) becomes unacknowledged again:
  // announced anew. False when it is not held, not active or not acknowledged.
  bool rearm(std::string_view alert_id, std::uint64_t now_ms);

  // ---- suppression (suppression.hpp) --------------------------------------

  void set_suppression_limits(SuppressionLimits limits) { suppression_limits_ = limits; }
  // alert_shelve. Shelving a shelved alert replaces its shelf.
  SuppressionResult shelve(const ShelveRequest& request, std::uint64_t now_ms);
  // alert_unshelve, by alert id or (alert_id empty) by rover + key: ends the
  // alert's shelf and, when it was by key, the key's. The alert comes back
  // unacknowledged while its condition holds: it is announced again.
  SuppressionResult unshelve(std::string_view alert_id, std::string_view rover, std::string_view key,
                             std::uint64_t now_ms);
  // out_of_service: every alert of the rover (or source), held now or raised
  // later, is suppressed until return_to_service(). Replaces a rule for the same target.
  SuppressionResult set_out_of_service(const OutOfService& rule, std::uint64_t now_ms);
  SuppressionResult return_to_service(ServiceScope scope, std::string_view value, std::uint64_t now_ms);
  const std::map<std::pair<std::string, std::string>, Shelf>& key_shelves() const { return key_shelves_; }
  const std::map<std::pair<ServiceScope, std::string>, OutOfService>& out_of_service_rules() const {
    return out_of_service_;
  }
  void restore_key_shelf(const KeyShelf& shelf);
  void restore_out_of_service(const OutOfService& rule);

  // ---- time --------------------------------------------------------------

  // Removes alerts whose expiresAt is <= now_ms (type Remove). Returns the count.
  std::size_t expire(std::uint64_t now_ms);
  // The earliest expiresAt of any alert; nullopt when none expires.
  std::optional<std::uint64_t> next_expiry() const;
  // Ends shelves whose time is up: each alert comes back unacknowledged (when
  // its condition holds) and is announced again. Returns what ended.
  std::vector<ShelfEnded> expire_shelves(std::uint64_t now_ms);
  // The earliest end of any shelf; nullopt when nothing is shelved.
  std::optional<std::uint64_t> next_shelf_expiry() const;
  // Shelves ending within `lead_ms` of now and not warned of yet (each is
  // returned once; after a restart, again): shelved alerts, and key shelves
  // with no occurrence held (alert_id empty).
  std::vector<ShelfEnded> take_shelf_warnings(std::uint64_t now_ms, std::uint64_t lead_ms);
  // Prunes tombstones over the age limit (the count limit is kept on every
  // removal). Returns how many were pruned.
  std::size_t prune_history(std::uint64_t now_ms);

  // ---- reading -----------------------------------------------------------

  std::optional<Alert> find(std::string_view rover, std::string_view key) const;
  std::optional<Alert> find_by_id(std::string_view alert_id) const;

  // Current alerts ordered by rev (the order a client would have seen them change).
  std::vector<Alert> snapshot() const;
  // The same, one Alert at a time (no copy of a large store at once), until
  // `visit` returns false.
  void for_each_alert(const std::function<bool(const Alert&)>& visit) const;

  // One page of what changed after query.since_rev; see SyncQuery / SyncPage.
  SyncPage changes_since(const SyncQuery& query) const;

  // Retained tombstones, oldest first, and the rev below which removals may be forgotten.
  const std::deque<Tombstone>& tombstones() const { return tombstones_; }
  std::uint64_t history_floor_rev() const { return history_floor_rev_; }

  // `standing_before_ms` (unix ms; 0: none counted): see StoreStats::standing.
  StoreStats stats(std::uint64_t standing_before_ms = 0) const;

  // ---- footprint (tests, metrics) ----------------------------------------

  // Entries in the rev log, stale ones included: at most 2 * size() + slack.
  std::size_t rev_log_entries() const { return by_rev_.size(); }
  static constexpr std::size_t kRevLogSlack = 1024;
  // Distinct interned strings (rover, source, user names) alerts refer to.
  std::size_t interned_strings() const { return strings_.size(); }

 private:
  using Slot = std::uint32_t;
  static constexpr Slot kNoSlot = SlotIndex::kNone;
  struct RevEntry {
    std::uint64_t rev;
    Slot slot;
  };

  // ---- records ----
  Slot allocate_slot();
  void free_slot(Slot slot);  // releases its strings and text
  AlertRecord& record(Slot slot) { return records_[slot]; }
  const AlertRecord& record(Slot slot) const { return records_[slot]; }
  Alert to_alert(const AlertRecord& r) const;
  std::string id_of(const AlertRecord& r) const;
  void set_text(AlertRecord& r, std::string_view key, std::string_view title, std::string_view message,
                std::string_view group_id, const std::optional<AlertAction>& action,
                const std::map<std::string, std::string>& metadata);
  void set_string(StringPool::Id& field, std::string_view value);

  // ---- indexes ----
  static std::uint32_t key_hash(StringPool::Id rover, std::string_view key);
  static std::uint32_t id_hash(bool ground, StringPool::Id rover, std::uint64_t boot_id, std::uint64_t seq);
  std::uint32_t id_hash(const AlertRecord& r) const {
    return id_hash(r.has(AlertRecord::kGround), r.rover, r.boot_id, r.seq);
  }
  Slot find_slot(std::string_view rover, std::string_view key) const;
  Slot find_slot(StringPool::Id rover_id, std::string_view key) const;
  Slot find_slot_by_id(std::string_view alert_id) const;
  void index(Slot slot);    // by key and id
  void unindex(Slot slot);  // by key, id, expiry
  bool current(const RevEntry& e) const { return records_[e.slot].rev == e.rev; }
  void note_stale_rev();
  // Calls f(slot) for each alert in rev order, from the first rev > since.
  template <class F>
  void for_each_after(std::uint64_t since, F&& f) const;

  // ---- changes ----
  void raise_new(const std::string& rover, std::uint64_t boot_id, std::uint64_t seq, const RoverEvent& event);
  // `before`: state_before_update(slot), taken before any field changed.
  void update_existing(Slot slot, const RoverEvent& event, const std::optional<Alert>& before);
  void clear_existing(Slot slot, std::uint64_t at_ms);
  void copy_event_fields(AlertRecord& r, const RoverEvent& event);
  void remove(Slot slot, ChangeType type, std::uint64_t at_ms);
  // Gives the alert the next rev and reports the change; `old_expiry` is the
  // expiresAt the expiry index holds for it (0 for none or a new alert).
  // `before`: the alert's state before an update (only taken while an
  // observer listens), for the change's base_rev and changed fields.
  void commit(ChangeType type, Slot slot, std::uint64_t at_ms, std::uint64_t old_expiry,
              const std::optional<Alert>& before = std::nullopt);
  std::optional<Alert> state_before_update(Slot slot) const;
  // Suppression of one record: set or end, keeping the shelf-expiry index.
  void set_shelf(Slot slot, std::optional<Shelf> shelf);
  void set_out_of_service(Slot slot, const OutOfService* rule);
  const OutOfService* out_of_service_rule_for(const AlertRecord& r) const;
  std::size_t apply_out_of_service_rules(std::uint64_t now_ms);
  void suppress_new(Slot slot);  // a new occurrence: its key's shelf, its rover's or source's rule
  // Ends the shelf of a held alert; it comes back unacknowledged while active.
  void end_shelf(Slot slot, std::uint64_t at_ms);
  void forget_acknowledgement(AlertRecord& r);  // while the condition holds
  // False when the key had no shelf.
  bool erase_key_shelf(const std::pair<std::string, std::string>& key);
  void prune_front(std::size_t count);
  static bool owes_ack(const AlertRecord& r) {
    return !r.has(AlertRecord::kAcknowledged) && r.priority != Priority::Info;
  }

  std::string epoch_;
  HistoryLimits limits_;
  std::uint64_t rev_ = 0;
  std::uint64_t history_floor_rev_ = 0;

  StringPool strings_;              // rover, source, acknowledgedBy, createdBy, ack comments
  std::vector<AlertRecord> records_;
  std::vector<Slot> free_slots_;
  // Records per rover (ground alerts not counted), kept by index()/unindex().
  std::unordered_map<StringPool::Id, std::uint32_t> held_by_rover_;
  std::size_t max_alerts_per_rover_ = 0;
  SlotIndex by_key_;                // (rover, key) -> slot
  SlotIndex by_id_;                 // id -> slot
  std::vector<RevEntry> by_rev_;    // ascending rev; entries of changed/removed alerts are stale
  std::size_t stale_revs_ = 0;
  std::set<std::pair<std::uint64_t, Slot>> by_expiry_;  // (expires_at_ms, slot), only expiring ones
  std::deque<Tombstone> tombstones_;                    // ordered by rev
  SuppressionLimits suppression_limits_;
  std::set<std::pair<std::uint64_t, Slot>> by_shelf_end_;  // (until_ms, slot) of shelved alerts
  std::map<std::pair<std::string, std::string>, Shelf> key_shelves_;         // (rover, key)
  // Key shelves with no occurrence held whose end has been announced; one
  // entry at most per key shelf, gone with it.
  std::set<std::pair<std::string, std::string>> warned_key_shelves_;
  std::map<std::pair<ServiceScope, std::string>, OutOfService> out_of_service_;
  // One entry per rover boot seen, kept so that a replay after a relay-side
  // disconnect is recognised; at most kBootsKeptPerRover per rover, the most
  // recently applied (a rover replays only its current boot's frames).
  struct Applied {
    std::uint64_t seq = 0;
    std::uint64_t used = 0;  // applied_clock_ when a frame of this boot was last applied
  };
  using AppliedMap = std::map<std::pair<std::string, std::uint64_t>, Applied>;
  void forget_old_boots(const std::string& rover);
  AppliedMap applied_seq_;
  std::uint64_t applied_clock_ = 0;
  // The entry of the latest applied frame: frames come in runs from one
  // rover boot, so most need no map lookup (only an older boot of the same
  // rover is ever erased, never this one).
  AppliedMap::iterator last_applied_ = applied_seq_.end();
  Observer observer_;
  StoreRecorder* recorder_ = nullptr;
};

// 32 lowercase hex digits from the system's random source.
std::string make_random_epoch();

// In the header: alert_store.cpp and alert_store_suppression.cpp both walk the log.
template <class F>
void AlertStore::for_each_after(std::uint64_t since, F&& f) const {
  auto it = std::upper_bound(by_rev_.begin(), by_rev_.end(), since,
                             [](std::uint64_t rev, const RevEntry& e) { return rev < e.rev; });
  for (; it != by_rev_.end(); ++it) {
    if (current(*it) && !f(it->slot)) return;
  }
}

}  // namespace rover_alerts::relay
