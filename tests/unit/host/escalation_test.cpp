// Escalation policies as the config file states them (validated, with the
// field named in every error) and the scheduler on a clock the tests hold.

#include "escalation/escalation_policy.hpp"
#include "escalation/escalation_scheduler.hpp"

#include <boost/test/unit_test.hpp>

using namespace rover_alerts::relay;

namespace {

const char* const kFull = R"({"escalation": {
  "webhooks": [{"name": "ops", "url": "http://127.0.0.1:9000/hook?x=1", "timeoutMs": 2000, "maxAttempts": 3,
                "backoffMs": 100, "backoffMaxMs": 1000, "headers": {"Authorization": "Bearer t"}}],
  "maxPendingNotifications": 50,
  "policies": {
    "critical": {"afterSeconds": 60, "repeatSeconds": 300, "maxEscalations": 3, "webhook": "ops",
                 "ackTimeoutSeconds": 1800},
    "high": {"afterSeconds": 600}}}})";

EscalationConfig parsed(const std::string& text) {
  EscalationConfig config;
  std::string error;
  BOOST_TEST_REQUIRE(parse_escalation_config(text, config, error), error);
  return config;
}

// The error for a file, which must be refused.
std::string refused(const std::string& text) {
  EscalationConfig config;
  std::string error;
  BOOST_TEST(!parse_escalation_config(text, config, error), text);
  BOOST_TEST(!error.empty());
  return error;
}

std::string with_policy(const std::string& policy) {
  return R"({"escalation":{"policies":{"critical":)" + policy + "}}}";
}

AlertChange change(std::string id, Priority priority, bool acknowledged = false, std::uint64_t acked_at = 0,
                   ChangeType type = ChangeType::New) {
  AlertChange c;
  c.type = type;
  c.alert.id = std::move(id);
  c.alert.priority = priority;
  c.alert.acknowledged = acknowledged;
  c.alert.acknowledged_at_ms = acked_at;
  return c;
}

// critical: after 10 s, every 5 s, 3 times, acks time out after 100 s.
struct Schedule {
  EscalationConfig config = parsed(with_policy(
      R"({"afterSeconds":10,"repeatSeconds":5,"maxEscalations":3,"ackTimeoutSeconds":100})"));
  EscalationScheduler scheduler{config};

  std::vector<unsigned> levels_at(std::uint64_t now) {
    std::vector<unsigned> levels;
    for (const auto& due : scheduler.take_due(now)) levels.push_back(due.level);
    return levels;
  }
};

using Levels = std::vector<unsigned>;

}  // namespace

BOOST_AUTO_TEST_SUITE(escalation_policy)

BOOST_AUTO_TEST_CASE(a_full_file_is_read) {
  const EscalationConfig c = parsed(kFull);
  const PriorityPolicy& critical = c.by_priority[0];
  BOOST_TEST(critical.enabled);
  BOOST_TEST(critical.after.count() == 60);
  BOOST_TEST(critical.repeat_every.count() == 300);
  BOOST_TEST(critical.max_escalations == 3u);
  BOOST_TEST(critical.webhook == "ops");
  BOOST_TEST(critical.ack_timeout.count() == 1800);
  BOOST_TEST(c.by_priority[1].enabled);
  BOOST_TEST(c.by_priority[1].repeat_every.count() == 600);  // repeat defaults to after
  BOOST_TEST(!c.by_priority[2].enabled);
  BOOST_TEST(c.max_pending_notifications == 50u);
  const WebhookTarget& ops = *c.webhook("ops");
  BOOST_TEST(ops.endpoint.host == "127.0.0.1");
  BOOST_TEST(ops.endpoint.port == 9000);
  BOOST_TEST(ops.endpoint.target == "/hook?x=1");
  BOOST_TEST(ops.max_attempts == 3u);
  BOOST_TEST(ops.headers.at("Authorization") == "Bearer t");
}

