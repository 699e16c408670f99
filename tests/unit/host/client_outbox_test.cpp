// ClientOutbox: every delivery class and every limit on its own, through a
// small Tester, then random operations against a std:: model of the policy
// client_outbox.hpp documents.

#include "delivery/client_outbox.hpp"
#include "delivery/subscription_filter.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rover_alerts::relay {
// Lets BOOST_TEST print a PushStatus when a comparison fails.
inline std::ostream& boost_test_print_type(std::ostream& out, PushStatus status) { return out << to_string(status); }
}  // namespace rover_alerts::relay

using namespace rover_alerts::relay;
using namespace std::chrono_literals;

namespace {

using Clock = ClientOutbox::Clock;
constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

struct ChangeSpec {
  std::string alert;
  Priority priority = Priority::Medium;
  std::size_t bytes = 10;
  std::string source = "power";
};

// Limits reached in a few pushes.
OutboxLimits small_limits() {
  OutboxLimits limits;
  limits.urgent_max_messages = 4;
  limits.urgent_max_bytes = 100;
  limits.routine_high_water_changes = 4;
  limits.routine_high_water_bytes = 1000;
  limits.routine_max_changes = 6;
  limits.routine_max_bytes = 2000;
  limits.stall_deadline = 10s;
  return limits;
}

std::string text(std::optional<std::uint64_t> rev) { return rev ? std::to_string(*rev) : "none"; }

// One client's outbox, its clock, and the publishing side: batches of changes
// with revs from 101 up, pushed the way ClientFeed pushes them (the changes
// `filter` lets through, in order).
struct Tester {
  explicit Tester(OutboxLimits l = small_limits()) : limits(l), outbox(l) {}

  SharedBatchPtr batch(const std::vector<ChangeSpec>& specs) {
    std::vector<SharedChange> changes;
    for (const ChangeSpec& spec : specs) {
      auto change = std::make_shared<EncodedChange>();
      change->alert_id = spec.alert;
      change->source = spec.source;
      change->priority = spec.priority;
      change->rev = ++rev;
      change->json.assign(spec.bytes, 'x');
      change->published_at = now;
      changes.push_back(std::move(change));
    }
    return std::make_shared<const SharedBatch>(++batch_id, std::move(changes));
  }
  // The statuses of the pushed changes, e.g. "queued coalesced".
  std::string push(const SharedBatchPtr& b) {
    std::string statuses;
    for (std::size_t i = 0; i < b->changes().size(); ++i) {
      const EncodedChange& change = *b->changes()[i];
      if (!filter.matches(change.priority, change.source)) continue;
      if (!statuses.empty()) statuses += ' ';
      statuses += to_string(outbox.push_routine(b, i, now));
    }
    return statuses;
  }
  // One change in a batch of its own.
  PushStatus push(std::string alert, Priority priority, std::size_t bytes = 10) {
    const SharedBatchPtr b = batch({{std::move(alert), priority, bytes}});
    return outbox.push_routine(b, 0, now);
  }
  PushStatus urgent(std::string message, std::string_view supersedes = {}) {
    return outbox.push_urgent(std::make_shared<const std::string>(std::move(message)), supersedes);
  }
  // Every urgent message, in the order they leave.
  std::string pop_all_urgent() {
    std::string out;
    while (outbox.has_urgent()) {
      if (!out.empty()) out += ' ';
      out += *outbox.pop_urgent();
    }
    return out;
  }
  // What take_routine took, as "alert:rev ..." (the whole Taken stays in `taken`).
  std::string take(std::size_t max_changes = kAll, std::size_t max_bytes = kAll) {
    taken = outbox.take_routine(max_changes, max_bytes, filter);
    std::string out;
    for (const SharedChange& change : taken.changes) {
      if (!out.empty()) out += ' ';
      out += change->alert_id + ":" + std::to_string(change->rev);
    }
    return out;
  }
  std::string owed() const { return text(outbox.resync_owed()); }
  std::string due() { return text(outbox.take_due_resync()); }
  void wait(Clock::duration d) { now += d; }

