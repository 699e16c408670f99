// AuditLog: append-only, bounded by count and age (the oldest go first, and
// the recorder is told), queried by time, user, alert and action in pages;
// a std::vector is the model.
#include "store/audit_log.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace rover_alerts::relay;

namespace {

// What the journal would be told.
struct RecorderSpy : AuditRecorder {
  std::vector<AuditEntry> recorded;
  std::uint64_t floor = 0;
  void record_audit(const AuditEntry& e) override { recorded.push_back(e); }
  void record_audit_pruned(std::uint64_t f) override { floor = f; }
};

AuditEntry entry(std::uint64_t at, std::string user, std::string action, std::string alert = {}) {
  return AuditEntry{0, at, std::move(user), "operator", "127.0.0.1", std::move(action), std::move(alert), "ok", {}};
}

struct Tester {
  AuditLog log{AuditLimits{5, 1000}};
  RecorderSpy spy;
  Tester() { log.set_recorder(&spy); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_log)

BOOST_AUTO_TEST_CASE(append_gives_increasing_seqs_and_records_each_entry) {
  Tester t;
  BOOST_TEST(t.log.append(entry(10, "ada", "alert_ack", "a")) == 1u);
  BOOST_TEST(t.log.append(entry(11, "bob", "alert_clear")) == 2u);
  BOOST_TEST_REQUIRE(t.spy.recorded.size() == 2u);
  BOOST_TEST(t.spy.recorded[1].seq == 2u);
  BOOST_TEST(t.spy.recorded[1].user == "bob");
}

BOOST_AUTO_TEST_CASE(past_max_entries_the_oldest_go_and_the_recorder_is_told) {
  Tester t;
  for (std::uint64_t i = 1; i <= 7; ++i) t.log.append(entry(10 + i, "ada", "alert_ack"));
  BOOST_TEST(t.log.size() == 5u);
  BOOST_TEST(t.spy.floor == 2u);
  const AuditPage all = t.log.query({});
  BOOST_TEST(all.entries.front().seq == 3u);
  BOOST_TEST(all.entries.back().seq == 7u);
}

BOOST_AUTO_TEST_CASE(past_max_age_the_oldest_go) {
  Tester t;
  t.log.append(entry(100, "ada", "alert_ack"));
  t.log.append(entry(600, "ada", "alert_ack"));
  t.log.append(entry(1500, "ada", "alert_ack"));
  t.log.prune(1599);  // max age 1000: the entry at 100 is older than 599
  BOOST_TEST(t.log.size() == 2u);
  BOOST_TEST(t.spy.floor == 1u);
  t.log.prune(1600);  // 600 is not older than 600: kept
  BOOST_TEST(t.log.size() == 2u);
}

BOOST_AUTO_TEST_CASE(query_filters_and_pages_like_the_model) {
  AuditLog log(AuditLimits{1000, 1'000'000});
  std::vector<AuditEntry> model;
  const char* users[] = {"ada", "bob", "cy"};
  const char* actions[] = {"alert_ack", "alert_clear", "auth"};
  for (std::uint64_t i = 0; i < 90; ++i) {
    AuditEntry e = entry(1000 + i, users[i % 3], actions[(i / 3) % 3], "alert-" + std::to_string(i % 7));
    e.seq = log.append(e);
    model.push_back(e);
  }
  AuditQuery q;
  q.user = "bob";
  q.action = "alert_clear";
  q.from_ms = 1010;
  q.to_ms = 1080;
  q.limit = 4;
  std::vector<AuditEntry> expected, got;
  for (const auto& e : model)
    if (e.user == "bob" && e.action == "alert_clear" && e.at_ms >= 1010 && e.at_ms <= 1080) expected.push_back(e);
  for (;;) {
    const AuditPage page = log.query(q);
    BOOST_TEST_REQUIRE(page.entries.size() <= 4u);
    got.insert(got.end(), page.entries.begin(), page.entries.end());
    if (!page.more) break;
    q.after_seq = page.entries.back().seq;
  }
  BOOST_TEST_REQUIRE(!expected.empty());
  BOOST_TEST((got == expected));
  AuditQuery by_alert;
  by_alert.alert_id = "alert-3";
  by_alert.limit = 1000;
  BOOST_TEST(log.query(by_alert).entries.size() == 13u);  // i % 7 == 3 for i < 90
}

BOOST_AUTO_TEST_CASE(restore_continues_the_seqs_within_the_bounds) {
  AuditLog log(AuditLimits{2, 1'000'000});
  std::vector<AuditEntry> kept;
  for (std::uint64_t seq : {4, 5, 9}) {
    AuditEntry e = entry(seq * 10, "ada", "auth");
    e.seq = seq;
    kept.push_back(e);
  }
  log.restore(kept);
  BOOST_TEST(log.size() == 2u);
  BOOST_TEST(log.append(entry(100, "ada", "auth")) == 10u);
}

BOOST_AUTO_TEST_SUITE_END()
