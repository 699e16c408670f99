// The client port's defences that need no socket: the request rate limiter,
// the Origin allow-list, failed-auth back-off and the sign-in rule over it,
// connection admission, the keep-alive that finds half-open connections, and
// the /metrics rendering.

#include "http/auth_backoff.hpp"
#include "http/client_admission.hpp"
#include "http/keep_alive.hpp"
#include "http/metrics.hpp"
#include "http/origin_policy.hpp"
#include "http/rate_limiter.hpp"
#include "http/sign_in.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace rover_alerts::relay;
using namespace std::chrono_literals;
using Verdict = RequestRateLimiter::Verdict;

BOOST_AUTO_TEST_SUITE(keep_alive)

// A connection made at t0 under 5 s pings and a 20 s timeout; `ping(t)` is the
// payload the relay would send at t, `pong(payload, t)` its answer's RTT.
class KeepAliveTester {
 public:
  const KeepAlive::Clock::time_point t0 = KeepAlive::Clock::time_point{} + 1h;
  KeepAlive keep_alive{{.ping_interval = 5s, .ping_timeout = 20s}, t0};

  std::optional<std::string> ping(std::chrono::milliseconds at) { return keep_alive.next_ping(t0 + at); }
  std::optional<std::chrono::microseconds> pong(std::string_view payload, std::chrono::milliseconds at) {
    return keep_alive.on_pong(payload, t0 + at);
  }
  // What a ping sent at `at` would carry.
  std::string payload_at(std::chrono::milliseconds at) const {
    return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>((t0 + at).time_since_epoch()).count());
  }
};

BOOST_FIXTURE_TEST_CASE(pings_go_out_while_pongs_come_back, KeepAliveTester) {
  BOOST_TEST(keep_alive.interval() == 5s);
  for (auto at = 5s; at <= 60s; at += 5s) {
    const auto payload = ping(at);
    BOOST_TEST_REQUIRE(payload.has_value(), "ping at " << at.count() << " s");
    BOOST_TEST(pong(*payload, at + 40ms).has_value());
  }
}