  OutboxLimits limits;
  ClientOutbox outbox;
  SubscriptionFilter filter;
  Clock::time_point now{};
  std::uint64_t rev = 100;
  std::uint64_t batch_id = 0;
  ClientOutbox::Taken taken;
};

OutboxLimits with(OutboxLimits limits, std::size_t high_water_bytes, std::size_t max_bytes) {
  limits.routine_high_water_bytes = high_water_bytes;
  limits.routine_max_bytes = max_bytes;
  return limits;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_outbox)

// --- urgent ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(urgent_messages_leave_first_in_first_out) {
  Tester t;
  for (const char* message : {"one", "two", "three"}) BOOST_TEST(t.urgent(message) == PushStatus::Queued);
  BOOST_TEST(t.outbox.urgent_messages() == 3u);
  BOOST_TEST(t.outbox.urgent_bytes() == 11u);
  BOOST_TEST(t.pop_all_urgent() == "one two three");
  BOOST_TEST(t.outbox.urgent_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(urgent_overflows_past_its_message_limit) {
  Tester t;  // 4 messages
  for (int i = 0; i < 4; ++i) BOOST_TEST(t.urgent("m") == PushStatus::Queued);
  BOOST_TEST(t.urgent("m") == PushStatus::Overflow);
  BOOST_TEST(t.outbox.urgent_messages() == 4u);
  t.outbox.pop_urgent();
  BOOST_TEST(t.urgent("m") == PushStatus::Queued);
}

BOOST_AUTO_TEST_CASE(urgent_overflows_past_its_byte_limit) {
  Tester t;  // 100 bytes
  BOOST_TEST(t.urgent(std::string(60, 'u')) == PushStatus::Queued);
  BOOST_TEST(t.urgent(std::string(40, 'u')) == PushStatus::Queued);
  BOOST_TEST(t.urgent("u") == PushStatus::Overflow);
  BOOST_TEST(t.outbox.urgent_bytes() == 100u);
  BOOST_TEST(t.outbox.urgent_messages() == 2u);
}

BOOST_AUTO_TEST_CASE(urgent_messages_are_never_dropped_under_routine_pressure) {
  Tester t;
  for (const char* alert : {"a", "b", "c", "d"}) t.push(alert, Priority::Info);
  BOOST_TEST(t.push("e", Priority::Info) == PushStatus::Dropped);  // routine past high water
  for (int i = 0; i < 4; ++i) BOOST_TEST(t.urgent("critical") == PushStatus::Queued);
  BOOST_TEST(t.urgent("critical") == PushStatus::Overflow);  // full: the client is closed, nothing is lost silently
}

BOOST_AUTO_TEST_CASE(a_critical_change_removes_the_queued_routine_change_of_its_alert_only) {
  Tester t;
  t.push("a", Priority::Low, 10);
  t.push("b", Priority::High, 20);
  t.push("c", Priority::Medium, 30);
  BOOST_TEST(t.urgent("b is critical now", "b") == PushStatus::Queued);
  BOOST_TEST(t.outbox.routine_changes() == 2u);
  BOOST_TEST(t.outbox.routine_bytes() == 40u);
  BOOST_TEST(t.outbox.kept_changes() == 1u);
  BOOST_TEST(t.take() == "a:101 c:103");
  BOOST_TEST(!t.outbox.resync_owed());  // superseded, not dropped
}

BOOST_AUTO_TEST_CASE(a_critical_change_of_an_alert_with_nothing_queued_removes_nothing) {
  Tester t;
  t.push("a", Priority::Low);
  BOOST_TEST(t.urgent("critical", "z") == PushStatus::Queued);
  BOOST_TEST(t.urgent("critical", "") == PushStatus::Queued);
  BOOST_TEST(t.take() == "a:101");
}

BOOST_AUTO_TEST_CASE(an_alert_superseded_by_a_critical_change_is_queued_afresh) {
  Tester t;
  t.push("a", Priority::High);
  t.urgent("critical", "a");
  BOOST_TEST(t.push("a", Priority::High) == PushStatus::Queued);
  BOOST_TEST(t.take() == "a:102");
}

// --- routine coalescing ---------------------------------------------------

BOOST_AUTO_TEST_CASE(a_newer_change_of_a_queued_alert_replaces_it_at_the_back) {
  Tester t;
  t.push("a", Priority::Medium, 10);
  t.push("b", Priority::Medium, 10);
  t.push("c", Priority::Medium, 10);
  BOOST_TEST(t.push("a", Priority::Medium, 25) == PushStatus::Coalesced);
  BOOST_TEST(t.outbox.routine_changes() == 3u);
  BOOST_TEST(t.outbox.routine_bytes() == 45u);
  BOOST_TEST(t.take() == "b:102 c:103 a:104");
}

BOOST_AUTO_TEST_CASE(coalescing_into_a_smaller_change_frees_bytes) {
  Tester t;
  t.push("a", Priority::Low, 50);
  BOOST_TEST(t.push("a", Priority::Low, 5) == PushStatus::Coalesced);
  BOOST_TEST(t.outbox.routine_bytes() == 5u);
}

BOOST_AUTO_TEST_CASE(coalescing_follows_the_class_of_the_newer_change) {
  Tester t;
  t.push("a", Priority::Low);
  BOOST_TEST(t.outbox.kept_changes() == 0u);
  BOOST_TEST(t.push("a", Priority::High) == PushStatus::Coalesced);
  BOOST_TEST(t.outbox.kept_changes() == 1u);
  BOOST_TEST(t.push("a", Priority::Info) == PushStatus::Coalesced);
  BOOST_TEST(t.outbox.kept_changes() == 0u);
  BOOST_TEST(t.outbox.routine_changes() == 1u);
}

BOOST_AUTO_TEST_CASE(a_coalesced_change_waits_from_its_own_push) {
  Tester t;
  const auto start = t.now;
  t.push("a", Priority::Medium);
  t.wait(1s);
  t.push("b", Priority::Medium);
  t.wait(1s);
  t.push("a", Priority::Medium);
  BOOST_TEST((t.outbox.oldest_routine() == start + 1s));  // b is at the front now
}

BOOST_AUTO_TEST_CASE(coalescing_is_not_dropped_past_the_high_water_mark) {
  Tester t;  // high water: 4 changes
  for (const char* alert : {"a", "b", "c", "d"}) t.push(alert, Priority::Low);
  BOOST_TEST(t.push("a", Priority::Info) == PushStatus::Coalesced);  // adds no change to the backlog
  BOOST_TEST(!t.outbox.resync_owed());
  BOOST_TEST(t.take() == "b:102 c:103 d:104 a:105");
}

// --- high water and maximum -----------------------------------------------

BOOST_AUTO_TEST_CASE(droppable_changes_past_the_high_water_count_are_dropped) {
  Tester t;  // high water: 4 changes
  for (const char* alert : {"a", "b", "c", "d"}) BOOST_TEST(t.push(alert, Priority::Low) == PushStatus::Queued);
  BOOST_TEST(t.push("e", Priority::Info) == PushStatus::Dropped);  // rev 105
  BOOST_TEST(t.push("f", Priority::Low) == PushStatus::Dropped);   // rev 106
  BOOST_TEST(t.owed() == "104");                                    // lowest dropped rev - 1
  BOOST_TEST(t.outbox.routine_changes() == 4u);
  BOOST_TEST(t.take() == "a:101 b:102 c:103 d:104");
}

BOOST_AUTO_TEST_CASE(droppable_changes_past_the_high_water_bytes_are_dropped) {
  Tester t(with(small_limits(), 100, 2000));
  BOOST_TEST(t.push("a", Priority::Low, 60) == PushStatus::Queued);
  BOOST_TEST(t.push("b", Priority::Info, 40) == PushStatus::Queued);  // exactly at the mark
  BOOST_TEST(t.push("c", Priority::Low, 1) == PushStatus::Dropped);
  BOOST_TEST(t.owed() == "102");
  BOOST_TEST(t.outbox.routine_bytes() == 100u);
}

BOOST_AUTO_TEST_CASE(a_kept_change_past_high_water_evicts_the_oldest_droppable_change) {
  Tester t;  // high water: 4 changes, maximum 6
  t.push("a", Priority::Low);
  t.push("b", Priority::High);
  t.push("c", Priority::Info);
  t.push("d", Priority::Low);
  BOOST_TEST(t.push("e", Priority::Medium) == PushStatus::Queued);
  BOOST_TEST(t.outbox.routine_changes() == 4u);
  BOOST_TEST(t.owed() == "100");  // a (rev 101) was evicted
  BOOST_TEST(t.take() == "b:102 c:103 d:104 e:105");
}

BOOST_AUTO_TEST_CASE(a_kept_change_evicts_as_many_droppable_bytes_as_it_needs) {
  Tester t(with(small_limits(), 100, 2000));
  t.push("a", Priority::Low, 30);
  t.push("b", Priority::Info, 30);
  t.push("c", Priority::High, 30);
  BOOST_TEST(t.push("d", Priority::High, 50) == PushStatus::Queued);
  BOOST_TEST(t.outbox.routine_bytes() == 80u);
  BOOST_TEST(t.owed() == "100");
  BOOST_TEST(t.take() == "c:103 d:104");
}

BOOST_AUTO_TEST_CASE(the_resync_is_owed_from_the_lowest_dropped_rev) {
  Tester t;
  for (const char* alert : {"a", "b", "c", "d"}) t.push(alert, Priority::Low);  // 101..104
  t.push("e", Priority::Low);                                                  // 105: dropped
  BOOST_TEST(t.owed() == "104");
  t.push("f", Priority::High);  // evicts a (101)
  BOOST_TEST(t.owed() == "100");
  t.push("g", Priority::Low);  // 107: dropped
  BOOST_TEST(t.owed() == "100");
}

BOOST_AUTO_TEST_CASE(kept_changes_overflow_past_the_maximum_count_once_no_droppable_is_left) {
  Tester t;  // high water: 4 changes, maximum 6
  t.push("a", Priority::Low);
  t.push("b", Priority::Low);
  t.push("c", Priority::High);
  t.push("d", Priority::High);
  BOOST_TEST(t.push("e", Priority::High) == PushStatus::Queued);    // evicts a
  BOOST_TEST(t.push("f", Priority::Medium) == PushStatus::Queued);  // evicts b
  BOOST_TEST(t.push("g", Priority::High) == PushStatus::Queued);    // past high water, nothing to evict
  BOOST_TEST(t.push("h", Priority::High) == PushStatus::Queued);    // at the maximum
  BOOST_TEST(t.push("i", Priority::High) == PushStatus::Overflow);
  BOOST_TEST(t.push("j", Priority::Low) == PushStatus::Dropped);
  BOOST_TEST(t.outbox.kept_changes() == 6u);
  BOOST_TEST(t.take() == "c:103 d:104 e:105 f:106 g:107 h:108");
}

BOOST_AUTO_TEST_CASE(kept_changes_overflow_past_the_maximum_bytes) {
  Tester t(with(small_limits(), 100, 200));
  BOOST_TEST(t.push("a", Priority::High, 100) == PushStatus::Queued);
  BOOST_TEST(t.push("b", Priority::High, 100) == PushStatus::Queued);
  BOOST_TEST(t.push("c", Priority::High, 1) == PushStatus::Overflow);
  BOOST_TEST(t.push("a", Priority::High, 101) == PushStatus::Overflow);  // a newer change may not grow past it either
  BOOST_TEST(t.push("a", Priority::High, 99) == PushStatus::Coalesced);
  BOOST_TEST(t.outbox.routine_bytes() == 199u);
}

BOOST_AUTO_TEST_CASE(a_droppable_change_growing_past_the_maximum_is_dropped_and_the_older_one_kept) {
  Tester t(with(small_limits(), 100, 200));
  t.push("a", Priority::Low, 50);
  BOOST_TEST(t.push("a", Priority::Low, 190) == PushStatus::Coalesced);  // past high water, below the maximum
  BOOST_TEST(t.push("a", Priority::Low, 210) == PushStatus::Dropped);
  BOOST_TEST(t.owed() == "102");
  BOOST_TEST(t.take() == "a:102");
}

// --- take_due_resync ------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_resync_is_due_once_the_backlog_is_down_to_half_the_high_water_count) {
  Tester t;  // high water: 4 changes
  for (const char* alert : {"a", "b", "c", "d"}) t.push(alert, Priority::Low);
  t.push("e", Priority::Low);
  BOOST_TEST(t.due() == "none");
  t.take(1);
  BOOST_TEST(t.due() == "none");  // 3 queued
  t.take(1);
  BOOST_TEST(t.due() == "104");  // 2 queued
  BOOST_TEST(t.owed() == "none");
  BOOST_TEST(t.due() == "none");
}

BOOST_AUTO_TEST_CASE(a_resync_is_due_once_the_backlog_is_down_to_half_the_high_water_bytes) {
  Tester t(with(small_limits(), 100, 2000));
  t.push("a", Priority::Low, 40);
  t.push("b", Priority::Low, 60);
  t.push("c", Priority::Low, 1);  // dropped
  t.take(1);
  BOOST_TEST(t.due() == "none");  // one change, but 60 bytes
  t.take();
  BOOST_TEST(t.due() == "102");
}

BOOST_AUTO_TEST_CASE(no_resync_is_due_when_nothing_was_dropped) {
  Tester t;
  BOOST_TEST(t.due() == "none");
  t.push("a", Priority::Low);
  BOOST_TEST(t.due() == "none");
}

// --- take_routine ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(take_routine_takes_the_oldest_first_up_to_max_changes) {
  Tester t;
  for (const char* alert : {"a", "b", "c", "d"}) t.push(alert, Priority::Medium);
  BOOST_TEST(t.take(3) == "a:101 b:102 c:103");
  BOOST_TEST(t.take(3) == "d:104");
  BOOST_TEST(t.take(3) == "");
  BOOST_TEST(t.outbox.routine_changes() == 0u);
  BOOST_TEST(t.outbox.routine_bytes() == 0u);
  BOOST_TEST(t.outbox.kept_changes() == 0u);
}

