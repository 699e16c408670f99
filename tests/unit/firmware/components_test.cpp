// The emitter's link-side building blocks, each against a simple oracle.

#include <rover_alerts/frame_encoder.hpp>
#include <rover_alerts/key_table.hpp>
#include <rover_alerts/priority_outbox.hpp>
#include <rover_alerts/replay_ring.hpp>
#include <rover_alerts/staging_record.hpp>
#include <rover_alerts/staging_ring.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace rover_alerts;

namespace {
AlertRecord record(std::string_view key, Priority p) {
  AlertRecord r;
  r.key.assign(key);
  r.priority = p;
  return r;
}

// A staging record of a raise of `key`, as a producer writes it.
std::vector<std::uint8_t> staged(std::string_view key, Priority p, EventKind kind = EventKind::Raise) {
  AlertSpec a;
  a.key = key;
  a.priority = p;
  a.source = "test";
  a.message = "staged";
  std::vector<std::uint8_t> bytes(staging::kMaxBytes);
  bytes.resize(encode_staging(bytes.data(), kind, a, 1, 0, true).bytes);
  return bytes;
}

std::string_view key_of(const PriorityOutbox& box, std::int32_t slot) {
  return box.is_staged(slot) ? staging_peek(box.staged(slot)).key : box.record(slot).key.view();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(components)

// Random pushes and takes against a model of the rule: per-priority FIFOs,
// full -> evict the oldest of the least urgent priority unless the newcomer is
// less urgent than everything held.
BOOST_AUTO_TEST_CASE(priority_outbox_matches_its_model) {
  PriorityOutbox box;
  BOOST_REQUIRE(box.init(8));
  std::array<std::deque<std::string>, kPriorityCount> model;
  std::size_t held = 0;
  std::array<std::uint64_t, kPriorityCount> lost_model{}, lost{};
  std::mt19937 rng(7);
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 3 != 0) {
      const auto p = static_cast<Priority>(rng() % kPriorityCount);
      const std::string key = "k" + std::to_string(step);
      // Both forms of entry, under one rule.
      const auto bytes = staged(key, p);
      const auto r = step % 2 == 0 ? box.push(record(key, p), 0, 0, PriorityOutbox::kNone)
                                   : box.push_staged(bytes.data(), bytes.size(), 0, 0, PriorityOutbox::kNone);
      if (r.evicted) ++lost[index_of(r.evicted_priority)];
      if (r.slot == PriorityOutbox::kNone) ++lost[index_of(p)];
      if (held == 8) {
        std::size_t q = kPriorityCount;
        while (model[--q].empty()) {
        }
        if (q < index_of(p)) {
          ++lost_model[index_of(p)];
          continue;
        }
        model[q].pop_front();
        ++lost_model[q];
        --held;
      }
      model[index_of(p)].push_back(key);
      ++held;
    } else {
      const auto slot = box.next_ready();
      std::size_t q = 0;
      while (q < kPriorityCount && model[q].empty()) ++q;
      BOOST_REQUIRE((slot == PriorityOutbox::kNone) == (q == kPriorityCount));
      if (slot == PriorityOutbox::kNone) continue;
      BOOST_REQUIRE(key_of(box, slot) == model[q].front());
      BOOST_REQUIRE(box.priority(slot) == static_cast<Priority>(q));
      model[q].pop_front();
      --held;
      box.remove(slot);
    }
    BOOST_REQUIRE(box.size() == held);
  }
  BOOST_TEST(lost == lost_model);
}

BOOST_AUTO_TEST_CASE(priority_outbox_defers_until_due_and_evicts_deferred_first) {
  PriorityOutbox box;
  BOOST_REQUIRE(box.init(2));
  const auto held = box.push(record("held", Priority::Low), 100, 10, 7);
  box.push(record("new", Priority::Low), 0, 10, PriorityOutbox::kNone);
  BOOST_TEST(box.record(box.next_ready()).key.view() == "new");  // the deferred one is not ready
  BOOST_TEST(box.release_due(99) == 0u);
  // Full: a low newcomer displaces the deferred update before the never-sent one.
  const auto r = box.push(record("third", Priority::Low), 0, 10, PriorityOutbox::kNone);
  BOOST_TEST(r.evicted);
  BOOST_TEST(r.evicted_key_ref == 7);
  BOOST_TEST(box.deferred() == 0u);
  (void)held;
  const auto later = box.push(record("later", Priority::Critical), 100, 10, PriorityOutbox::kNone);
  BOOST_TEST(box.is_deferred(later.slot));
  BOOST_TEST(box.release_due(100) == 1u);
  BOOST_TEST(box.record(box.next_ready()).key.view() == "later");
}

