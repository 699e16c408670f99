// WebhookSender against real HTTP receivers on loopback, served on the
// test's own io loop: one that answers 200, one that answers 500, one that
// accepts and never answers, a port nobody listens on, and a full queue; and
// HTTPS receivers with certificates made at test time, trusted or not.
// Short timeouts and backoffs; outcomes are asserted, never durations.

#include "escalation/webhook_sender.hpp"
#include "support/http_receiver.hpp"
#include "support/self_signed_certificate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

using namespace rover_alerts::relay;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Receiver = rover_alerts::testing::HttpReceiver;

WebhookTarget target(std::string name, std::uint16_t port, unsigned attempts = 3, std::string scheme = "http") {
  WebhookTarget t;
  t.name = std::move(name);
  t.url = scheme + "://127.0.0.1:" + std::to_string(port) + "/hook";
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

// An https receiver's side: the certificate and key it serves.
std::unique_ptr<asio::ssl::context> server_tls(const rover_alerts::testing::SelfSignedCertificate& cert) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->use_certificate_chain_file(cert.cert.string());
  context->use_private_key_file(cert.key.string(), asio::ssl::context::pem);
  return context;
}

// An https target on `port` that trusts `ca` (empty: the system's CAs).
WebhookTarget https_target(std::uint16_t port, const std::filesystem::path& ca, unsigned attempts = 2) {
  WebhookTarget t = target("secure", port, attempts, "https");
  t.ca_file = ca.string();
  return t;
}

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
  BOOST_TEST(header("https://hooks.example/x") == "hooks.example:443");
  BOOST_TEST(header("https://hooks.example:8443/x") == "hooks.example:8443");
}

BOOST_AUTO_TEST_CASE(an_https_receiver_whose_certificate_is_trusted_gets_the_post) {
  const rover_alerts::testing::SelfSignedCertificate cert;
  const auto tls = server_tls(cert);
  Receiver secure(io, 200, tls.get());
  auto s = sender({https_target(secure.port(), cert.cert)});
  s->enqueue("secure", R"({"level":1})", "n1");
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n1") == Outcomes{"delivered"}));
  BOOST_TEST_REQUIRE(secure.count() == 1u);
  BOOST_TEST(secure.requests()[0].body() == R"({"level":1})");
  BOOST_TEST(secure.requests()[0]["Authorization"] == "Bearer secret");
  BOOST_TEST((secure.server_names() == std::vector<std::string>{""}));  // no SNI for an address
}

// By name: the name goes in SNI and the certificate must carry it.
BOOST_AUTO_TEST_CASE(an_https_receiver_named_by_host_gets_its_name_in_sni) {
  const rover_alerts::testing::SelfSignedCertificate cert;  // IP:127.0.0.1, DNS:localhost
  const auto tls = server_tls(cert);
  Receiver secure(io, 200, tls.get());
  WebhookTarget t = https_target(secure.port(), cert.cert);
  t.url = "https://localhost:" + std::to_string(secure.port()) + "/hook";
  std::string error;
  BOOST_TEST_REQUIRE(parse_webhook_url(t.url, t.endpoint, error), error);
  auto s = sender({t});
  s->enqueue("secure", "{}", "n1");
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n1") == Outcomes{"delivered"}), reports.back().detail);
  BOOST_TEST((secure.server_names() == std::vector<std::string>{"localhost"}));
}

// A receiver whose certificate no trusted CA signed gets nothing, not even
// the headers (they carry its credentials): the handshake is refused.
BOOST_AUTO_TEST_CASE(an_https_receiver_that_is_not_trusted_gets_nothing) {
  const rover_alerts::testing::SelfSignedCertificate cert;
  const rover_alerts::testing::SelfSignedCertificate other;  // what the webhook trusts instead
  const auto tls = server_tls(cert);
  Receiver impostor(io, 200, tls.get());
  auto s = sender({https_target(impostor.port(), other.cert)});
  s->enqueue("secure", "{}", "n1");
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n1") == Outcomes{"retrying", "failed"}));
  BOOST_TEST(reports.back().detail.find("tls: ") == 0u, reports.back().detail);
  // The receiver's side of the refused handshakes may still be finishing.
  BOOST_TEST(run_until([&] { return impostor.failed_handshakes() == 2u; }));
  BOOST_TEST(impostor.count() == 0u);
}

// Trusted, but issued for another host than the URL names: refused too.
BOOST_AUTO_TEST_CASE(an_https_certificate_for_another_host_is_refused) {
  const rover_alerts::testing::SelfSignedCertificate cert("DNS:hooks.example");
  const auto tls = server_tls(cert);
  Receiver elsewhere(io, 200, tls.get());
  auto s = sender({https_target(elsewhere.port(), cert.cert, 1)});
  s->enqueue("secure", "{}", "n1");
  BOOST_TEST_REQUIRE(run_until([&] { return s->stats().pending == 0; }));
  BOOST_TEST((outcomes("n1") == Outcomes{"failed"}));
  BOOST_TEST(reports.back().detail.find("tls: ") == 0u, reports.back().detail);
  BOOST_TEST(elsewhere.count() == 0u);
}

// CAs that cannot be read stop the relay at start, not at the first escalation.
BOOST_AUTO_TEST_CASE(an_unreadable_ca_file_is_refused_when_the_sender_is_made) {
  BOOST_CHECK_THROW(sender({https_target(443, "/nonexistent/ca.pem")}), std::runtime_error);
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