BOOST_AUTO_TEST_CASE(take_routine_stops_before_max_bytes) {
  Tester t;
  for (const char* alert : {"a", "b", "c"}) t.push(alert, Priority::Medium, 10);
  BOOST_TEST(t.take(kAll, 25) == "a:101 b:102");
  BOOST_TEST(t.take(kAll, 10) == "c:103");  // exactly max_bytes
}

BOOST_AUTO_TEST_CASE(take_routine_takes_one_change_larger_than_max_bytes) {
  Tester t;
  t.push("a", Priority::Medium, 50);
  t.push("b", Priority::Medium, 5);
  BOOST_TEST(t.take(kAll, 10) == "a:101");
  BOOST_TEST(t.take(kAll, 10) == "b:102");
}

BOOST_AUTO_TEST_CASE(taking_exactly_one_whole_batch_shares_it) {
  Tester t;
  const auto b = t.batch({{"a"}, {"b", Priority::Low}, {"c", Priority::Info}});
  BOOST_TEST(t.push(b) == "queued queued queued");
  BOOST_TEST(t.take() == "a:101 b:102 c:103");
  BOOST_TEST(t.taken.whole_batch == b);
}

BOOST_AUTO_TEST_CASE(a_whole_batch_is_what_the_filter_lets_through) {
  Tester t;
  t.filter = SubscriptionFilter({}, {"power"});
  const auto b = t.batch({{"a"}, {"b", Priority::Medium, 10, "navigation"}, {"c"}});
  BOOST_TEST(t.push(b) == "queued queued");
  BOOST_TEST(t.take() == "a:101 c:103");
  BOOST_TEST(t.taken.whole_batch == b);
}

