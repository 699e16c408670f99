// AckTracker: every ack ends with exactly one outcome, after at most
// 1 + max_retries attempts; the queue is bounded.
#include "ack_tracker.hpp"

#include <boost/test/unit_test.hpp>

using rover_alerts::ground::AckOutcome;
using rover_alerts::ground::AckTracker;
using namespace std::chrono_literals;

namespace {

struct Tester {
  AckTracker::Clock::time_point now{};
  AckTracker tracker{{/*capacity=*/3, /*max_retries=*/2, /*timeout=*/5000ms, /*retry_backoff=*/1000ms}};

  std::vector<AckTracker::Send> send() { return tracker.take_sendable(now); }
  std::vector<AckOutcome> after(std::chrono::milliseconds d) {
    now += d;
    return tracker.expire(now);
  }
  AckTracker::Answer answer(const std::string& req, bool ok, const std::string& code = {}) {
    return tracker.answered(req, ok, code == "RATE_LIMITED", code, "", now);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ack_tracker)

BOOST_FIXTURE_TEST_CASE(an_ack_waits_until_sent_then_succeeds_once, Tester) {
  BOOST_REQUIRE(tracker.add("a1", "checked"));
  BOOST_TEST(tracker.waiting() == 1u);
  const auto sent = send();
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_TEST(sent[0].alert_id == "a1");
  BOOST_TEST(sent[0].comment == "checked");
  BOOST_TEST(tracker.in_flight() == 1u);
  BOOST_TEST(send().empty());  // in flight: not sent twice
  const auto answer = this->answer(sent[0].req_id, true);
  BOOST_REQUIRE(answer.ours && answer.outcome);
  BOOST_TEST(answer.outcome->ok);
  BOOST_TEST(answer.outcome->attempts == 1);
  BOOST_TEST(tracker.size() == 0u);
  BOOST_TEST(!this->answer(sent[0].req_id, true).ours);  // a late duplicate answer is not ours
}

BOOST_FIXTURE_TEST_CASE(the_queue_refuses_past_its_capacity, Tester) {
  for (int i = 0; i < 3; ++i) BOOST_REQUIRE(tracker.add("a" + std::to_string(i), ""));
  BOOST_TEST(!tracker.add("a3", ""));
  BOOST_TEST(tracker.size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(an_unanswered_ack_is_retried_with_doubling_waits_then_fails, Tester) {
  tracker.add("a1", "");
  auto first = send();
  BOOST_TEST(after(4999ms).empty());
  BOOST_TEST(after(1ms).empty());           // attempt 1 timed out: retry in 1 s
  BOOST_TEST(tracker.retrying() == 1u);
  BOOST_TEST(send().empty());               // not due yet
  now += 1000ms;
  auto second = send();
  BOOST_REQUIRE_EQUAL(second.size(), 1u);
  BOOST_TEST(second[0].req_id != first[0].req_id);
  BOOST_TEST(after(5000ms).empty());        // attempt 2 timed out: retry in 2 s
  now += 1999ms;
  BOOST_TEST(send().empty());
  now += 1ms;
  BOOST_REQUIRE_EQUAL(send().size(), 1u);   // attempt 3 = 1 + max_retries
  const auto outcomes = after(5000ms);
  BOOST_REQUIRE_EQUAL(outcomes.size(), 1u);
  BOOST_TEST(!outcomes[0].ok);
  BOOST_TEST(outcomes[0].code == "TIMEOUT");
  BOOST_TEST(outcomes[0].attempts == 3);
  BOOST_TEST(tracker.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(an_error_no_retry_changes_fails_at_once, Tester) {
  tracker.add("nope", "");
  const auto sent = send();
  const auto answer = this->answer(sent[0].req_id, false, "NOT_FOUND");
  BOOST_REQUIRE(answer.outcome);
  BOOST_TEST(answer.outcome->code == "NOT_FOUND");
  BOOST_TEST(answer.outcome->attempts == 1);
}

BOOST_FIXTURE_TEST_CASE(a_retryable_error_waits_for_a_retry, Tester) {
  tracker.add("a1", "");
  const auto sent = send();
  const auto answer = this->answer(sent[0].req_id, false, "RATE_LIMITED");
  BOOST_TEST(answer.ours);
  BOOST_TEST(!answer.outcome);
  BOOST_TEST(tracker.retrying() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_dropped_connection_turns_acks_in_flight_into_retries, Tester) {
  tracker.add("a1", "");
  tracker.add("a2", "");
  send();
  tracker.add("a3", "");  // made while the connection is going down: waits
  BOOST_TEST(tracker.connection_lost(now).empty());
  BOOST_TEST(tracker.retrying() == 2u);
  BOOST_TEST(tracker.waiting() == 1u);
  BOOST_TEST(send().size() == 1u);  // only a3 now; a1/a2 in 1 s
  now += 1000ms;
  BOOST_TEST(send().size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(fail_all_reports_every_ack_once, Tester) {
  tracker.add("a1", "");
  tracker.add("a2", "");
  send();
  const auto outcomes = tracker.fail_all("STOPPED", "bye");
  BOOST_TEST(outcomes.size() == 2u);
  BOOST_TEST(tracker.size() == 0u);
  BOOST_TEST(!tracker.next_due());
}

BOOST_FIXTURE_TEST_CASE(next_due_is_the_earliest_deadline_or_retry, Tester) {
  BOOST_TEST(!tracker.next_due());
  tracker.add("a1", "");
  BOOST_TEST(!tracker.next_due());  // waiting acks have no deadline
  send();
  BOOST_REQUIRE(tracker.next_due());
  BOOST_TEST((*tracker.next_due() == now + 5000ms));
}

BOOST_AUTO_TEST_SUITE_END()