BOOST_FIXTURE_TEST_CASE(the_pong_gives_the_round_trip_time, KeepAliveTester) {
  const auto payload = ping(5s);
  BOOST_TEST_REQUIRE(payload.has_value());
  BOOST_TEST(*payload == payload_at(5s));
  BOOST_TEST((pong(*payload, 5s + 123ms) == std::optional(std::chrono::microseconds(123'000))));
}

BOOST_FIXTURE_TEST_CASE(no_pong_within_the_timeout_cuts_the_connection, KeepAliveTester) {
  BOOST_TEST(ping(20s).has_value());  // at the timeout, not past it
  BOOST_TEST(!ping(20s + 1ms).has_value());
}

BOOST_FIXTURE_TEST_CASE(a_late_pong_still_proves_the_client_alive, KeepAliveTester) {
  const auto payload = ping(5s);
  BOOST_TEST(pong(*payload, 19s).has_value());
  BOOST_TEST(ping(38s).has_value());  // 19 s after that pong
  BOOST_TEST(!ping(40s).has_value());
}

BOOST_FIXTURE_TEST_CASE(a_pong_that_is_not_ours_proves_life_but_gives_no_rtt, KeepAliveTester) {
  BOOST_TEST(!pong("hello", 10s).has_value());
  BOOST_TEST(!pong("", 10s).has_value());
  BOOST_TEST(!pong("12x", 10s).has_value());
  BOOST_TEST(ping(29s).has_value());  // alive from the last of them
}

BOOST_FIXTURE_TEST_CASE(a_send_time_we_cannot_have_sent_gives_no_rtt, KeepAliveTester) {
  BOOST_TEST(!pong(payload_at(50s), 10s).has_value());  // sent after its answer came
  BOOST_TEST(!pong("0", 10s).has_value());  // older than any ping awaiting its answer
  const auto old = ping(10s);
  BOOST_TEST(!pong(*old, 30s + 1ms).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(burst_then_limited_then_refilled) {
  const auto t0 = RequestRateLimiter::Clock::time_point{} + 1h;
  RequestRateLimiter limiter({.per_second = 10, .burst = 5, .close_after = 100}, t0);
  for (int i = 0; i < 5; ++i) BOOST_TEST((limiter.on_request(t0) == Verdict::Allowed), "request " << i);
  BOOST_TEST((limiter.on_request(t0) == Verdict::Limited));
  // 100 ms refill one token at 10/s.
  BOOST_TEST((limiter.on_request(t0 + 100ms) == Verdict::Allowed));
  BOOST_TEST((limiter.on_request(t0 + 100ms) == Verdict::Limited));
  // A long pause refills to the burst, not beyond.
  const auto later = t0 + 1h;
  for (int i = 0; i < 5; ++i) BOOST_TEST((limiter.on_request(later) == Verdict::Allowed));
  BOOST_TEST((limiter.on_request(later) == Verdict::Limited));
}

BOOST_AUTO_TEST_CASE(steady_rate_at_the_limit_is_never_refused) {
  auto t = RequestRateLimiter::Clock::time_point{} + 1h;
  RequestRateLimiter limiter({.per_second = 10, .burst = 1, .close_after = 5}, t);
  for (int i = 0; i < 1000; ++i) {
    BOOST_TEST_REQUIRE((limiter.on_request(t) == Verdict::Allowed), "request " << i);
    t += 100ms;
  }
}

BOOST_AUTO_TEST_CASE(sustained_abuse_becomes_abusive_and_pauses_forgive) {
  const auto t0 = RequestRateLimiter::Clock::time_point{} + 1h;
  RequestRateLimiter limiter({.per_second = 10, .burst = 2, .close_after = 20}, t0);
  BOOST_TEST((limiter.on_request(t0) == Verdict::Allowed));
  BOOST_TEST((limiter.on_request(t0) == Verdict::Allowed));
  for (int i = 0; i < 20; ++i) BOOST_TEST_REQUIRE((limiter.on_request(t0) == Verdict::Limited), "limited " << i);
  BOOST_TEST((limiter.on_request(t0) == Verdict::Abusive));

  // After a quiet spell the same client is served again.
  RequestRateLimiter calm({.per_second = 10, .burst = 2, .close_after = 20}, t0);
  calm.on_request(t0);
  calm.on_request(t0);
  for (int i = 0; i < 15; ++i) calm.on_request(t0);
  BOOST_TEST((calm.on_request(t0 + 10s) == Verdict::Allowed));
  for (int i = 0; i < 15; ++i) BOOST_TEST_REQUIRE((calm.on_request(t0 + 10s) != Verdict::Abusive));
}

BOOST_AUTO_TEST_CASE(clock_going_backwards_grants_nothing) {
  const auto t0 = RequestRateLimiter::Clock::time_point{} + 1h;
  RequestRateLimiter limiter({.per_second = 10, .burst = 1, .close_after = 100}, t0);
  BOOST_TEST((limiter.on_request(t0) == Verdict::Allowed));
  BOOST_TEST((limiter.on_request(t0 - 10s) == Verdict::Limited));
  BOOST_TEST((limiter.on_request(t0) == Verdict::Limited));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(origin_policy)

BOOST_AUTO_TEST_CASE(empty_list_allows_everything) {
  const OriginPolicy policy({});
  BOOST_TEST(policy.allows(std::nullopt));
  BOOST_TEST(policy.allows(std::string_view("https://evil.example")));
}

BOOST_AUTO_TEST_CASE(listed_origins_only_ignoring_case_and_trailing_slash) {
  const OriginPolicy policy({"https://Console.Example:8443", "http://localhost:8000/"});
  BOOST_TEST(policy.allows(std::string_view("https://console.example:8443")));
  BOOST_TEST(policy.allows(std::string_view("HTTPS://CONSOLE.EXAMPLE:8443/")));
  BOOST_TEST(policy.allows(std::string_view("http://localhost:8000")));
  BOOST_TEST(!policy.allows(std::string_view("https://console.example")));        // port differs
  BOOST_TEST(!policy.allows(std::string_view("http://console.example:8443")));     // scheme differs
  BOOST_TEST(!policy.allows(std::string_view("https://console.example:8443.evil")));
  BOOST_TEST(!policy.allows(std::string_view("null")));
  BOOST_TEST(!policy.allows(std::string_view("")));
  // Non-browser clients send no Origin; the token authenticates them.
  BOOST_TEST(policy.allows(std::nullopt));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(every_counter_is_rendered_grouped_by_name) {
  Counters counters;
  counters.increment("a_total", 3);
  counters.increment(Counters::series("a_total", "reason", "x"));
  counters.increment("a_total_other", 7);  // sorts between a_total and a_total{...}
  counters.increment(Counters::series("a_total", "reason", "y"), 2);
  const Gauge gauges[] = {{"sessions", 4}};
  const std::string text = render_metrics(counters, gauges);
  BOOST_TEST(text ==
             "# HELP a_total Count of events of this kind.\n"
             "# TYPE a_total counter\n"
             "a_total 3\n"
             "a_total{reason=\"x\"} 1\n"
             "a_total{reason=\"y\"} 2\n"
             "# HELP a_total_other Count of events of this kind.\n"
             "# TYPE a_total_other counter\n"
             "a_total_other 7\n"
             "# HELP sessions Count of events of this kind.\n"
             "# TYPE sessions gauge\n"
             "sessions 4\n");
}

BOOST_AUTO_TEST_CASE(no_counters_no_lines) { BOOST_TEST(render_metrics(Counters{}).empty()); }

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_backoff)

// The first failures are free; then each blocks twice as long as the last,
// up to the maximum; other addresses are not touched; a success forgets.
BOOST_AUTO_TEST_CASE(failures_past_the_free_ones_block_the_address_for_longer_each_time) {
  const AuthBackoffLimits limits{.free_failures = 2, .base = 1000ms, .max = 4000ms, .max_addresses = 100};
  AuthBackoff backoff(limits);
  const auto t0 = AuthBackoff::Clock::time_point{} + 1h;
  backoff.on_failure("10.0.0.1", t0);
  backoff.on_failure("10.0.0.1", t0);
  BOOST_TEST(backoff.blocked_for("10.0.0.1", t0).count() == 0);  // two free failures
  backoff.on_failure("10.0.0.1", t0);
  BOOST_TEST((backoff.blocked_for("10.0.0.1", t0) == 1000ms));
  BOOST_TEST(backoff.blocked_for("10.0.0.2", t0).count() == 0);  // another address
  backoff.on_failure("10.0.0.1", t0 + 1s);
  BOOST_TEST((backoff.blocked_for("10.0.0.1", t0 + 1s) == 2000ms));
  backoff.on_failure("10.0.0.1", t0 + 3s);
  BOOST_TEST((backoff.blocked_for("10.0.0.1", t0 + 3s) == 4000ms));
  backoff.on_failure("10.0.0.1", t0 + 7s);
  BOOST_TEST((backoff.blocked_for("10.0.0.1", t0 + 7s) == 4000ms));  // capped at the maximum
  BOOST_TEST(backoff.blocked_for("10.0.0.1", t0 + 11s).count() == 0);  // the block runs out
  backoff.on_success("10.0.0.1");
  backoff.on_failure("10.0.0.1", t0 + 12s);
  BOOST_TEST(backoff.blocked_for("10.0.0.1", t0 + 12s).count() == 0);  // forgotten: free again
}

// Bounded: past max_addresses, entries that block nothing go first, then the oldest.
BOOST_AUTO_TEST_CASE(at_most_max_addresses_are_remembered) {
  const AuthBackoffLimits limits{.free_failures = 0, .base = 1000ms, .max = 60000ms, .max_addresses = 3};
  AuthBackoff backoff(limits);
  const auto t0 = AuthBackoff::Clock::time_point{} + 1h;
  backoff.on_failure("a", t0);
  backoff.on_failure("b", t0 + 10s);  // "a" is no longer blocked
  backoff.on_failure("c", t0 + 10s);
  BOOST_TEST(backoff.size() == 3u);
  backoff.on_failure("d", t0 + 10s);  // room made by dropping "a", which blocks nothing now
  BOOST_TEST(backoff.size() == 3u);
  BOOST_TEST(backoff.blocked_for("b", t0 + 10s).count() > 0);
  backoff.on_failure("e", t0 + 10500ms);  // all three still blocked: the oldest goes
  BOOST_TEST(backoff.size() == 3u);
  BOOST_TEST(backoff.blocked_for("e", t0 + 10500ms).count() > 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sign_in)

// One user, one free failure then 1 s, 2 s, ... blocks; the audit trail and
// the counters are real, and so is the token file's parser.
class SignInTester {
 public:
  static constexpr std::string_view kToken = "op-token-0123456789abcdef";
  const SignIn::Clock::time_point t0 = SignIn::Clock::time_point{} + 1h;
  TokenFile tokens = parse_tokens("operator ada op-token-0123456789abcdef\n");
  Counters counters;
  AuditLog audit;
  SignIn sign_in{tokens, {.free_failures = 1, .base = 1000ms, .max = 8000ms, .max_addresses = 10}, counters};

  SignInTester() { sign_in.set_audit_log(&audit); }

  SignIn::Result try_token(std::string_view token, std::chrono::milliseconds at, std::string address = "10.0.0.1",
                           SignIn::Via via = SignIn::Via::AuthMessage) {
    return sign_in.check(token, address, via, t0 + at);
  }
  std::vector<AuditEntry> audited() const { return audit.query(AuditQuery{}).entries; }

 private:
  static TokenFile parse_tokens(std::string_view text) {
    TokenFileError error;
    auto file = TokenFile::parse(text, error);
    BOOST_TEST_REQUIRE(file.has_value());
    return std::move(*file);
  }
};

BOOST_FIXTURE_TEST_CASE(a_known_token_says_who_it_is, SignInTester) {
  const auto result = try_token(kToken, 0ms);
  BOOST_TEST((result.outcome == SignIn::Outcome::Known));
  BOOST_TEST_REQUIRE(result.identity.has_value());
  BOOST_TEST(result.identity->user == "ada");
  BOOST_TEST((result.identity->role == Role::Operator));
  BOOST_TEST(audited().empty());  // a sign-in is recorded once the client has room
  sign_in.record_signed_in("10.0.0.1", *result.identity, "client c7");
  BOOST_TEST_REQUIRE(audited().size() == 1u);
  BOOST_TEST(audited()[0].outcome == "ok");
  BOOST_TEST(audited()[0].user == "ada");
  BOOST_TEST(audited()[0].detail == "client c7");
}

BOOST_FIXTURE_TEST_CASE(an_unknown_token_is_counted_and_audited_as_refused, SignInTester) {
  const auto result = try_token("op-token-0123456789abcdeX", 0ms);
  BOOST_TEST((result.outcome == SignIn::Outcome::UnknownToken));
  BOOST_TEST(!result.identity.has_value());
  BOOST_TEST(counters.value("ws_auth_failures_total") == 1u);
  BOOST_TEST_REQUIRE(audited().size() == 1u);
  BOOST_TEST(audited()[0].outcome == "refused");
  BOOST_TEST(audited()[0].address == "10.0.0.1");
  BOOST_TEST(audited()[0].detail == "unknown token");
  try_token("nope", 0ms, "10.0.0.2", SignIn::Via::BearerHeader);
  BOOST_TEST(audited().back().detail == "unknown bearer token");
}

// Blocked, even the right token is not looked at: guessing cannot go on.
BOOST_FIXTURE_TEST_CASE(a_blocked_address_is_refused_whatever_its_token, SignInTester) {
  try_token("wrong-1", 0ms);  // free
  try_token("wrong-2", 0ms);  // blocks for 1 s
  const auto blocked = try_token(kToken, 500ms);
  BOOST_TEST((blocked.outcome == SignIn::Outcome::Blocked));
  BOOST_TEST(!blocked.identity.has_value());
  BOOST_TEST(blocked.retry_after.count() == 1);  // 0.5 s left, rounded up
  BOOST_TEST(counters.value("ws_auth_blocked_total") == 1u);
  BOOST_TEST(counters.value("ws_auth_failures_total") == 2u);  // a blocked try is not a failure
  BOOST_TEST((try_token(kToken, 0ms, "10.0.0.2").outcome == SignIn::Outcome::Known));  // another address
  BOOST_TEST((try_token(kToken, 1000ms).outcome == SignIn::Outcome::Known));            // the block ran out
}

// A known token forgets the address's failures: its next mistake is free again.
BOOST_FIXTURE_TEST_CASE(a_known_token_clears_the_failures, SignInTester) {
  try_token("wrong-1", 0ms);
  BOOST_TEST((try_token(kToken, 0ms).outcome == SignIn::Outcome::Known));
  try_token("wrong-2", 0ms);  // free again
  BOOST_TEST((try_token(kToken, 0ms).outcome == SignIn::Outcome::Known));
  BOOST_TEST(counters.value("ws_auth_blocked_total") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_admission)

BOOST_AUTO_TEST_CASE(each_address_gets_its_cap_and_a_slot_gives_it_back) {
  AdmissionLimits limits;
  limits.max_connections_per_address = 2;
  ClientAdmission admission(limits);
  auto a1 = admission.connect("a");
  auto a2 = admission.connect("a");
  BOOST_TEST(a1.held());
  BOOST_TEST(a2.held());
  BOOST_TEST(!admission.connect("a").held());  // at its cap
  BOOST_TEST(admission.connect("b").held());   // another address is not
  a1.release();
  BOOST_TEST(admission.connections_from("a") == 1u);
  ClientAdmission::Slot moved = std::move(a2);  // an HttpSession's slot going to its WebsocketSession
  BOOST_TEST(!a2.held());
  BOOST_TEST(admission.connections_from("a") == 1u);
  { auto again = admission.connect("a"); BOOST_TEST(again.held()); }
  moved.release();
  BOOST_TEST(admission.connections_from("a") == 0u);
}

BOOST_AUTO_TEST_CASE(the_unauthenticated_pool_is_capped_in_all_and_per_address) {
  AdmissionLimits limits;
  limits.max_unauthenticated = 3;
  limits.max_unauthenticated_per_address = 2;
  ClientAdmission admission(limits);
  std::vector<ClientAdmission::Slot> held;
  held.push_back(admission.unauthenticated("a"));
  held.push_back(admission.unauthenticated("a"));
  BOOST_TEST(!admission.unauthenticated("a").held());  // the address's share
  held.push_back(admission.unauthenticated("b"));
  BOOST_TEST(!admission.unauthenticated("c").held());  // the pool
  BOOST_TEST(admission.unauthenticated_sessions() == 3u);
  held.front().release();  // one authenticated
  BOOST_TEST(admission.unauthenticated("c").held());  // (and given back at once)
  BOOST_TEST(admission.unauthenticated_sessions() == 2u);
}

// Random connects, unauthenticated entries and releases against a std::map model.
BOOST_AUTO_TEST_CASE(admission_matches_a_model_under_random_traffic) {
  AdmissionLimits limits;
  limits.max_connections_per_address = 3;
  limits.max_unauthenticated = 5;
  limits.max_unauthenticated_per_address = 2;
  ClientAdmission admission(limits);
  std::map<std::string, std::size_t> connections, unauthenticated;
  std::size_t unauthenticated_total = 0;
  struct Held {
    ClientAdmission::Slot slot;
    std::string address;
    bool pool;
  };
  std::vector<Held> held;
  std::mt19937 random(7);
  for (int step = 0; step < 20000; ++step) {
    const std::string address(1, static_cast<char>('a' + random() % 4));
    const auto op = random() % 3;
    if (op == 0) {
      auto slot = admission.connect(address);
      const bool expect = connections[address] < limits.max_connections_per_address;
      BOOST_REQUIRE(slot.held() == expect);
      if (expect) {
        ++connections[address];
        held.push_back({std::move(slot), address, false});
      }
    } else if (op == 1) {
      auto slot = admission.unauthenticated(address);
      const bool expect = unauthenticated_total < limits.max_unauthenticated &&
                          unauthenticated[address] < limits.max_unauthenticated_per_address;
      BOOST_REQUIRE(slot.held() == expect);
      if (expect) {
        ++unauthenticated[address];
        ++unauthenticated_total;
        held.push_back({std::move(slot), address, true});
      }
    } else if (!held.empty()) {
      const std::size_t i = random() % held.size();
      (held[i].pool ? unauthenticated[held[i].address] : connections[held[i].address])--;
      if (held[i].pool) --unauthenticated_total;
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    }
    BOOST_REQUIRE(admission.unauthenticated_sessions() == unauthenticated_total);
    BOOST_REQUIRE(admission.connections_from(address) == connections[address]);
  }
}

BOOST_AUTO_TEST_SUITE_END()