BOOST_AUTO_TEST_CASE(no_whole_batch_when_one_of_its_changes_was_coalesced_away) {
  Tester t;
  const auto first = t.batch({{"a"}, {"b"}, {"c"}});
  const auto second = t.batch({{"b"}});
  t.push(first);
  BOOST_TEST(t.push(second) == "coalesced");
  BOOST_TEST(t.take(2) == "a:101 c:103");
  BOOST_TEST(!t.taken.whole_batch);
  BOOST_TEST(t.take() == "b:104");
  BOOST_TEST(t.taken.whole_batch == second);
}

BOOST_AUTO_TEST_CASE(no_whole_batch_when_a_batch_has_a_change_of_one_alert_twice) {
  Tester t;
  const auto b = t.batch({{"a"}, {"a"}});
  BOOST_TEST(t.push(b) == "queued coalesced");
  BOOST_TEST(t.take() == "a:102");
  BOOST_TEST(!t.taken.whole_batch);
}

BOOST_AUTO_TEST_CASE(no_whole_batch_when_two_batches_are_merged) {
  Tester t;
  const auto first = t.batch({{"a"}});
  const auto second = t.batch({{"b"}});
  t.push(first);
  t.push(second);
  BOOST_TEST(t.take() == "a:101 b:102");
  BOOST_TEST(!t.taken.whole_batch);
  t.push(first);
  t.push(second);
  BOOST_TEST(t.take(1) == "a:101");
  BOOST_TEST(t.taken.whole_batch == first);
}

