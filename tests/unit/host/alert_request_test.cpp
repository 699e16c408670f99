// Alert requests: decoding (types and bounds) and handling (permissions for
// every role and request, store effects, replies, ack notices).

#include "feed_recorder.hpp"
#include "requests/alert_request_handler.hpp"
#include "protocol/alert_requests.hpp"

#include <boost/asio/io_context.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace rover_alerts::relay;
namespace json = boost::json;

namespace {

std::optional<FieldProblem> decode(std::string_view text, AlertRequest& out, AlertFieldLimits limits = {}) {
  const json::object object = json::parse(text).as_object();
  return decode_alert_request(object.at("type").as_string(), object, limits, out);
}

RoverEvent raise(std::string key, Priority priority, bool persistent = false) {
  RoverEvent e;
  e.key = std::move(key);
  e.priority = priority;
  e.source = "power-management";
  e.message = "Battery low";
  e.persistent = persistent;
  e.raised_at_ms = e.last_seen_ms = 1000;
  return e;
}

struct HandlerFixture {
  AlertStore store{"epoch-1"};
  DeliveryLimits limits;
  boost::asio::io_context io;
  Publisher publisher{store, limits};
  std::vector<AlertChange> unpublished;
  RoverLinkStats links;
  std::vector<std::string> forwarded;  // ids of acks forwarded to rovers
  std::vector<std::function<void()>> uncommitted;  // after-commit callbacks not yet run
  AlertRequestHandler handler{store, publisher, links, [this](const Alert& a) { forwarded.push_back(a.id); },
                              [this](std::function<void()> f) { uncommitted.push_back(std::move(f)); }};
  // A subscribed client, on the real delivery path.
  std::unique_ptr<rover_alerts::testing::FeedRecorder> watcher;
  const Identity admin{"ada", Role::Admin};
  const Identity operator_{"oscar", Role::Operator};
  const Identity viewer{"vera", Role::Viewer};
  // The requester's connection, as its session would pass it.
  ConnectionFigures connection;

  HandlerFixture() {
    publisher.start(io.get_executor(), store.rev());
    store.set_observer([this](const AlertChange& change) { unpublished.push_back(change); });
    watcher = std::make_unique<rover_alerts::testing::FeedRecorder>(publisher);
    watcher->feed.subscribe(SubscribeOptions{}, CatchUp::snapshot(store.rev()));
    watcher->drain();
  }

  json::object run(const Identity& who, std::string_view text) {
    AlertRequest request;
    const auto problem = decode(text, request);
    BOOST_REQUIRE_MESSAGE(!problem, (problem ? problem->message : ""));
    std::optional<std::string> reply;
    handler.handle(who, json::value("r"), request, 5000, connection, [&](std::string r) { reply = std::move(r); });
    commit();
    BOOST_REQUIRE(reply);
    return json::parse(*reply).as_object();
  }

  // What the journal does after a commit.
  void commit() {
    publisher.publish(unpublished, store.rev());
    unpublished.clear();
    watcher->drain();
    auto callbacks = std::move(uncommitted);
    uncommitted.clear();
    for (auto& f : callbacks) f();
    watcher->drain();
  }
};

bool ok(const json::object& reply) { return reply.at("ok").as_bool(); }
std::string code(const json::object& reply) { return std::string(reply.at("error").at("code").as_string()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_request_decoding)

BOOST_AUTO_TEST_CASE(good_requests_decode) {
  AlertRequest r;
  BOOST_TEST(!decode(R"({"type":"alert_ack","alertId":"a-1","syncAcrossClients":false})", r));
  BOOST_TEST(std::get<AckRequest>(r).alert_id == "a-1");
  BOOST_TEST(!std::get<AckRequest>(r).sync_across_clients);
  BOOST_TEST(!decode(R"({"type":"alert_sync","sinceRev":7,"priorities":["critical"],"maxCount":5})", r));
  BOOST_TEST(*std::get<SyncRequest>(r).query.since_rev == 7u);
  BOOST_TEST(std::get<SyncRequest>(r).query.max_count == 5u);
  BOOST_TEST(!decode(R"({"type":"alert_sync"})", r));
  BOOST_TEST(std::get<SyncRequest>(r).query.max_count == 100u);  // the seed's default
  BOOST_TEST(!decode(R"({"type":"alert_create","message":"m","priority":"high","source":"s",
                        "metadata":{"windKph":80,"gusty":true,"dir":"W"},
                        "action":{"label":"Hide","actionType":"nav.shelter"}})",
                     r));
  const auto& spec = std::get<CreateRequest>(r).spec;
  BOOST_TEST(spec.metadata.at("windKph") == "80");
  BOOST_TEST(spec.metadata.at("gusty") == "true");
  BOOST_TEST(spec.action->action_type == "nav.shelter");
  BOOST_TEST(!decode(R"({"type":"alert_clear","source":"comms","acknowledged":true})", r));
  BOOST_TEST(*std::get<ClearRequest>(r).criteria.source == "comms");
  BOOST_TEST(!decode(R"({"type":"get_stats"})", r));
}