// What is sent as the request target: the path and query, never the fragment.
BOOST_AUTO_TEST_CASE(a_webhook_url_gives_host_port_and_target) {
  const auto parse = [](const std::string& url) {
    WebhookUrl out;
    std::string error;
    BOOST_TEST_REQUIRE(parse_webhook_url(url, out, error), error);
    return out;
  };
  BOOST_TEST(parse("http://x/h#part").target == "/h");
  BOOST_TEST(parse("http://x:81/h?a=1#part").target == "/h?a=1");
  const WebhookUrl query_only = parse("http://x?a=1");
  BOOST_TEST(query_only.host == "x");
  BOOST_TEST(query_only.target == "/?a=1");
  const WebhookUrl bare = parse("http://x#part");
  BOOST_TEST(bare.host == "x");
  BOOST_TEST(bare.port == 80);
  BOOST_TEST(bare.target == "/");
  const WebhookUrl v6 = parse("http://[::1]:8080/h");
  BOOST_TEST(v6.host == "::1");
  BOOST_TEST(v6.port == 8080);
  BOOST_TEST(!v6.tls);
  const WebhookUrl secure = parse("https://hooks.example/v2?k=1");
  BOOST_TEST(secure.tls);
  BOOST_TEST(secure.host == "hooks.example");
  BOOST_TEST(secure.port == 443);
  BOOST_TEST(secure.target == "/v2?k=1");
  BOOST_TEST(parse("https://hooks.example:8443/").port == 8443);
}

