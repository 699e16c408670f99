#include "command_line.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace rover_alerts::relay;

namespace {

CommandLine parse(std::vector<const char*> args) { return parse_command_line(args); }

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(defaults_with_only_tokens) {
  const auto result = parse({"--tokens", "users.tokens"});
  BOOST_TEST(result.error.empty());
  BOOST_TEST(!result.show_help);
  BOOST_TEST(result.config.http_listen.host == "127.0.0.1");
  BOOST_TEST(result.config.http_listen.port == 8000);
  BOOST_TEST(result.config.link_listen.port == 8100);
  BOOST_TEST(result.config.tokens_path == "users.tokens");
  BOOST_TEST(result.config.data_dir == "data");
}

BOOST_AUTO_TEST_CASE(all_options) {
  const auto result = parse({"--listen", "0.0.0.0:0", "--link-listen", "[::1]:9100", "--data", "/tmp/d", "--tokens", "t"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.config.http_listen.host == "0.0.0.0");
  BOOST_TEST(result.config.http_listen.port == 0);
  BOOST_TEST(result.config.link_listen.host == "::1");
  BOOST_TEST(result.config.link_listen.port == 9100);
  BOOST_TEST(result.config.data_dir == "/tmp/d");
}

BOOST_AUTO_TEST_CASE(tokens_are_required) {
  const auto result = parse({"--listen", "127.0.0.1:1"});
  BOOST_TEST(result.error.find("--tokens") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(help_wins) {
  BOOST_TEST(parse({"--help"}).show_help);
  BOOST_TEST(parse({"--listen", "x:1", "-h"}).show_help);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused) {
  BOOST_TEST(!parse({"--tokens", "t", "--bogus"}).error.empty());
  BOOST_TEST(!parse({"--tokens"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--listen", "127.0.0.1"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--listen", "127.0.0.1:65536"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--listen", "127.0.0.1:80x"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--listen", "::1:80"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--listen", ":80"}).error.empty());
}

BOOST_AUTO_TEST_SUITE_END()