BOOST_AUTO_TEST_CASE(wrong_types_are_bad_requests) {
  AlertRequest r;
  for (const char* text : {R"({"type":"alert_ack"})", R"({"type":"alert_ack","alertId":7})",
                           R"({"type":"alert_ack","alertId":""})", R"({"type":"alert_ack","alertId":"a","syncAcrossClients":"yes"})",
                           R"({"type":"alert_sync","sinceRev":-1})", R"({"type":"alert_sync","maxCount":"many"})",
                           R"({"type":"alert_sync","maxCount":0})", R"({"type":"alert_sync","maxCount":100000})",
                           R"({"type":"alert_sync","priorities":["urgent"]})",
                           R"({"type":"alert_create","message":"m","priority":"severe","source":"s"})",
                           R"({"type":"alert_create","priority":"low","source":"s"})",
                           R"({"type":"alert_create","message":"m","priority":"low","source":"s","metadata":{"a":{"b":1}}})",
                           R"({"type":"alert_create","message":"m","priority":"low","source":"s","action":{"label":"x"}})",
                           R"({"type":"alert_clear"})", R"({"type":"alert_clear","ids":[]})",
                           R"({"type":"alert_clear","acknowledged":"no"})"}) {
    const auto problem = decode(text, r);
    BOOST_TEST_CONTEXT(text) {
      BOOST_REQUIRE(problem);
      BOOST_TEST((problem->code == rover_alerts::relay::ErrorCode::BadRequest));
    }
  }
}

BOOST_AUTO_TEST_CASE(oversized_fields_are_too_large) {
  AlertFieldLimits limits;
  limits.max_message_bytes = 8;
  limits.max_metadata_entries = 1;
  AlertRequest r;
  auto problem = decode(R"({"type":"alert_create","message":"123456789","priority":"low","source":"s"})", r, limits);
  BOOST_REQUIRE(problem);
  BOOST_TEST((problem->code == rover_alerts::relay::ErrorCode::TooLarge));
  problem = decode(R"({"type":"alert_create","message":"m","priority":"low","source":"s","metadata":{"a":"1","b":"2"}})",
                   r, limits);
  BOOST_REQUIRE(problem);
  BOOST_TEST((problem->code == rover_alerts::relay::ErrorCode::TooLarge));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alert_request_handling)

// The permission table, every role against every request.
BOOST_FIXTURE_TEST_CASE(permissions_for_every_role_and_request, HandlerFixture) {
  store.apply_rover_event("r1", 1, 1, raise("power/low", Priority::High));
  const std::string id = store.snapshot().front().id;
  struct Case {
    std::string text;
    bool admin, operator_, viewer;
  };
  const std::vector<Case> cases = {
      {R"({"type":"alert_ack","alertId":")" + id + R"("})", true, true, true},
      {R"({"type":"alert_sync"})", true, true, true},
      {R"({"type":"get_stats"})", true, true, true},
      {R"({"type":"alert_create","message":"m","priority":"low","source":"ground"})", true, false, false},
      {R"({"type":"alert_clear","source":"nothing-here"})", true, true, false},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      const auto a = run(admin, c.text), o = run(operator_, c.text), v = run(viewer, c.text);
      BOOST_TEST(ok(a) == c.admin);
      BOOST_TEST(ok(o) == c.operator_);
      BOOST_TEST(ok(v) == c.viewer);
      for (const auto* reply : {&a, &o, &v})
        if (!ok(*reply)) BOOST_TEST(code(*reply) == "FORBIDDEN");
    }
  }
}

