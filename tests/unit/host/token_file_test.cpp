#include "auth/token_file.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace rover_alerts::relay;

namespace {

TokenFile parse_ok(std::string_view text) {
  TokenFileError error;
  auto file = TokenFile::parse(text, error);
  BOOST_TEST_REQUIRE(file.has_value(), "unexpected error: " << error.describe("test"));
  return std::move(*file);
}

TokenFileError parse_error(std::string_view text) {
  TokenFileError error;
  const auto file = TokenFile::parse(text, error);
  BOOST_TEST_REQUIRE(!file.has_value());
  return error;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_file)

BOOST_AUTO_TEST_CASE(good_file_maps_tokens_to_users_and_roles) {
  const auto file = parse_ok("admin ada token-of-ada-0001\noperator oscar token-of-oscar-01\nviewer vera token-of-vera-001\n");
  BOOST_TEST(file.size() == 3u);
  const auto ada = file.lookup("token-of-ada-0001");
  BOOST_TEST_REQUIRE(ada.has_value());
  BOOST_TEST(ada->user == "ada");
  BOOST_TEST((ada->role == Role::Admin));
  BOOST_TEST((file.lookup("token-of-oscar-01")->role == Role::Operator));
  BOOST_TEST(file.lookup("token-of-vera-001")->user == "vera");
  BOOST_TEST((file.lookup("token-of-vera-001")->role == Role::Viewer));
}

BOOST_AUTO_TEST_CASE(lookup_needs_the_exact_token) {
  const auto file = parse_ok("admin ada secret-token-0123\n");
  BOOST_TEST(!file.lookup("").has_value());
  BOOST_TEST(!file.lookup("secret").has_value());
  BOOST_TEST(!file.lookup("secret-token-0123-").has_value());
  BOOST_TEST(!file.lookup("Secret-token-0123").has_value());
  BOOST_TEST(file.lookup("secret-token-0123").has_value());
}

BOOST_AUTO_TEST_CASE(comments_blank_lines_tabs_and_crlf_are_accepted) {
  const auto file = parse_ok(
      "# users of the test relay\n"
      "\n"
      "   # an indented comment\n"
      "admin\tada   token-of-ada-0001\r\n"
      "  \t \n"
      "viewer vera token-of-vera-001");  // no final newline
  BOOST_TEST(file.size() == 2u);
  BOOST_TEST(file.lookup("token-of-ada-0001")->user == "ada");
  BOOST_TEST(file.lookup("token-of-vera-001")->user == "vera");
}

BOOST_AUTO_TEST_CASE(bad_role_is_reported_with_its_line) {
  const auto error = parse_error("# header\nadmin ada token-of-ada-0001\nroot rob token-of-rob-0001\n");
  BOOST_TEST(error.line == 3u);
  BOOST_TEST(error.message.find("unknown role `root`") != std::string::npos);
  BOOST_TEST(error.describe("users.tokens") == "users.tokens:3: " + error.message);
}

BOOST_AUTO_TEST_CASE(missing_field_is_reported_with_its_line) {
  const auto error = parse_error("admin ada token-of-ada-0001\n\noperator oscar\n");
  BOOST_TEST(error.line == 3u);
  BOOST_TEST(error.message.find("expected") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(extra_field_is_rejected) {
  const auto error = parse_error("admin ada token-of-ada-0001 extra\n");
  BOOST_TEST(error.line == 1u);
}

BOOST_AUTO_TEST_CASE(duplicate_token_is_rejected) {
  const auto error = parse_error(
      "admin ada same-token-0000001\nviewer vera other-token-000001\noperator oscar same-token-0000001\n");
  BOOST_TEST(error.line == 3u);
  BOOST_TEST(error.message.find("duplicate token") != std::string::npos);
  BOOST_TEST(error.message.find("ada") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_without_users_is_rejected) {
  const auto error = parse_error("# nobody\n\n");
  BOOST_TEST(error.line == 0u);
  BOOST_TEST(error.describe("empty.tokens") == "empty.tokens: no users defined");
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_error_not_an_exception) {
  TokenFileError error;
  const auto file = TokenFile::load("/nonexistent/dir/users.tokens", error);
  BOOST_TEST(!file.has_value());
  BOOST_TEST(error.line == 0u);
  BOOST_TEST(!error.message.empty());
}

BOOST_AUTO_TEST_CASE(load_reads_a_file) {
  const auto path = std::filesystem::temp_directory_path() / "relay_token_file_test.tokens";
  {
    std::ofstream out(path);
    out << "operator oscar token-of-oscar-01\n";
  }
  namespace fs = std::filesystem;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  TokenFileError error;
  const auto file = TokenFile::load(path, error);
  BOOST_TEST_REQUIRE(file.has_value(), error.message);
  BOOST_TEST(file->lookup("token-of-oscar-01")->user == "oscar");
  // Open to other users (as a file in git is, 0644): refused, and so is 0602.
  for (const fs::perms other : {fs::perms::others_read, fs::perms::others_write}) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | other);
    BOOST_TEST(!TokenFile::load(path, error).has_value());
    BOOST_TEST(error.message.find("other users") != std::string::npos);
  }
  fs::remove(path);
}

BOOST_AUTO_TEST_CASE(tokens_shorter_than_128_bits_are_refused) {
  const auto error = parse_error("admin ada 0123456789abcde\n");  // 15 bytes
  BOOST_TEST(error.line == 1u);
  BOOST_TEST(error.message.find("shorter than 16 bytes") != std::string::npos);
  parse_ok("admin ada 0123456789abcdef\n");  // 16: enough
}

BOOST_AUTO_TEST_CASE(demo_token_file_parses) {
  TokenFileError error;
  const auto file = TokenFile::load(ROVER_ALERTS_DEMO_TOKENS, error);
  BOOST_TEST_REQUIRE(file.has_value(), error.describe(ROVER_ALERTS_DEMO_TOKENS));
  BOOST_TEST(file->size() == 3u);
  BOOST_TEST((file->lookup("demo-admin-token")->role == Role::Admin));
  BOOST_TEST(file->lookup("demo-operator-token")->user == "oscar");
  BOOST_TEST((file->lookup("demo-viewer-token")->role == Role::Viewer));
}

BOOST_AUTO_TEST_SUITE_END()
