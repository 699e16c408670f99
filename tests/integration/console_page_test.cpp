// The operator console as the real relay serves it: the page and its files
// from memory, each with its content type and the headers that lock the page
// down (Content-Security-Policy, nosniff, no referrer, revalidation); other
// paths 404. What the page does in a browser: tests/browser.
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using rover_alerts::testing::Endpoint;

// One request, its whole answer; fails the test on any network error.
http::response<http::string_body> fetch(const Endpoint& at, const std::string& target,
                                        http::verb method = http::verb::get) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect({asio::ip::make_address(at.host), at.port});
  http::request<http::empty_body> request{method, target, 11};
  request.set(http::field::host, at.host);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  if (method == http::verb::head) parser.skip(true);
  http::read(stream, buffer, parser);
  return parser.release();
}

std::string header(const http::response<http::string_body>& response, std::string_view name) {
  const auto it = response.find(name);
  return it == response.end() ? std::string() : std::string(it->value());
}

struct RelayFixture {
  rover_alerts::testing::TempDir data{"console"};
  rover_alerts::testing::RelayProcess relay = rover_alerts::testing::start_relay(data.path, 0);
  ~RelayFixture() { BOOST_CHECK_EQUAL(relay.process->terminate(), 0); }
};

constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void check_locked_down(const http::response<http::string_body>& response) {
  BOOST_TEST(header(response, "Content-Security-Policy") == kPolicy);
  BOOST_TEST(header(response, "X-Content-Type-Options") == "nosniff");
  BOOST_TEST(header(response, "Referrer-Policy") == "no-referrer");
  BOOST_TEST(header(response, "Cache-Control") == "no-cache");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(console_page, RelayFixture)

BOOST_AUTO_TEST_CASE(the_page_is_served_under_its_content_security_policy) {
  const auto page = fetch(relay.http, "/");
  BOOST_TEST(page.result_int() == 200);
  BOOST_TEST(header(page, "Content-Type") == "text/html; charset=utf-8");
  check_locked_down(page);
  BOOST_TEST(page.body().find("<!doctype html>") == 0u);
  BOOST_TEST(page.body().find("src=\"/console.js\"") != std::string::npos);
  // Nothing inline for the policy to refuse.
  BOOST_TEST(page.body().find("<script>") == std::string::npos);
  BOOST_TEST(page.body().find("style=") == std::string::npos);
  BOOST_TEST(page.body().find(" onclick=") == std::string::npos);
  // A query string does not change what is served.
  BOOST_TEST(fetch(relay.http, "/?token=x").body() == page.body());
}

BOOST_AUTO_TEST_CASE(scripts_and_styles_have_their_content_types) {
  const auto script = fetch(relay.http, "/console.js");
  BOOST_TEST(script.result_int() == 200);
  BOOST_TEST(header(script, "Content-Type") == "text/javascript; charset=utf-8");
  check_locked_down(script);
  BOOST_TEST(script.body().find("import ") != std::string::npos);
  for (const char* module : {"/connection.js", "/alert_state.js", "/alert_table.js", "/alarm.js", "/dom.js"}) {
    BOOST_TEST_CONTEXT(module) {
      const auto response = fetch(relay.http, module);
      BOOST_TEST(response.result_int() == 200);
      BOOST_TEST(header(response, "Content-Type") == "text/javascript; charset=utf-8");
    }
  }
  const auto style = fetch(relay.http, "/console.css");
  BOOST_TEST(style.result_int() == 200);
  BOOST_TEST(header(style, "Content-Type") == "text/css; charset=utf-8");
  check_locked_down(style);
}

BOOST_AUTO_TEST_CASE(head_has_the_headers_and_no_body) {
  const auto get = fetch(relay.http, "/console.js");
  const auto head = fetch(relay.http, "/console.js", http::verb::head);
  BOOST_TEST(head.result_int() == 200);
  BOOST_TEST(header(head, "Content-Length") == std::to_string(get.body().size()));
  check_locked_down(head);
}

BOOST_AUTO_TEST_CASE(other_paths_are_not_found) {
  for (const char* path : {"/index.html", "/console.js/", "/../console.js", "/CONSOLE.JS", "/nope", "/console"}) {
    BOOST_TEST_CONTEXT(path) {
      const auto response = fetch(relay.http, path);
      BOOST_TEST(response.result_int() == 404);
      BOOST_TEST(header(response, "Content-Type") == "text/plain");
    }
  }
  BOOST_TEST(fetch(relay.http, "/", http::verb::post).result_int() == 405);
}

BOOST_AUTO_TEST_SUITE_END()