// Actions and refusals go to the audit trail with the requester's address;
// an entry's detail is bounded (a character boundary kept), and audit_query
// reads it back once committed.
BOOST_FIXTURE_TEST_CASE(actions_and_refusals_are_audited, HandlerFixture) {
  AuditLog audit;
  handler.set_audit_log(&audit);
  connection.address = "10.1.2.3";
  // The detail is "low disk: <message>": the é at bytes 299-300 straddles the 300-byte cut.
  const auto created = run(admin, R"({"type":"alert_create","priority":"low","source":"disk","message":")" +
                                      std::string(289, 'y') + "\xc3\xa9" + std::string(400, 'x') + R"("})");
  BOOST_REQUIRE(ok(created));
  const std::string id(created.at("result").at("alertId").as_string());
  BOOST_TEST(code(run(viewer, R"({"type":"alert_clear","ids":[")" + id + R"("]})")) == "FORBIDDEN");
  BOOST_TEST(code(run(viewer, R"({"type":"audit_query"})")) == "FORBIDDEN");
  BOOST_TEST(ok(run(operator_, R"({"type":"alert_ack","alertId":")" + id + R"(","comment":"disk full"})")));
  BOOST_TEST(code(run(operator_, R"({"type":"alert_ack","alertId":"nope"})")) == "NOT_FOUND");
  BOOST_TEST(ok(run(operator_, R"({"type":"alert_clear","source":"disk"})")));

  const AuditPage page = audit.query({});
  BOOST_TEST_REQUIRE(page.entries.size() == 6u);
  const auto& create = page.entries[0];
  BOOST_TEST(create.action == "alert_create");
  BOOST_TEST(create.user == "ada");
  BOOST_TEST(create.address == "10.1.2.3");
  BOOST_TEST(create.alert_id == id);
  BOOST_TEST(create.detail == "low disk: " + std::string(289, 'y') + "…");  // no half character
  BOOST_TEST(page.entries[1].outcome == "refused");
  BOOST_TEST(page.entries[1].alert_id == id);
  BOOST_TEST(page.entries[2].action == "audit_query");
  BOOST_TEST(page.entries[3].detail == "disk full");
  BOOST_TEST(page.entries[4].outcome == "not_found");
  BOOST_TEST(page.entries[5].detail == "source=disk: 1 cleared");

  const auto answer = run(operator_, R"({"type":"audit_query","user":"oscar","maxCount":1})");
  BOOST_REQUIRE(ok(answer));
  BOOST_TEST(answer.at("result").at("entries").as_array().size() == 1u);
  BOOST_TEST(answer.at("result").at("more").as_bool());
}

// An ISA-18.2 site lets only operators and admins acknowledge (--ack-roles).
BOOST_FIXTURE_TEST_CASE(ack_roles_are_configuration, HandlerFixture) {
  store.apply_rover_event("r1", 1, 1, raise("power/low", Priority::High));
  const std::string id = store.snapshot().front().id;
  const std::string ack = R"({"type":"alert_ack","alertId":")" + id + R"("})";
  Permissions permissions;
  permissions.ack = RoleSet{};
  permissions.ack.add(Role::Operator);
  permissions.ack.add(Role::Admin);
  handler.set_permissions(permissions);
  const auto refused = run(viewer, ack);
  BOOST_TEST(code(refused) == "FORBIDDEN");
  BOOST_TEST(!store.find_by_id(id)->acknowledged);
  BOOST_TEST(ok(run(operator_, ack)));
  BOOST_TEST(ok(run(admin, ack)));
  handler.set_permissions(Permissions{});  // the seed's default: everyone
  BOOST_TEST(ok(run(viewer, ack)));
}

BOOST_FIXTURE_TEST_CASE(ack_records_the_authenticated_user_notifies_and_forwards, HandlerFixture) {
  store.apply_rover_event("r1", 1, 1, raise("power/low", Priority::High));
  const std::string id = store.snapshot().front().id;
  commit();
  watcher->received.clear();
  const auto reply = run(operator_, R"({"type":"alert_ack","alertId":")" + id +
                                        R"(","acknowledgedBy":"mallory","comment":"on it"})");
  BOOST_REQUIRE(ok(reply));
  BOOST_TEST(reply.at("result").at("acknowledgedBy").as_string() == "oscar");
  BOOST_TEST(reply.at("result").at("comment").as_string() == "on it");
  BOOST_TEST(store.find_by_id(id)->ack_comment == "on it");
  BOOST_TEST(store.find_by_id(id)->acknowledged_by == "oscar");
  // Subscribers get the store's change and the ack notice, with the same rev.
  BOOST_REQUIRE(watcher->received.size() == 2u);
  BOOST_TEST(watcher->received[0].at("type").as_string() == "alert");
  BOOST_TEST(watcher->received[1].at("type").as_string() == "alert_ack");
  BOOST_TEST(watcher->received[1].at("rev") == watcher->received[0].at("data").at("rev"));
  BOOST_TEST(watcher->received[1].at("comment").as_string() == "on it");
  BOOST_TEST(watcher->received[0].at("data").at("data").at("ackComment").as_string() == "on it");
  BOOST_TEST(forwarded == std::vector<std::string>{id});

  // Idempotent, last writer wins.
  const auto again = run(viewer, R"({"type":"alert_ack","alertId":")" + id + R"(","syncAcrossClients":false})");
  BOOST_REQUIRE(ok(again));
  BOOST_TEST(store.find_by_id(id)->acknowledged_by == "vera");
  BOOST_TEST(watcher->received.size() == 3u);  // the change, but no notice this time

  const auto missing = run(viewer, R"({"type":"alert_ack","alertId":"nope"})");
  BOOST_TEST(code(missing) == "NOT_FOUND");
}