BOOST_AUTO_TEST_CASE(an_https_webhook_may_name_the_cas_it_trusts) {
  const EscalationConfig c = parsed(
      R"({"escalation":{"webhooks":[{"name":"pager","url":"https://pager.example/v2","caFile":"/etc/pager-ca.pem"},)"
      R"({"name":"ops","url":"https://ops.example/hook"}]}})");
  BOOST_TEST_REQUIRE(c.webhooks.size() == 2u);
  BOOST_TEST(c.webhooks[0].endpoint.tls);
  BOOST_TEST(c.webhooks[0].ca_file == "/etc/pager-ca.pem");
  BOOST_TEST(c.webhooks[1].ca_file.empty());  // the system's CAs
}

BOOST_AUTO_TEST_CASE(no_escalation_section_escalates_nothing) {
  BOOST_TEST(!parsed("{}").any());
  BOOST_TEST(parsed(kFull).any());
}

BOOST_AUTO_TEST_CASE(errors_name_the_field) {
  BOOST_TEST(refused("[1]").find("JSON object") != std::string::npos);
  BOOST_TEST(refused("{").find("not JSON") != std::string::npos);
  BOOST_TEST(refused(R"({"escalations":{}})").find("escalations: unknown") == 0u);
  BOOST_TEST(refused(with_policy(R"({"afterSeconds":0})")).find("escalation.policies.critical.afterSeconds") == 0u);
  BOOST_TEST(refused(with_policy(R"({"afterSeconds":"60"})")).find("must be an integer") != std::string::npos);
  BOOST_TEST(refused(with_policy(R"({"repeatSeconds":60})")).find("afterSeconds: required") != std::string::npos);
  BOOST_TEST(refused(with_policy(R"({"afterSeconds":60,"maxEscalations":101})")).find("maxEscalations") !=
             std::string::npos);
  BOOST_TEST(refused(with_policy(R"({"afterSeconds":60,"webhook":"nobody"})")).find("no webhook named") !=
             std::string::npos);
  BOOST_TEST(refused(with_policy(R"({"afterSeconds":60,"afterSecond":1})")).find("afterSecond: unknown") !=
             std::string::npos);
  BOOST_TEST(refused(R"({"escalation":{"policies":{"urgent":{"afterSeconds":1}}}})").find("not a priority") !=
             std::string::npos);
  const auto hook = [](const std::string& fields) {
    return R"({"escalation":{"webhooks":[{"name":"a",)" + fields + "}]}}";
  };
  BOOST_TEST(refused(hook(R"("url":"ftp://x/h")")).find("escalation.webhooks[0].url") == 0u);
  BOOST_TEST(refused(hook(R"("url":"http://x/h","caFile":"/etc/ca.pem")")).find("caFile: only for an https url") !=
             std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://#frag")")).find("needs a host") != std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://u:p@x/h")")).find("credentials") != std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://x:99999/h")")).find("bad port") != std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http:///h")")).find("needs a host") != std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://x/","timeoutMs":5)")).find("timeoutMs") != std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://x/","headers":{"X":"a\r\nEvil: 1"})")).find("line breaks") !=
             std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://x/","headers":{"Bad Name":"v"})")).find("header name") !=
             std::string::npos);
  // Beast throws building a request with a value of 64 KiB: refused at start instead.
  BOOST_TEST(refused(hook(R"("url":"http://x/","headers":{"X":")" + std::string(70'000, 'v') + R"("})"))
                 .find("at most 4096") != std::string::npos);
  BOOST_TEST(refused(hook(R"("url":"http://x/","headers":{"X":"a\u0000b"})")).find("control") != std::string::npos);
  BOOST_TEST(refused(R"({"escalation":{"webhooks":[{"name":"a","url":"http://x/"},{"name":"a","url":"http://y/"}]}})")
                 .find("used twice") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(escalation_scheduler)

BOOST_AUTO_TEST_CASE(escalates_after_then_every_repeat_up_to_the_maximum) {
  Schedule s;
  s.scheduler.on_change(change("a", Priority::Critical), 1000);
  BOOST_TEST((s.scheduler.next_due_ms() == std::optional<std::uint64_t>(11'000)));
  BOOST_TEST(s.levels_at(10'999).empty());
  BOOST_TEST((s.levels_at(11'000) == Levels{1}));
  BOOST_TEST((s.levels_at(16'000) == Levels{2}));
  BOOST_TEST((s.levels_at(21'000) == Levels{3}));
  BOOST_TEST(s.levels_at(1'000'000).empty());  // then it waits for an acknowledgement
  BOOST_TEST(s.scheduler.tracked() == 1u);
  s.scheduler.on_change(change("a", Priority::Critical, false, 0, ChangeType::Update), 30'000);  // a re-raise
  BOOST_TEST(s.levels_at(2'000'000).empty());                                                    // no new count
}

BOOST_AUTO_TEST_CASE(an_acknowledgement_stops_it_and_times_out_while_the_condition_holds) {
  Schedule s;
  s.scheduler.on_change(change("a", Priority::Critical), 1000);
  s.scheduler.on_change(change("a", Priority::Critical, true, 5000, ChangeType::Update), 5000);
  BOOST_TEST(s.levels_at(50'000).empty());
  const auto due = s.scheduler.take_due(105'000);
  BOOST_TEST_REQUIRE(due.size() == 1u);
  BOOST_TEST((due[0].kind == EscalationDue::Kind::AckExpired));
  BOOST_TEST(s.scheduler.tracked() == 0u);
  s.scheduler.on_change(change("a", Priority::Critical, false, 0, ChangeType::Update), 105'000);  // taken back
  BOOST_TEST((s.levels_at(115'000) == Levels{1}));  // the cycle starts afresh
}

BOOST_AUTO_TEST_CASE(removal_suppression_and_return_to_normal_stop_it) {
  Schedule s;
  s.scheduler.on_change(change("gone", Priority::Critical), 0);
  s.scheduler.on_change(change("gone", Priority::Critical, false, 0, ChangeType::Clear), 1);
  AlertChange shelved = change("shelved", Priority::Critical);
  s.scheduler.on_change(shelved, 0);
  shelved.alert.shelf = Shelf{"ada", "swap", 1, 99'999, false, false};
  s.scheduler.on_change(shelved, 2);
  AlertChange normal = change("normal", Priority::Critical);
  normal.alert.active = false;
  s.scheduler.on_change(normal, 0);
  BOOST_TEST(s.scheduler.tracked() == 0u);
  BOOST_TEST(s.levels_at(1'000'000).empty());
  shelved.alert.shelf.reset();  // unshelved: owed again, counted from now
  s.scheduler.on_change(shelved, 50'000);
  BOOST_TEST((s.levels_at(60'000) == Levels{1}));
}

BOOST_AUTO_TEST_CASE(a_priority_without_a_policy_is_never_tracked) {
  Schedule s;
  s.scheduler.on_change(change("low", Priority::Low), 0);
  BOOST_TEST(s.scheduler.tracked() == 0u);
  BOOST_TEST(!s.scheduler.next_due_ms().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