BOOST_AUTO_TEST_CASE(no_whole_batch_when_cut_short) {
  Tester t;
  const auto b = t.batch({{"a"}, {"b"}, {"c"}});
  t.push(b);
  BOOST_TEST(t.take(2) == "a:101 b:102");
  BOOST_TEST(!t.taken.whole_batch);
  BOOST_TEST(t.take() == "c:103");  // the rest of it is not the batch either
  BOOST_TEST(!t.taken.whole_batch);
  t.push(b);
  BOOST_TEST(t.take(kAll, 25) == "a:101 b:102");  // by bytes
  BOOST_TEST(!t.taken.whole_batch);
}

BOOST_AUTO_TEST_CASE(no_whole_batch_when_one_of_its_changes_was_dropped_or_superseded) {
  Tester t;
  for (const char* alert : {"w", "x", "y"}) t.push(alert, Priority::High);
  const auto b = t.batch({{"a", Priority::Low}, {"b", Priority::Low}});
  BOOST_TEST(t.push(b) == "queued dropped");
  t.take(3);
  BOOST_TEST(t.take() == "a:104");
  BOOST_TEST(!t.taken.whole_batch);

  const auto c = t.batch({{"c"}, {"d"}});
  t.push(c);
  t.urgent("critical", "c");
  BOOST_TEST(t.take() == "d:107");
  BOOST_TEST(!t.taken.whole_batch);
}

BOOST_AUTO_TEST_CASE(an_empty_outbox_takes_nothing) {
  Tester t;
  BOOST_TEST(t.take() == "");
  BOOST_TEST(!t.taken.whole_batch);
  BOOST_TEST(!t.outbox.oldest_routine());
}

// --- stall deadline -------------------------------------------------------

BOOST_AUTO_TEST_CASE(droppable_changes_never_stall_a_client) {
  Tester t;
  t.push("a", Priority::Info);
  t.wait(1h);
  BOOST_TEST(!t.outbox.stalled(t.now));
}

BOOST_AUTO_TEST_CASE(a_kept_change_stalls_the_client_once_it_waited_past_the_deadline) {
  Tester t;  // 10 s
  t.push("a", Priority::Medium);
  t.wait(10s);
  BOOST_TEST(!t.outbox.stalled(t.now));
  t.wait(1ms);
  BOOST_TEST(t.outbox.stalled(t.now));
  t.take();
  BOOST_TEST(!t.outbox.stalled(t.now));
}

BOOST_AUTO_TEST_CASE(a_kept_change_behind_old_droppable_ones_waits_from_its_own_push) {
  Tester t;  // 10 s
  t.push("a", Priority::Low);
  t.wait(9s);
  t.push("b", Priority::High);
  t.wait(2s);
  BOOST_TEST(!t.outbox.stalled(t.now));  // a waited 11 s, b only 2 s
  t.wait(8s + 1ms);
  BOOST_TEST(t.outbox.stalled(t.now));
}

BOOST_AUTO_TEST_CASE(a_superseded_kept_change_no_longer_stalls_the_client) {
  Tester t;
  t.push("a", Priority::High);
  t.wait(11s);
  t.urgent("critical", "a");
  BOOST_TEST(!t.outbox.stalled(t.now));
}

// --- clear ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(clear_discards_everything_queued) {
  Tester t;
  t.urgent("one");
  t.push("a", Priority::High);
  t.push("b", Priority::Low);
  t.outbox.clear();
  BOOST_TEST(!t.outbox.has_urgent());
  BOOST_TEST(t.outbox.urgent_bytes() == 0u);
  BOOST_TEST(t.outbox.routine_changes() == 0u);
  BOOST_TEST(t.outbox.routine_bytes() == 0u);
  BOOST_TEST(t.outbox.kept_changes() == 0u);
  BOOST_TEST(!t.outbox.oldest_routine());
  BOOST_TEST(t.push("a", Priority::High) == PushStatus::Queued);  // not a coalescing of the discarded one
  BOOST_TEST(t.take() == "a:103");
}

BOOST_AUTO_TEST_CASE(clear_routine_keeps_the_urgent_messages) {
  Tester t;
  t.urgent("one");
  t.push("a", Priority::High);
  t.wait(11s);
  t.outbox.clear_routine();
  BOOST_TEST(t.outbox.routine_changes() == 0u);
  BOOST_TEST(t.outbox.kept_changes() == 0u);
  BOOST_TEST(!t.outbox.stalled(t.now));
  BOOST_TEST(t.urgent("critical", "a") == PushStatus::Queued);
  BOOST_TEST(t.pop_all_urgent() == "one critical");
  BOOST_TEST(t.take() == "");
}