BOOST_FIXTURE_TEST_CASE(changes_are_answered_only_once_durable, HandlerFixture) {
  store.apply_rover_event("r1", 1, 1, raise("power/low", Priority::High));
  AlertRequest request;
  BOOST_REQUIRE(!decode(R"({"type":"alert_ack","alertId":")" + store.snapshot().front().id + R"("})", request));
  std::optional<std::string> reply;
  handler.handle(operator_, json::value("r"), request, 5000, connection, [&](std::string r) { reply = std::move(r); });
  BOOST_TEST(!reply);       // not yet committed: no answer, no forward
  BOOST_TEST(forwarded.empty());
  commit();
  BOOST_TEST(reply.has_value());
  BOOST_TEST(forwarded.size() == 1u);
  // A read is answered at once.
  BOOST_REQUIRE(!decode(R"({"type":"get_stats"})", request));
  reply.reset();
  handler.handle(viewer, json::value("s"), request, 5000, connection, [&](std::string r) { reply = std::move(r); });
  BOOST_TEST(reply.has_value());
}

BOOST_FIXTURE_TEST_CASE(create_then_clear_by_criteria, HandlerFixture) {
  const auto created = run(admin, R"({"type":"alert_create","message":"Dust storm","priority":"high",
                                      "source":"ground-weather","groupId":"weather"})");
  BOOST_REQUIRE(ok(created));
  const std::optional<Alert> alert = store.find_by_id(std::string(created.at("result").at("alertId").as_string()));
  BOOST_REQUIRE(alert);
  BOOST_TEST(alert->group_id == "weather");
  BOOST_TEST(alert->rev == created.at("result").at("rev").to_number<std::uint64_t>());
  store.apply_rover_event("r1", 1, 1, raise("power/low", Priority::Low));
  const auto cleared = run(operator_, R"({"type":"alert_clear","groupId":"weather"})");
  BOOST_REQUIRE(ok(cleared));
  BOOST_TEST(cleared.at("result").at("cleared").to_number<std::uint64_t>() == 1u);
  BOOST_TEST(store.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(sync_pages_merge_alerts_and_removals_in_rev_order, HandlerFixture) {
  for (int i = 0; i < 5; ++i) store.apply_rover_event("r1", 1, i + 1, raise("k" + std::to_string(i), Priority::Medium));
  run(admin, R"({"type":"alert_clear","ids":[")" + store.snapshot()[1].id + R"("]})");
  std::uint64_t since = 0;
  std::uint64_t last_rev = 0;
  std::size_t entries = 0, removals = 0, pages = 0;
  for (bool more = true; more; ++pages) {
    const auto reply = run(viewer, R"({"type":"alert_sync","maxCount":2,"sinceRev":)" + std::to_string(since) + "}");
    BOOST_REQUIRE(ok(reply));
    const auto& result = reply.at("result").as_object();
    BOOST_TEST(result.at("epoch").as_string() == "epoch-1");
    for (const auto& entry : result.at("alerts").as_array()) {
      const auto rev = entry.at("rev").to_number<std::uint64_t>();
      BOOST_TEST(rev > last_rev);
      last_rev = rev;
      ++entries;
      removals += entry.at("data").at("state").as_string() == "removed";
    }
    since = result.at("rev").to_number<std::uint64_t>();
    more = result.at("more").as_bool();
    BOOST_REQUIRE(pages < 10);
  }
  BOOST_TEST(entries == 5u);  // four alerts and one removal
  BOOST_TEST(removals == 1u);
  BOOST_TEST(since == store.rev());
}

BOOST_FIXTURE_TEST_CASE(stats_count_alerts_clients_and_rover_losses, HandlerFixture) {
  store.apply_rover_event("r1", 1, 1, raise("a", Priority::High));
  store.apply_rover_event("r1", 1, 2, raise("b", Priority::Info));
  RoverHeartbeat hb;
  hb.lost_by_priority = {0, 0, 0, 4, 7};
  links.on_connected("r1", 1);
  links.on_heartbeat("r1", hb);
  const auto reply = run(viewer, R"({"type":"get_stats"})");
  BOOST_REQUIRE(ok(reply));
  const auto& s = reply.at("result").as_object();
  BOOST_TEST(s.at("active_alerts").to_number<std::uint64_t>() == 2u);
  BOOST_TEST(s.at("subscribed_clients").to_number<std::uint64_t>() == 1u);
  BOOST_TEST(s.at("alerts_by_priority").at("high").to_number<std::uint64_t>() == 1u);
  BOOST_TEST(s.at("lost_by_priority").at("info").to_number<std::uint64_t>() == 7u);
  BOOST_TEST(s.at("rovers").at("r1").at("lostByPriority").at("low").to_number<std::uint64_t>() == 4u);
}

BOOST_FIXTURE_TEST_CASE(stats_carry_the_delivery_figures_and_the_requesters_connection, HandlerFixture) {
  store.apply_rover_event("r1", 1, 1, raise("a", Priority::Critical));
  store.apply_rover_event("r1", 1, 2, raise("b", Priority::High));
  store.apply_rover_event("r1", 1, 3, raise("c", Priority::Info));
  commit();  // published and written to the watcher
  connection.rtt = std::chrono::microseconds(123'456);
  connection.batch_size = 33;
  connection.batch_timeout = std::chrono::milliseconds(40);
  connection.queued_urgent = 2;
  connection.queued_routine = 7;

  const auto reply = run(viewer, R"({"type":"get_stats"})");
  BOOST_REQUIRE(ok(reply));
  const auto& d = reply.at("result").at("delivery").as_object();
  const DeliveryMetrics& m = publisher.metrics();
  const auto n = [](const json::value& v) { return v.to_number<std::uint64_t>(); };
  BOOST_TEST(n(d.at("subscribers")) == 1u);
  for (std::size_t cls = 0; cls < kDeliveryClassCount; ++cls) {
    const std::string name(to_string(static_cast<DeliveryClass>(cls)));
    BOOST_TEST(n(d.at("messages").at(name)) == m.messages[cls], name);
    BOOST_TEST(n(d.at("changes").at(name)) == m.changes[cls], name);
    BOOST_TEST(n(d.at("bytes").at(name)) == m.bytes[cls], name);
  }
  // The high and the info change went out together (a write is kept when it
  // holds a kept change); the critical one went alone, as an urgent message.
  BOOST_TEST(n(d.at("changes").at("kept")) + n(d.at("changes").at("droppable")) == 2u);
  BOOST_TEST(n(d.at("messages").at("urgent")) > 0u);
  BOOST_TEST(n(d.at("publications")) == m.publications);
  BOOST_TEST(n(d.at("batchWrites").at("shared")) + n(d.at("batchWrites").at("assembled")) ==
             m.shared_batch_writes + m.assembled_batch_writes);
  for (const char* name : {"coalesced", "dropped", "resyncs", "slowCloses", "catchUpPages", "catchUpChanges"})
    BOOST_TEST(d.at(name).is_number(), name);
  BOOST_TEST(n(d.at("lz4").at("messages")) == m.lz4_messages);
  BOOST_TEST(n(d.at("queued").at("routineChanges")) == 0u);  // everything was written
  // Histograms: cumulative buckets under finite bounds; `count` is the +Inf bucket.
  const auto& batches = d.at("batchChanges").as_object();
  BOOST_TEST(n(batches.at("count")) == m.batch_changes.count());
  const auto& buckets = batches.at("buckets").as_array();
  BOOST_REQUIRE(buckets.size() == m.batch_changes.bounds().size());
  BOOST_TEST(n(buckets.front().at("le")) == 1u);
  std::uint64_t previous = 0;
  for (const auto& bucket : buckets) {
    BOOST_TEST(n(bucket.at("count")) >= previous);
    previous = n(bucket.at("count"));
  }
  BOOST_TEST(previous <= n(batches.at("count")));
  BOOST_TEST(d.at("publishToWriteUs").at("buckets").as_array().size() == m.publish_to_write_us.bounds().size());

  const auto& c = reply.at("result").at("connection").as_object();
  BOOST_TEST(c.at("rttMs").to_number<double>() == 123.456);
  BOOST_TEST(n(c.at("batchSize")) == 33u);
  BOOST_TEST(n(c.at("batchTimeoutMs")) == 40u);
  BOOST_TEST(n(c.at("queuedUrgent")) == 2u);
  BOOST_TEST(n(c.at("queuedRoutine")) == 7u);

  connection.rtt.reset();  // no pong yet: no rttMs
  BOOST_TEST(!run(viewer, R"({"type":"get_stats"})").at("result").at("connection").as_object().contains("rttMs"));
}

BOOST_AUTO_TEST_SUITE_END()
