// AlertCache: the protocol's rules for applying changes, and its bound.
#include <rover_alerts/ground/alert_cache.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>

namespace json = boost::json;
using namespace rover_alerts::ground;

namespace {

AlertChange change(const std::string& id, const std::string& type, const std::string& priority, std::uint64_t rev,
                   json::object data = {{"state", "active_unacked"}, {"acknowledged", false}}) {
  std::string error;
  auto c = AlertChange::parse(json::object{{"id", id}, {"type", type}, {"priority", priority}, {"timestamp", rev},
                                           {"rev", rev}, {"data", std::move(data)}},
                              error);
  BOOST_REQUIRE_MESSAGE(c, error);
  return *c;
}

AlertChange delta(const std::string& id, std::uint64_t base, std::uint64_t rev, json::object data) {
  std::string error;
  auto c = AlertChange::parse(json::object{{"id", id}, {"type", "update"}, {"priority", "high"}, {"rev", rev},
                                           {"delta", true}, {"baseRev", base}, {"data", std::move(data)}},
                              error);
  BOOST_REQUIRE(c);
  return *c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_cache)

BOOST_AUTO_TEST_CASE(a_change_applies_only_when_newer) {
  AlertCache cache;
  BOOST_TEST((cache.apply(change("a", "new", "high", 5)) == ApplyResult::Applied));
  BOOST_TEST((cache.apply(change("a", "update", "high", 5)) == ApplyResult::Stale));
  BOOST_TEST((cache.apply(change("a", "update", "high", 4)) == ApplyResult::Stale));
  BOOST_TEST((cache.apply(change("a", "update", "high", 7, {{"state", "active_acked"}})) == ApplyResult::Applied));
  BOOST_TEST(cache.find("a")->state() == "active_acked");
  BOOST_TEST(cache.find("a")->rev() == 7u);
}

BOOST_AUTO_TEST_CASE(a_removed_alert_does_not_come_back_with_an_older_change) {
  AlertCache cache;
  cache.apply(change("a", "new", "critical", 3));
  BOOST_TEST((cache.apply(change("a", "remove", "critical", 9, {{"state", "removed"}})) == ApplyResult::Removed));
  BOOST_TEST(!cache.find("a"));
  BOOST_TEST((cache.apply(change("a", "update", "critical", 8)) == ApplyResult::Stale));
  BOOST_TEST(!cache.find("a"));
  BOOST_TEST((cache.apply(change("a", "clear", "critical", 10)) == ApplyResult::Stale));  // nothing held
}

BOOST_AUTO_TEST_CASE(a_delta_applies_on_its_base_rev_only) {
  AlertCache cache;
  cache.apply(change("a", "new", "high", 2,
                     {{"state", "active_unacked"}, {"acknowledged", false}, {"title", "Battery"}, {"groupId", "g"}}));
  BOOST_TEST((cache.apply(delta("a", 1, 4, {{"state", "active_acked"}})) == ApplyResult::DeltaMissed));
  BOOST_TEST((cache.apply(delta("a", 2, 4, {{"state", "active_acked"}, {"acknowledged", true}, {"groupId", nullptr}})) ==
              ApplyResult::Applied));
  const Alert* a = cache.find("a");
  BOOST_TEST(a->state() == "active_acked");
  BOOST_TEST(a->acknowledged());
  BOOST_TEST(a->title() == "Battery");       // untouched fields stay
  BOOST_TEST(a->group_id().empty());         // null removes
  BOOST_TEST(!a->message_json().contains("delta"));
  BOOST_TEST(!a->message_json().contains("baseRev"));
  BOOST_TEST((cache.apply(delta("b", 1, 5, {{"state", "x"}})) == ApplyResult::DeltaMissed));  // not held
}

BOOST_AUTO_TEST_CASE(reset_forgets_everything) {
  AlertCache cache;
  cache.reset("e1");
  cache.apply(change("a", "new", "high", 2));
  cache.advance_resume_rev(2);
  cache.reset("e2");
  BOOST_TEST(cache.size() == 0u);
  BOOST_TEST(cache.resume_rev() == 0u);
  BOOST_TEST(cache.epoch() == "e2");
}

BOOST_AUTO_TEST_CASE(the_resume_rev_only_moves_forward) {
  AlertCache cache;
  cache.advance_resume_rev(10);
  cache.advance_resume_rev(7);
  BOOST_TEST(cache.resume_rev() == 10u);
}

BOOST_AUTO_TEST_CASE(when_full_the_least_urgent_oldest_alert_makes_room) {
  AlertCache cache(3);
  cache.apply(change("low-old", "new", "low", 1));
  cache.apply(change("low-new", "new", "low", 2));
  cache.apply(change("crit", "new", "critical", 3));
  BOOST_TEST((cache.apply(change("high", "new", "high", 4)) == ApplyResult::Evicted));
  BOOST_TEST(!cache.find("low-old"));
  BOOST_TEST(cache.find("low-new"));
  BOOST_TEST((cache.apply(change("info", "new", "info", 5)) == ApplyResult::NotKept));
  BOOST_TEST(!cache.find("info"));
  BOOST_TEST(cache.size() == 3u);
  BOOST_TEST(cache.evicted() == 2u);
  // A critical alert is never pushed out by a less urgent one.
  AlertCache criticals(2);
  criticals.apply(change("c1", "new", "critical", 1));
  criticals.apply(change("c2", "new", "critical", 2));
  BOOST_TEST((criticals.apply(change("h", "new", "high", 3)) == ApplyResult::NotKept));
  BOOST_TEST(criticals.find("c1"));
  BOOST_TEST(criticals.find("c2"));
}

BOOST_AUTO_TEST_CASE(sorted_puts_unacknowledged_first_then_priority_then_newest) {
  AlertCache cache;
  cache.apply(change("acked-crit", "new", "critical", 1, {{"acknowledged", true}}));
  cache.apply(change("low", "new", "low", 2));
  cache.apply(change("high-old", "new", "high", 3));
  cache.apply(change("high-new", "new", "high", 4));
  std::vector<std::string> order;
  for (const Alert* a : cache.sorted()) order.push_back(a->id());
  const std::vector<std::string> expected{"high-new", "high-old", "low", "acked-crit"};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
  BOOST_TEST(cache.unacknowledged(false) == 3u);
}

// Random changes in random order against a std::map that keeps, per alert,
// the newest change seen: the cache must hold exactly what the model holds.
BOOST_AUTO_TEST_CASE(random_changes_match_a_model) {
  std::mt19937 random(7);
  AlertCache cache;
  struct Model {
    std::uint64_t rev;
    bool gone;
  };
  std::map<std::string, Model> model;
  const char* types[] = {"new", "update", "remove", "clear"};
  for (std::uint64_t rev = 1; rev <= 5000; ++rev) {
    const std::string id = "a" + std::to_string(random() % 50);
    // Out of order by up to 20 revs, as critical changes overtake batches.
    const std::uint64_t r = rev > 20 ? rev - random() % 20 : rev;
    const std::string type = types[random() % 4];
    cache.apply(change(id, type, "medium", r));
    auto it = model.find(id);
    const bool gone = type == "remove" || type == "clear";
    if (it == model.end()) {
      model[id] = Model{r, gone};
    } else if (r > it->second.rev) {
      it->second = Model{r, gone};
    }
  }
  for (const auto& [id, m] : model) {
    const Alert* a = cache.find(id);
    BOOST_TEST_CONTEXT(id) {
      BOOST_TEST(bool(a) == !m.gone);
      if (a) BOOST_TEST(a->rev() == m.rev);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_change_missing_what_it_needs_is_refused) {
  std::string error;
  BOOST_TEST(!AlertChange::parse(json::object{{"type", "new"}}, error));
  BOOST_TEST(error.find("id") != std::string::npos);
  BOOST_TEST(!AlertChange::parse(json::object{{"id", "a"}, {"type", "new"}, {"priority", "urgent"}, {"rev", 1},
                                              {"data", json::object{}}},
                                 error));
  BOOST_TEST(!AlertChange::parse(json::object{{"id", "a"}, {"type", "new"}, {"priority", "high"}, {"rev", -1},
                                              {"data", json::object{}}},
                                 error));
  BOOST_TEST(!AlertChange::parse(json::object{{"id", "a"}, {"type", "new"}, {"priority", "high"}, {"rev", 1}}, error));
}

BOOST_AUTO_TEST_SUITE_END()