// A staged entry keeps the producer's bytes until the emitter folds a newer
// call into it (replace): then it is a record, in the same place.
BOOST_AUTO_TEST_CASE(priority_outbox_keeps_staged_bytes_until_replaced) {
  PriorityOutbox box;
  BOOST_REQUIRE(box.init(4));
  const auto bytes = staged("power/battery", Priority::Low, EventKind::Update);
  const auto first = box.push_staged(bytes.data(), bytes.size(), 0, 0, 3);
  box.push(record("other", Priority::Low), 0, 0, PriorityOutbox::kNone);
  BOOST_REQUIRE(box.is_staged(first.slot));
  BOOST_TEST(std::memcmp(box.staged(first.slot), bytes.data(), bytes.size()) == 0);
  BOOST_TEST((box.kind(first.slot) == EventKind::Update));
  // Moved to a more urgent list: the entry's priority, not the bytes', counts.
  box.make_ready(first.slot, Priority::High);
  BOOST_TEST((box.priority(first.slot) == Priority::High));
  BOOST_TEST(box.next_ready() == first.slot);
  AlertRecord newer = record("power/battery", Priority::High);
  newer.kind = EventKind::Raise;
  newer.message.assign("newer");
  box.replace(first.slot, newer);
  BOOST_REQUIRE(!box.is_staged(first.slot));
  BOOST_TEST(box.record(first.slot).message.view() == "newer");
  BOOST_TEST((box.kind(first.slot) == EventKind::Raise));
  BOOST_TEST(box.key_ref(first.slot) == 3);
  BOOST_TEST(box.next_ready() == first.slot);  // same place
}

// The staging ring against a deque of byte strings: random record sizes up to
// the bound and random pops, so records wrap at every offset. Every record
// comes out once, in order, intact; a push is refused only when the ring
// lacks room for a worst-case record (and the skipped end of a lap); an empty
// ring always takes one.
BOOST_AUTO_TEST_CASE(staging_ring_matches_its_model) {
  constexpr std::size_t kMaxRecord = 300;
  StagingRing ring;
  BOOST_REQUIRE(!ring.init(1000, kMaxRecord));  // not a power of two
  BOOST_REQUIRE(!ring.init(512, kMaxRecord));   // less than two worst-case records
  BOOST_REQUIRE(ring.init(StagingRing::bytes_for(4, 64, kMaxRecord), kMaxRecord));
  const std::size_t capacity = ring.capacity_bytes();
  const std::size_t worst = StagingRing::stride(kMaxRecord);
  std::deque<std::vector<std::uint8_t>> model;
  std::mt19937 rng(5);
  std::size_t refused = 0;
  for (int step = 0; step < 100000; ++step) {
    if (rng() % 5 < 3) {
      std::vector<std::uint8_t> record(1 + rng() % kMaxRecord);
      for (auto& b : record) b = static_cast<std::uint8_t>(rng());
      const bool was_empty = ring.empty();
      const std::size_t used = ring.bytes_used();
      const bool pushed = ring.try_push_with([&](std::uint8_t* at) {
        std::memcpy(at, record.data(), record.size());
        return record.size();
      });
      if (pushed) {
        model.push_back(record);
      } else {
        ++refused;
        BOOST_REQUIRE(!was_empty);
        BOOST_REQUIRE(capacity - used < 2 * worst);
      }
    } else if (const std::uint8_t* r = ring.front()) {
      BOOST_REQUIRE(!model.empty());
      BOOST_REQUIRE(ring.front_size() == model.front().size());
      BOOST_REQUIRE(std::memcmp(r, model.front().data(), model.front().size()) == 0);
      ring.pop();
      model.pop_front();
    } else {
      BOOST_REQUIRE(model.empty());
    }
    BOOST_REQUIRE(ring.empty() == model.empty());
  }
  BOOST_TEST(refused > 0u);  // the test did fill it
}

// Small records pack: a ring sized for `records` of the typical size holds at
// least that many, far more than if each took a worst-case slot.
BOOST_AUTO_TEST_CASE(staging_ring_packs_small_records) {
  StagingRing ring;
  BOOST_REQUIRE(ring.init(StagingRing::bytes_for(16, 512, 2432), 2432));
  std::size_t taken = 0;
  while (ring.try_push_with([](std::uint8_t* at) {
    std::memset(at, 7, 300);
    return std::size_t{300};
  }))
    ++taken;
  BOOST_TEST(taken >= 16u);
  BOOST_TEST(taken >= 4 * (ring.capacity_bytes() / 2432));  // fixed worst-case slots: a quarter as many
}

// Each record starts a cache line: the consumer reading one record never
// touches a line of the next, so a push never waits for a line back.
BOOST_AUTO_TEST_CASE(staging_ring_records_do_not_share_cache_lines) {
  StagingRing ring;
  BOOST_REQUIRE(ring.init(StagingRing::bytes_for(16, 512, 2432), 2432));
  std::mt19937 rng(3);
  for (int i = 0; i < 1000; ++i) {
    const std::size_t size = 1 + rng() % 700;
    BOOST_REQUIRE(ring.try_push_with([&](std::uint8_t* at) {
      std::memset(at, 1, size);
      return size;
    }));
    const std::uint8_t* r = ring.front();
    BOOST_REQUIRE(r != nullptr);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(r - StagingRing::kPrefixBytes) % 64 == 0u);
    ring.pop();
  }
}