// --- a flapping alert -----------------------------------------------------

BOOST_AUTO_TEST_CASE(a_flapping_alert_does_not_grow_the_outbox) {
  OutboxLimits limits = small_limits();
  limits.routine_high_water_changes = 8;
  limits.routine_max_changes = 12;
  Tester t(limits);
  t.push("steady", Priority::Medium);
  const std::vector<std::string> alerts = {"f0", "f1", "f2", "f3", "f4", "flap"};  // f*: low, flap: high
  // The step of the newest change of `alert` (its rev is 102 + that).
  const auto newest = [&](const std::string& alert) {
    const auto k = static_cast<std::size_t>(std::find(alerts.begin(), alerts.end(), alert) - alerts.begin());
    std::size_t i = 99'999;
    while (i % alerts.size() != k) --i;
    return i;
  };
  std::weak_ptr<const SharedBatch> first_flap;
  std::vector<std::string> order;  // queue order after "steady"
  std::size_t wrong_statuses = 0, wrong_counts = 0;
  std::size_t last_bytes[6] = {};
  for (std::size_t i = 0; i < 100'000; ++i) {
    const std::size_t k = i % alerts.size();
    const std::size_t bytes = 1 + i % 37;
    const auto b = t.batch({{alerts[k], k == 5 ? Priority::High : Priority::Low, bytes}});
    if (i == 5) first_flap = b;
    const PushStatus status = t.outbox.push_routine(b, 0, t.now);
    if (status != (i < alerts.size() ? PushStatus::Queued : PushStatus::Coalesced)) ++wrong_statuses;
    std::erase(order, alerts[k]);
    order.push_back(alerts[k]);
    last_bytes[k] = bytes;
    std::size_t total = 10;  // steady
    for (const std::size_t n : last_bytes) total += n;
    if (t.outbox.routine_changes() != 1 + std::min(i + 1, alerts.size()) || t.outbox.routine_bytes() != total ||
        t.outbox.kept_changes() != (i >= 5 ? 2u : 1u))
      ++wrong_counts;
  }
  BOOST_TEST(wrong_statuses == 0u);
  BOOST_TEST(wrong_counts == 0u);
  BOOST_TEST(first_flap.expired());  // a replaced change holds nothing
  BOOST_TEST(!t.outbox.resync_owed());

  // The bookkeeping is still right after all that: a critical change finds
  // its alert, a kept change evicts the oldest droppable one.
  BOOST_TEST(t.urgent("critical", order[0]) == PushStatus::Queued);
  const std::string superseded = order[0];
  order.erase(order.begin());
  BOOST_TEST(t.push("new-low", Priority::Low) == PushStatus::Queued);     // 6 + 1
  BOOST_TEST(t.push("new-high", Priority::High) == PushStatus::Queued);   // 8: at high water
  BOOST_TEST(t.push("other-low", Priority::Low) == PushStatus::Dropped);  // past it
  BOOST_TEST(t.push("kept", Priority::Medium) == PushStatus::Queued);     // evicts the oldest low one
  std::string evicted;
  for (const std::string& alert : order)
    if (alert != "flap") {
      evicted = alert;
      break;
    }
  std::erase(order, evicted);
  std::string expected = "steady:101";
  const std::uint64_t last_rev = 100 + 1 + 100'000;
  for (const std::string& alert : order) expected += " " + alert + ":" + std::to_string(102 + newest(alert));
  expected += " new-low:" + std::to_string(last_rev + 1) + " new-high:" + std::to_string(last_rev + 2) +
              " kept:" + std::to_string(last_rev + 4);
  BOOST_TEST(t.take() == expected);
  BOOST_TEST(superseded != evicted);
  BOOST_TEST(t.owed() == std::to_string(102 + newest(evicted) - 1));
}

BOOST_AUTO_TEST_SUITE_END()

// --- the model ------------------------------------------------------------

namespace {

// The policy as client_outbox.hpp states it, written plainly: a deque per
// class, the routine one holding at most one entry per alert, in queue order.
class OutboxModel {
 public:
  struct Entry {
    SharedBatchPtr batch;
    std::size_t index = 0;
    Clock::time_point queued_at;
    const EncodedChange& change() const { return *batch->changes()[index]; }
  };

  explicit OutboxModel(const OutboxLimits& limits) : limits_(limits) {}

  PushStatus push_urgent(const std::shared_ptr<const std::string>& message, const std::string& supersedes) {
    if (urgent.size() + 1 > limits_.urgent_max_messages || urgent_bytes() + message->size() > limits_.urgent_max_bytes)
      return PushStatus::Overflow;
    if (const auto it = find(supersedes); it != routine.end()) routine.erase(it);
    urgent.push_back(message);
    return PushStatus::Queued;
  }

