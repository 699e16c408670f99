#include "command_line.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
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

BOOST_AUTO_TEST_CASE(ack_roles) {
  BOOST_TEST((parse({"--tokens", "t"}).config.permissions.ack == RoleSet::all()));
  const auto result = parse({"--tokens", "t", "--ack-roles", "operator,admin"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.config.permissions.ack.has(Role::Operator));
  BOOST_TEST(result.config.permissions.ack.has(Role::Admin));
  BOOST_TEST(!result.config.permissions.ack.has(Role::Viewer));
  for (const char* bad : {"", ",", "root", "operator,,admin", "Operator"})
    BOOST_TEST(!parse({"--tokens", "t", "--ack-roles", bad}).error.empty(), bad);
}

BOOST_AUTO_TEST_CASE(alarm_options) {
  const auto defaults = parse({"--tokens", "t"}).config.alarms;
  BOOST_TEST(defaults.flood_start == 10u);  // ISA-18.2: 10 alarms per 10 minutes
  BOOST_TEST(defaults.flood_end == 5u);
  BOOST_TEST(defaults.window_ms == 600'000u);
  BOOST_TEST(defaults.standing_after_ms == 24ull * 3600'000);
  const auto result = parse({"--tokens", "t", "--flood", "20/8", "--alarm-window", "60", "--standing-after", "3600"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.config.alarms.flood_start == 20u);
  BOOST_TEST(result.config.alarms.flood_end == 8u);
  BOOST_TEST(result.config.alarms.window_ms == 60'000u);
  BOOST_TEST(result.config.alarms.standing_after_ms == 3'600'000u);
  BOOST_TEST(!parse({"--tokens", "t", "--standing-after", "0"}).error.empty());
  for (const char* bad : {"10", "5/10", "0/0", "10/", "/5", "a/b", "10/0"})
    BOOST_TEST(!parse({"--tokens", "t", "--flood", bad}).error.empty(), bad);
  for (const char* bad : {"0", "86401", "ten"})
    BOOST_TEST(!parse({"--tokens", "t", "--alarm-window", bad}).error.empty(), bad);
}

BOOST_AUTO_TEST_CASE(store_options) {
  const auto result = parse({"--tokens", "t", "--durability", "normal", "--history-max-tombstones", "50",
                             "--history-max-age", "60", "--journal-max-bytes", "65536", "--journal-max-backlog", "9"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST((result.config.store.journal.durability == Durability::Normal));
  BOOST_TEST(result.config.store.history.max_tombstones == 50u);
  BOOST_TEST(result.config.store.history.max_tombstone_age_ms == 60'000u);
  BOOST_TEST(result.config.store.journal.max_database_bytes == 65536u);
  BOOST_TEST(result.config.store.journal.max_backlog_changes == 9u);
  BOOST_TEST(parse({"--tokens", "t"}).config.store.journal.max_database_bytes == 0u);  // no cap
  for (const char* bad : {"0", "-1", "64k", ""})
    BOOST_TEST(!parse({"--tokens", "t", "--journal-max-bytes", bad}).error.empty(), bad);
  BOOST_TEST(!parse({"--tokens", "t", "--durability", "sometimes"}).error.empty());
}

BOOST_AUTO_TEST_CASE(link_options) {
  const auto result =
      parse({"--tokens", "t", "--max-links", "8", "--max-links-per-address", "2", "--link-hello-timeout", "3"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.config.link.max_connections == 8u);
  BOOST_TEST(result.config.link.max_connections_per_address == 2u);
  BOOST_TEST(result.config.link.hello_timeout.count() == 3);
  for (const char* bad : {"0", "-1", "many", ""})
    BOOST_TEST(!parse({"--tokens", "t", "--max-links", bad}).error.empty(), bad);
  // --help quotes the defaults of the struct.
  const LinkLimits defaults;
  const std::string help = usage("alert-relay");
  BOOST_TEST(help.find("at once\n                           (default " + std::to_string(defaults.max_connections) +
                       ")") != std::string::npos);
  BOOST_TEST(help.find("from one address (default " + std::to_string(defaults.max_connections_per_address) + ")") !=
             std::string::npos);
  BOOST_TEST(help.find("Hello within this (default " + std::to_string(defaults.hello_timeout.count()) + ")") !=
             std::string::npos);
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

BOOST_AUTO_TEST_CASE(client_security_options) {
  const auto result = parse({"--tokens", "t", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--allow-plain",
                             "--allow-origin", "https://a.example", "--allow-origin", "http://localhost:8000",
                             "--max-clients", "7", "--rate-limit", "5/9", "--auth-timeout", "3", "--http-timeout",
                             "4", "--max-message-bytes", "2048"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  const ClientLimits& c = result.config.clients;
  BOOST_TEST(c.tls.enabled());
  BOOST_TEST(c.tls.cert_file == "c.pem");
  BOOST_TEST(c.tls.key_file == "k.pem");
  BOOST_TEST(c.tls.allow_plain);
  BOOST_TEST(c.allowed_origins == (std::vector<std::string>{"https://a.example", "http://localhost:8000"}));
  BOOST_TEST(c.max_sessions == 7u);
  BOOST_TEST(c.requests.per_second == 5.0);
  BOOST_TEST(c.requests.burst == 9.0);
  BOOST_TEST(c.auth_timeout.count() == 3);
  BOOST_TEST(c.http_timeout.count() == 4);
  BOOST_TEST(c.max_request_bytes == 2048u);

  const auto defaults = parse({"--tokens", "t"}).config.clients;
  BOOST_TEST(!defaults.tls.enabled());
  BOOST_TEST(defaults.allowed_origins.empty());
  BOOST_TEST(defaults.auth_timeout.count() == 10);
  BOOST_TEST(parse({"--tokens", "t", "--rate-limit", "20"}).config.clients.requests.burst == 40.0);
}

BOOST_AUTO_TEST_CASE(ping_interval_sets_the_interval_and_a_timeout_in_the_same_ratio) {
  const KeepAliveLimits defaults;
  const auto keep_alive = parse({"--tokens", "t", "--ping-interval", "1"}).config.clients.delivery.keep_alive;
  BOOST_TEST(keep_alive.ping_interval.count() == 1000);
  BOOST_TEST(keep_alive.ping_timeout.count() ==
             (keep_alive.ping_interval * (defaults.ping_timeout / defaults.ping_interval)).count());
  BOOST_TEST(keep_alive.ping_timeout.count() >= 4 * keep_alive.ping_interval.count());
  const auto unset = parse({"--tokens", "t"}).config.clients.delivery.keep_alive;
  BOOST_TEST(unset.ping_interval.count() == defaults.ping_interval.count());
  BOOST_TEST(unset.ping_timeout.count() == defaults.ping_timeout.count());
  for (const char* bad : {"0", "-1", "0.5", "3601", ""})
    BOOST_TEST(!parse({"--tokens", "t", "--ping-interval", bad}).error.empty(), bad);
  // --help quotes the defaults of the struct.
  const std::string help = usage("alert-relay");
  BOOST_TEST(help.find("--ping-interval SECONDS") != std::string::npos);
  BOOST_TEST(help.find("this often (default " + std::to_string(defaults.ping_interval.count() / 1000) + ")") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(client_security_options_are_checked) {
  BOOST_TEST(!parse({"--tokens", "t", "--tls-cert", "c.pem"}).error.empty());  // key missing
  BOOST_TEST(!parse({"--tokens", "t", "--tls-key", "k.pem"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--allow-plain"}).error.empty());        // no TLS to relax
  BOOST_TEST(!parse({"--tokens", "t", "--allow-origin", "example.com"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--max-clients", "0"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--rate-limit", "0"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--rate-limit", "5/"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--rate-limit", "x"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--auth-timeout", "-1"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--http-timeout", "99999"}).error.empty());
  BOOST_TEST(!parse({"--tokens", "t", "--max-message-bytes", "10"}).error.empty());
}

BOOST_AUTO_TEST_SUITE_END()
