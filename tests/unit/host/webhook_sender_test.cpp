// WebhookSender against real HTTP receivers on loopback, served on the
// test's own io loop: one that answers 200, one that answers 500, one that
// accepts and never answers, a port nobody listens on, and a full queue.
// Short timeouts and backoffs; outcomes are asserted, never durations.

#include "escalation/webhook_sender.hpp"
#include "support/http_receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <memory>

using namespace rover_alerts::relay;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Receiver = rover_alerts::testing::HttpReceiver;

WebhookTarget target(std::string name, std::uint16_t port, unsigned attempts = 3) {
  WebhookTarget t;
  t.name = std::move(name);
  t.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  std::string error;
  BOOST_TEST_REQUIRE(parse_webhook_url(t.url, t.endpoint, error), error);
  t.timeout = std::chrono::milliseconds(300);
  t.max_attempts = attempts;
  t.backoff_base = std::chrono::milliseconds(20);
  t.backoff_max = std::chrono::milliseconds(50);
  t.headers = {{"Authorization", "Bearer secret"}};
  return t;
}

// A port nobody listens on (bound, then released).
std::uint16_t closed_port(asio::io_context& io) {
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

struct Fixture {
  asio::io_context io;
  std::vector<WebhookReport> reports;

  std::unique_ptr<WebhookSender> sender(std::vector<WebhookTarget> targets, std::size_t max_pending = 100) {
    auto s = std::make_unique<WebhookSender>(io.get_executor(), std::move(targets), max_pending);
    s->set_reporter([this](const WebhookReport& r) { reports.push_back(r); });
    return s;
  }
  // Runs the loop until `done`, for at most 20 s (a bug fails, not hangs).
  bool run_until(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < give_up) io.run_one_for(std::chrono::milliseconds(20));
    return done();
  }
  std::vector<std::string> outcomes(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& r : reports)
      if (r.notification_id == id) out.push_back(r.outcome);
    return out;
  }
};

using Outcomes = std::vector<std::string>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(webhook_sender, Fixture)

BOOST_AUTO_TEST_CASE(a_post_reaches_the_receiver_with_its_body_and_headers) {
  Receiver ok(io, 200);
  auto s = sender({target("ops", ok.port())});
  BOOST_TEST((s->enqueue("ops", R"({"level":1})", "n1") == WebhookSender::EnqueueStatus::Queued));
  BOOST_TEST_REQUIRE(run_until([&] { return !reports.empty(); }));
  BOOST_TEST((outcomes("n1") == Outcomes{"delivered"}));
  BOOST_TEST(reports[0].detail == "HTTP 200");
  BOOST_TEST_REQUIRE(ok.count() == 1u);
  const auto request = ok.requests()[0];
  BOOST_TEST(request.body() == R"({"level":1})");
  BOOST_TEST(request.target() == "/hook");
  BOOST_TEST(request[http::field::content_type] == "application/json");
  BOOST_TEST(request["Authorization"] == "Bearer secret");
  BOOST_TEST(s->stats().delivered == 1u);
  BOOST_TEST(s->stats().pending == 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_receiver_is_retried_up_to_max_attempts) {
  Receiver failing(io, 500);
  auto s = sender({target("ops", failing.port(), 3)});
  s->enqueue("ops", "{}", "n1");
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n1") == Outcomes{"retrying", "retrying", "failed"}));
  BOOST_TEST(reports.back().detail == "HTTP 500");
  BOOST_TEST(reports.back().attempt == 3u);
  BOOST_TEST(failing.count() == 3u);
  BOOST_TEST(s->stats().failed == 1u);
  BOOST_TEST(s->stats().retried == 2u);
}

BOOST_AUTO_TEST_CASE(a_hanging_receiver_times_out_and_blocks_nobody) {
  Receiver hanging(io, 0);
  Receiver ok(io, 204);
  auto s = sender({target("slow", hanging.port(), 2), target("ops", ok.port())});
  s->enqueue("slow", "{}", "hung");
  s->enqueue("ops", "{}", "fine");
  // The good receiver gets its POST while the hanging one still holds its attempt.
  BOOST_TEST_REQUIRE(run_until([&] { return !outcomes("fine").empty(); }));
  BOOST_TEST((outcomes("fine") == Outcomes{"delivered"}));
  BOOST_TEST(outcomes("hung").empty());
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("hung") == Outcomes{"retrying", "failed"}));
  BOOST_TEST(reports.back().detail == "timeout");
  BOOST_TEST(hanging.count() == 2u);  // it read both, answered neither
}