  PushStatus push_routine(const SharedBatchPtr& batch, std::size_t index, Clock::time_point now) {
    const EncodedChange& change = *batch->changes()[index];
    const bool droppable = change.priority == Priority::Low || change.priority == Priority::Info;
    const std::size_t size = change.json.size();
    if (const auto old = find(change.alert_id); old != routine.end()) {
      // Replaces the queued one, at the back; only the maximum applies.
      if (routine_bytes() - old->change().json.size() + size > limits_.routine_max_bytes)
        return refuse(change, droppable);
      routine.erase(old);
      routine.push_back(Entry{batch, index, now});
      return PushStatus::Coalesced;
    }
    const auto over_high_water = [&] {
      return routine.size() + 1 > limits_.routine_high_water_changes ||
             routine_bytes() + size > limits_.routine_high_water_bytes;
    };
    if (over_high_water()) {
      if (droppable) return refuse(change, droppable);
      while (over_high_water()) {
        auto it = routine.begin();
        while (it != routine.end() && kept(*it)) ++it;
        if (it == routine.end()) break;
        owe(it->change().rev);
        routine.erase(it);
        ++evictions;
      }
    }
    if (routine.size() + 1 > limits_.routine_max_changes || routine_bytes() + size > limits_.routine_max_bytes)
      return refuse(change, droppable);
    routine.push_back(Entry{batch, index, now});
    return PushStatus::Queued;
  }

  std::shared_ptr<const std::string> pop_urgent() {
    auto message = urgent.front();
    urgent.pop_front();
    return message;
  }

  // The entries taken, and the batch when they are exactly what `filter`
  // lets through of one batch.
  std::pair<std::vector<Entry>, SharedBatchPtr> take(std::size_t max_changes, std::size_t max_bytes,
                                                      const SubscriptionFilter& filter) {
    std::vector<Entry> taken;
    std::size_t bytes = 0;
    while (!routine.empty() && taken.size() < max_changes) {
      const std::size_t size = routine.front().change().json.size();
      if (!taken.empty() && bytes + size > max_bytes) break;
      bytes += size;
      taken.push_back(routine.front());
      routine.pop_front();
    }
    if (taken.empty()) return {taken, nullptr};
    const SharedBatchPtr& batch = taken.front().batch;
    std::vector<std::size_t> wanted, got;
    for (std::size_t i = 0; i < batch->changes().size(); ++i)
      if (filter.matches(batch->changes()[i]->priority, batch->changes()[i]->source)) wanted.push_back(i);
    for (const Entry& entry : taken) {
      if (entry.batch != batch) return {taken, nullptr};
      got.push_back(entry.index);
    }
    return {taken, got == wanted ? batch : nullptr};
  }

  std::optional<std::uint64_t> take_due_resync() {
    if (!resync || routine.size() * 2 > limits_.routine_high_water_changes ||
        routine_bytes() * 2 > limits_.routine_high_water_bytes)
      return std::nullopt;
    return std::exchange(resync, std::nullopt);
  }

  bool stalled(Clock::time_point now) const {
    for (const Entry& entry : routine)
      if (kept(entry) && now - entry.queued_at > limits_.stall_deadline) return true;
    return false;
  }

  void clear_routine() { routine.clear(); }

  std::size_t urgent_bytes() const {
    std::size_t n = 0;
    for (const auto& message : urgent) n += message->size();
    return n;
  }
  std::size_t routine_bytes() const {
    std::size_t n = 0;
    for (const Entry& entry : routine) n += entry.change().json.size();
    return n;
  }
  std::size_t kept_changes() const {
    std::size_t n = 0;
    for (const Entry& entry : routine) n += kept(entry) ? 1 : 0;
    return n;
  }
  std::optional<Clock::time_point> oldest() const {
    if (routine.empty()) return std::nullopt;
    return routine.front().queued_at;
  }

  std::deque<std::shared_ptr<const std::string>> urgent;
  std::deque<Entry> routine;
  std::optional<std::uint64_t> resync;
  std::size_t evictions = 0;

 private:
  static bool kept(const Entry& entry) {
    return entry.change().priority == Priority::High || entry.change().priority == Priority::Medium;
  }
  std::deque<Entry>::iterator find(const std::string& alert) {
    auto it = routine.begin();
    while (it != routine.end() && it->change().alert_id != alert) ++it;
    return it;
  }
  PushStatus refuse(const EncodedChange& change, bool droppable) {
    if (!droppable) return PushStatus::Overflow;
    owe(change.rev);
    return PushStatus::Dropped;
  }
  void owe(std::uint64_t rev) { resync = std::min(resync.value_or(rev - 1), rev - 1); }