// Keys that differ only in their last characters (how a control loop names
// its sensors) must spread over the index: linear probing degrades badly on
// clustered hashes. At the table's load (half full), a well-mixed hash needs
// about 1.5 occupied slots scanned per miss; the old hash needed 11.
BOOST_AUTO_TEST_CASE(key_table_hash_spreads_keys_that_differ_at_the_end) {
  for (const std::string prefix : {"power/cell-", "bench/key-", "drive/motor-"}) {
    const std::size_t slots = KeyTable::index_slots(4096);
    std::vector<bool> used(slots);
    for (int n = 0; n < 4096; ++n) {
      auto i = static_cast<std::size_t>(KeyTable::hash(prefix + std::to_string(20000 + n)) & (slots - 1));
      while (used[i]) i = (i + 1) & (slots - 1);
      used[i] = true;
    }
    std::size_t scanned = 0;  // occupied slots a miss walks, from every start
    for (std::size_t start = 0; start < slots; ++start)
      for (std::size_t i = start; used[i]; i = (i + 1) & (slots - 1)) ++scanned;
    BOOST_TEST(static_cast<double>(scanned) / static_cast<double>(slots) < 2.5, prefix);
  }
}

// Random inserts, finds and removes against std::map, with LRU eviction.
BOOST_AUTO_TEST_CASE(key_table_matches_its_model) {
  KeyTable table;
  BOOST_REQUIRE(table.init(16));
  std::map<std::string, std::int32_t> model;
  std::map<std::string, std::int32_t> pending;  // what each key's Entry::pending was set to
  std::deque<std::string> lru;  // front: most recent
  std::mt19937 rng(11);
  for (int step = 0; step < 50000; ++step) {
    const std::string key = "key/" + std::to_string(rng() % 40);
    const auto found = table.find(key);
    BOOST_REQUIRE((found != KeyTable::kNone) == (model.count(key) == 1));
    if (found != KeyTable::kNone) BOOST_REQUIRE(found == model[key]);
    const auto op = rng() % 3;
    if (found == KeyTable::kNone && op != 2) {
      const std::int32_t oldest = table.least_recent();
      if (oldest != KeyTable::kNone) BOOST_REQUIRE(table.at(oldest).key.view() == lru.back());
      KeyTable::Eviction evicted;
      const auto index = table.insert(key, evicted);
      if (model.size() == 16) {
        BOOST_REQUIRE(evicted.happened);
        BOOST_REQUIRE(evicted.pending == pending[lru.back()]);  // what the caller must flush
        BOOST_REQUIRE(index == oldest);  // the evicted entry holds the new key
        model.erase(lru.back());
        lru.pop_back();
      } else {
        BOOST_REQUIRE(!evicted.happened);
      }
      BOOST_REQUIRE(table.at(index).pending == KeyTable::kNone);  // a new key holds nothing unsent
      table.at(index).pending = step % 5 == 0 ? KeyTable::kNone : step;
      pending[key] = table.at(index).pending;
      model[key] = index;
      lru.push_front(key);
    } else if (found != KeyTable::kNone && op == 2) {
      table.remove(found);
      model.erase(key);
      lru.erase(std::find(lru.begin(), lru.end(), key));
    } else if (found != KeyTable::kNone) {
      table.touch(found);
      lru.erase(std::find(lru.begin(), lru.end(), key));
      lru.push_front(key);
    }
    BOOST_REQUIRE(table.size() == model.size());
  }
}

BOOST_AUTO_TEST_CASE(replay_ring_keeps_frames_until_acked_and_wraps_contiguously) {
  ReplayRing ring;
  BOOST_REQUIRE(ring.init(1000, 64));
  std::deque<std::pair<std::uint64_t, std::vector<std::uint8_t>>> model;
  std::uint64_t next = 1;
  std::mt19937 rng(3);
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 2) {
      std::vector<std::uint8_t> frame(10 + rng() % 200, static_cast<std::uint8_t>(next));
      if (ring.append(next, frame)) model.emplace_back(next++, frame);
      else BOOST_REQUIRE(!ring.can_append(frame.size()));
    } else if (!model.empty()) {
      const auto acked = model.front().first + rng() % 3;
      ring.release_through(acked);
      while (!model.empty() && model.front().first <= acked) model.pop_front();
    }
    BOOST_REQUIRE(ring.frames() == model.size());
    if (model.empty()) continue;
    BOOST_REQUIRE(ring.oldest_seq() == model.front().first);
    BOOST_REQUIRE(ring.newest_seq() == model.back().first);
    // Contiguous runs cover the frames in order, whole.
    std::uint64_t seq = model.front().first;
    std::size_t i = 0;
    while (i < model.size()) {
      const auto run = ring.contiguous_from(seq, 0);
      std::size_t used = 0;
      while (i < model.size() && used < run.size()) {
        const auto& f = model[i].second;
        BOOST_REQUIRE(run.size() - used >= f.size());
        BOOST_REQUIRE(std::equal(f.begin(), f.end(), run.begin() + static_cast<std::ptrdiff_t>(used)));
        used += f.size();
        ++i;
        ++seq;
      }
      BOOST_REQUIRE(used == run.size());
    }
  }
  // Never drops the frame being written.
  ring.release_through(0);
  BOOST_TEST(ring.release_through(UINT64_MAX, ring.oldest_seq()) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