BOOST_AUTO_TEST_CASE(a_refused_connection_fails_after_its_attempts) {
  auto s = sender({target("gone", closed_port(io), 2)});
  s->enqueue("gone", "{}", "n1");
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n1") == Outcomes{"retrying", "failed"}));
  BOOST_TEST(reports.back().detail.find("refused") != std::string::npos, reports.back().detail);
}

BOOST_AUTO_TEST_CASE(past_the_bound_the_oldest_waiting_notification_is_dropped) {
  Receiver hanging(io, 0);
  auto s = sender({target("slow", hanging.port(), 1)}, 6);
  for (int i = 0; i < 6; ++i) BOOST_TEST((s->enqueue("slow", "{}", "n" + std::to_string(i)) ==
                                          WebhookSender::EnqueueStatus::Queued));
  BOOST_TEST(s->stats().in_flight == WebhookSender::kMaxInFlight);  // n0..n3; n4, n5 wait
  BOOST_TEST((s->enqueue("slow", "{}", "n6") == WebhookSender::EnqueueStatus::DroppedOldest));
  BOOST_TEST((outcomes("n4") == Outcomes{"dropped"}));
  BOOST_TEST(s->stats().pending == 6u);
  BOOST_TEST(s->stats().dropped == 1u);
  BOOST_TEST((s->enqueue("nobody", "{}", "x") == WebhookSender::EnqueueStatus::UnknownWebhook));
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n6") == Outcomes{"failed"}));  // the newest was kept, and tried
}

// With every pending notification in flight there is no older one waiting to
// give way: the new one is dropped, and says so.
BOOST_AUTO_TEST_CASE(past_the_bound_with_nothing_waiting_the_new_notification_is_dropped) {
  Receiver hanging(io, 0);
  auto s = sender({target("slow", hanging.port(), 1)}, WebhookSender::kMaxInFlight);
  for (std::size_t i = 0; i < WebhookSender::kMaxInFlight; ++i)
    BOOST_TEST((s->enqueue("slow", "{}", "n" + std::to_string(i)) == WebhookSender::EnqueueStatus::Queued));
  BOOST_TEST(s->stats().in_flight == WebhookSender::kMaxInFlight);
  BOOST_TEST((s->enqueue("slow", "{}", "new") == WebhookSender::EnqueueStatus::DroppedNew));
  BOOST_TEST((outcomes("new") == Outcomes{"dropped"}));
  BOOST_TEST(s->stats().dropped == 1u);
  BOOST_TEST(s->stats().pending == WebhookSender::kMaxInFlight);
}

BOOST_AUTO_TEST_CASE(the_host_header_brackets_an_ipv6_literal) {
  const auto header = [](const std::string& url) {
    WebhookUrl endpoint;
    std::string error;
    BOOST_TEST_REQUIRE(parse_webhook_url(url, endpoint, error), error);
    return host_header(endpoint);
  };
  BOOST_TEST(header("http://[::1]:8080/hook") == "[::1]:8080");
  BOOST_TEST(header("http://[fe80::1]/hook") == "[fe80::1]:80");
  BOOST_TEST(header("http://hooks.example:9000/x") == "hooks.example:9000");
  BOOST_TEST(header("http://127.0.0.1/x") == "127.0.0.1:80");
}

BOOST_AUTO_TEST_CASE(stop_ends_every_attempt_and_retry) {
  Receiver hanging(io, 0);
  auto s = sender({target("slow", hanging.port(), 5)});
  for (int i = 0; i < 6; ++i) s->enqueue("slow", "{}", "n" + std::to_string(i));
  BOOST_TEST_REQUIRE(run_until([&] { return hanging.count() == 4u; }));
  s->stop();
  BOOST_TEST(s->stats().pending == 0u);
  BOOST_TEST(s->stats().failed == 6u);
  BOOST_TEST((s->enqueue("slow", "{}", "late") == WebhookSender::EnqueueStatus::UnknownWebhook));
  s.reset();
  io.run_for(std::chrono::milliseconds(100));  // what is left of the attempts runs out harmlessly
}

BOOST_AUTO_TEST_SUITE_END()
