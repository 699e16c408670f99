#include "protocol/request_decoder.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace rover_alerts::relay;

namespace {

const RequestDecoder decoder;  // default limits: 64 KiB, depth 16

Request decode_ok(std::string_view text) {
  auto result = decoder.decode(text);
  BOOST_TEST_REQUIRE(result.request.has_value(), "rejected: " << result.error.message);
  return std::move(*result.request);
}

DecodeError decode_error(std::string_view text) {
  auto result = decoder.decode(text);
  BOOST_TEST_REQUIRE(!result.request.has_value(), "accepted: " << text);
  BOOST_TEST(!result.error.message.empty());
  return std::move(result.error);
}

void expect_code(std::string_view text, ErrorCode code) {
  const auto error = decode_error(text);
  BOOST_TEST(to_string(error.code) == to_string(code), "for " << text << ": " << error.message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_decoder)

BOOST_AUTO_TEST_CASE(auth_with_string_or_number_req_id) {
  const auto request = decode_ok(R"({"type":"auth","reqId":"a1","token":"demo-admin-token"})");
  BOOST_TEST(request.req_id.as_string() == "a1");
  const auto* auth = std::get_if<AuthRequest>(&request.body);
  BOOST_TEST_REQUIRE(auth != nullptr);
  BOOST_TEST(auth->token == "demo-admin-token");

  const auto numbered = decode_ok(R"({"token":"t","type":"auth","reqId":5})");
  BOOST_TEST(numbered.req_id.as_int64() == 5);
  BOOST_TEST(decode_ok(R"({"type":"auth","token":"t"})").req_id.is_null());
}

BOOST_AUTO_TEST_CASE(subscribe_with_filters) {
  const auto request = decode_ok(
      R"({"type":"alert_subscribe","reqId":"s1","priorities":["critical","info"],"sources":["power","nav"],)"
      R"("sinceRev":41,"batchSize":25,"compression":"none"})");
  const auto* subscribe = std::get_if<SubscribeRequest>(&request.body);
  BOOST_TEST_REQUIRE(subscribe != nullptr);
  BOOST_TEST_REQUIRE(subscribe->priorities.size() == 2u);
  BOOST_TEST((subscribe->priorities[0] == Priority::Critical));
  BOOST_TEST((subscribe->priorities[1] == Priority::Info));
  BOOST_TEST(subscribe->sources == (std::vector<std::string>{"power", "nav"}));
  BOOST_TEST_REQUIRE(subscribe->since_rev.has_value());
  BOOST_TEST(*subscribe->since_rev == 41u);
}

BOOST_AUTO_TEST_CASE(subscribe_to_everything) {
  const auto request = decode_ok(R"({"type":"alert_subscribe"})");
  const auto& subscribe = std::get<SubscribeRequest>(request.body);
  BOOST_TEST(subscribe.priorities.empty());
  BOOST_TEST(subscribe.sources.empty());
  BOOST_TEST(!subscribe.since_rev.has_value());
}

BOOST_AUTO_TEST_CASE(malformed_json_is_a_bad_request) {
  expect_code("", ErrorCode::BadRequest);
  expect_code("{", ErrorCode::BadRequest);
  expect_code(R"({"type":"auth","token":"t"} trailing)", ErrorCode::BadRequest);
  expect_code(R"({"type":"auth",})", ErrorCode::BadRequest);
  expect_code("not json", ErrorCode::BadRequest);
}

BOOST_AUTO_TEST_CASE(wrong_types_are_bad_requests) {
  expect_code(R"(["auth"])", ErrorCode::BadRequest);
  expect_code(R"("auth")", ErrorCode::BadRequest);
  expect_code(R"({"token":"t"})", ErrorCode::BadRequest);
  expect_code(R"({"type":7,"token":"t"})", ErrorCode::BadRequest);
  expect_code(R"({"type":"auth","token":42})", ErrorCode::BadRequest);
  expect_code(R"({"type":"auth","token":""})", ErrorCode::BadRequest);
  expect_code(R"({"type":"auth","token":"t","reqId":{"a":1}})", ErrorCode::BadRequest);
  expect_code(R"({"type":"auth","token":"t","reqId":1.5})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_subscribe","priorities":"critical"})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_subscribe","priorities":["urgent"]})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_subscribe","priorities":[]})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_subscribe","sources":[1]})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_subscribe","sinceRev":-1})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_subscribe","sinceRev":"5"})", ErrorCode::BadRequest);
}

BOOST_AUTO_TEST_CASE(errors_keep_the_req_id_when_it_was_readable) {
  const auto error = decode_error(R"({"type":"auth","reqId":"r9","token":1})");
  BOOST_TEST(error.req_id.as_string() == "r9");
  BOOST_TEST(decode_error("{").req_id.is_null());
}

BOOST_AUTO_TEST_CASE(unknown_type_is_a_bad_request) {
  const auto error = decode_error(R"({"type":"launch_missiles","reqId":3})");
  BOOST_TEST((error.code == ErrorCode::BadRequest));
  BOOST_TEST(error.req_id.as_int64() == 3);
  BOOST_TEST(error.message.find("launch_missiles") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(oversize_message_is_too_large) {
  const std::string head = R"({"type":"auth","token":"t"})";
  std::string at_limit = head + std::string(64 * 1024 - head.size(), ' ');
  BOOST_TEST(decoder.decode(at_limit).request.has_value());
  expect_code(at_limit + " ", ErrorCode::TooLarge);

  const RequestDecoder small({.max_message_bytes = 16});
  BOOST_TEST((small.decode(head).error.code == ErrorCode::TooLarge));
  BOOST_TEST(!small.decode(head).request.has_value());
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_too_large) {
  // The object itself is one level; `x` adds `depth` more.
  const auto nested = [](std::size_t depth) {
    return R"({"type":"auth","token":"t","x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  BOOST_TEST(decoder.decode(nested(15)).request.has_value());
  expect_code(nested(16), ErrorCode::TooLarge);
  expect_code(nested(10000), ErrorCode::TooLarge);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_a_bad_request) {
  expect_code("{\"type\":\"auth\",\"token\":\"\xff\"}", ErrorCode::BadRequest);
  expect_code("{\"type\":\"auth\",\"token\":\"\xc0\xaf\"}", ErrorCode::BadRequest);      // overlong '/'
  expect_code("{\"type\":\"auth\",\"token\":\"\xed\xa0\x80\"}", ErrorCode::BadRequest);  // surrogate
  expect_code("{\"type\":\"auth\",\"token\":\"ab\xe2\x82\"}", ErrorCode::BadRequest);    // cut short
  // Valid multi-byte UTF-8 is fine.
  BOOST_TEST(decoder.decode("{\"type\":\"auth\",\"token\":\"caf\xc3\xa9\"}").request.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