  OutboxLimits limits_;
};

void expect_same(const ClientOutbox& box, const OutboxModel& model, Clock::time_point now) {
  BOOST_TEST_REQUIRE(box.has_urgent() == !model.urgent.empty());
  BOOST_TEST_REQUIRE(box.urgent_messages() == model.urgent.size());
  BOOST_TEST_REQUIRE(box.urgent_bytes() == model.urgent_bytes());
  BOOST_TEST_REQUIRE(box.routine_changes() == model.routine.size());
  BOOST_TEST_REQUIRE(box.routine_bytes() == model.routine_bytes());
  BOOST_TEST_REQUIRE(box.kept_changes() == model.kept_changes());
  BOOST_TEST_REQUIRE(text(box.resync_owed()) == text(model.resync));
  BOOST_TEST_REQUIRE((box.oldest_routine() == model.oldest()));
  BOOST_TEST_REQUIRE(box.stalled(now) == model.stalled(now));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_outbox)

// Random pushes, takes and pops against the model; small limits, and phases
// in which the client takes nothing, so that every branch is reached.
BOOST_AUTO_TEST_CASE(matches_its_model_under_random_operations) {
  OutboxLimits limits;
  limits.urgent_max_messages = 6;
  limits.urgent_max_bytes = 400;
  limits.routine_high_water_changes = 12;
  limits.routine_high_water_bytes = 700;
  limits.routine_max_changes = 24;
  limits.routine_max_bytes = 1400;
  limits.stall_deadline = 5s;
  Tester t(limits);
  t.filter = SubscriptionFilter({}, {"power", "navigation"});
  OutboxModel model(limits);

  std::mt19937 rng(20240611);
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const auto alert = [&] { return "a" + std::to_string(pick(50)); };
  const std::array<std::string, 3> sources = {"power", "navigation", "drive"};

  std::array<std::size_t, 4> routine_statuses{}, urgent_statuses{};
  std::size_t whole = 0, not_whole = 0, resyncs = 0, stalls = 0, supersedes = 0;

  for (std::size_t step = 0; step < 20'000; ++step) {
    BOOST_TEST_CONTEXT("step " << step) {
      const bool taking = (step / 1000) % 2 == 0;  // otherwise the client takes nothing for a while
      const std::size_t roll = pick(100);
      if (roll < 40) {
        std::vector<ChangeSpec> specs(1 + pick(4));
        for (ChangeSpec& spec : specs)
          spec = ChangeSpec{alert(), static_cast<Priority>(1 + pick(4)), 1 + pick(120), sources[pick(3)]};
        const SharedBatchPtr b = t.batch(specs);
        for (std::size_t i = 0; i < specs.size(); ++i) {
          if (!t.filter.matches(specs[i].priority, specs[i].source)) continue;
          const PushStatus got = t.outbox.push_routine(b, i, t.now);
          BOOST_TEST_REQUIRE(got == model.push_routine(b, i, t.now));
          ++routine_statuses[static_cast<std::size_t>(got)];
          expect_same(t.outbox, model, t.now);
        }
      } else if (roll < 52) {
        auto message = std::make_shared<const std::string>(1 + pick(150), 'u');
        const std::string supersede = pick(2) == 0 ? alert() : std::string();
        const PushStatus got = t.outbox.push_urgent(message, supersede);
        BOOST_TEST_REQUIRE(got == model.push_urgent(message, supersede));
        ++urgent_statuses[static_cast<std::size_t>(got)];
        supersedes += supersede.empty() ? 0 : 1;
      } else if (roll < 64) {
        if (!model.urgent.empty()) BOOST_TEST_REQUIRE((t.outbox.pop_urgent() == model.pop_urgent()));
      } else if (roll < 84) {
        if (!taking) {
          t.wait(std::chrono::milliseconds(static_cast<std::int64_t>(pick(300))));
        } else {
          const std::size_t max_changes = 1 + pick(8), max_bytes = 1 + pick(400);
          const auto [expected, expected_whole] = model.take(max_changes, max_bytes, t.filter);
          const ClientOutbox::Taken got = t.outbox.take_routine(max_changes, max_bytes, t.filter);
          BOOST_TEST_REQUIRE(got.changes.size() == expected.size());
          for (std::size_t i = 0; i < expected.size(); ++i)
            BOOST_TEST_REQUIRE((got.changes[i] == expected[i].batch->changes()[expected[i].index]));
          BOOST_TEST_REQUIRE((got.whole_batch == expected_whole));
          if (!got.changes.empty()) ++(got.whole_batch ? whole : not_whole);
        }
      } else if (roll < 90) {
        const auto got = t.outbox.take_due_resync();
        BOOST_TEST_REQUIRE(text(got) == text(model.take_due_resync()));
        resyncs += got ? 1 : 0;
      } else if (roll < 99) {
        t.wait(std::chrono::milliseconds(static_cast<std::int64_t>(pick(1500))));
      } else if (pick(2) == 0) {
        t.outbox.clear_routine();
        model.clear_routine();
      } else {
        t.outbox.clear();
        model.clear_routine();
        model.urgent.clear();
      }
      expect_same(t.outbox, model, t.now);
      stalls += model.stalled(t.now) ? 1 : 0;
    }
  }

  // It went everywhere.
  for (const PushStatus status :
       {PushStatus::Queued, PushStatus::Coalesced, PushStatus::Dropped, PushStatus::Overflow})
    BOOST_TEST_CONTEXT(to_string(status)) { BOOST_TEST(routine_statuses[static_cast<std::size_t>(status)] > 0u); }
  BOOST_TEST(urgent_statuses[static_cast<std::size_t>(PushStatus::Queued)] > 0u);
  BOOST_TEST(urgent_statuses[static_cast<std::size_t>(PushStatus::Overflow)] > 0u);
  BOOST_TEST(model.evictions > 0u);
  BOOST_TEST(whole > 0u);
  BOOST_TEST(not_whole > 0u);
  BOOST_TEST(resyncs > 0u);
  BOOST_TEST(stalls > 0u);
  BOOST_TEST(supersedes > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
