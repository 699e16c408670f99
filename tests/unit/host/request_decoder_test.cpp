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

BOOST_AUTO_TEST_CASE(subscribe_encoding_is_json_or_flatbuffers) {
  BOOST_TEST(!std::get<SubscribeRequest>(decode_ok(R"({"type":"alert_subscribe"})").body).flatbuffers);
  BOOST_TEST(!std::get<SubscribeRequest>(decode_ok(R"({"type":"alert_subscribe","encoding":"json"})").body).flatbuffers);
  BOOST_TEST(
      std::get<SubscribeRequest>(decode_ok(R"({"type":"alert_subscribe","encoding":"flatbuffers"})").body).flatbuffers);
  expect_code(R"({"type":"alert_subscribe","encoding":"protobuf"})", ErrorCode::BadRequest);
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

  DecoderLimits small_limits;
  small_limits.max_message_bytes = 16;
  const RequestDecoder small(small_limits);
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

BOOST_AUTO_TEST_CASE(field_limits_are_too_large) {
  expect_code(R"({"type":"auth","token":")" + std::string(1025, 't') + R"("})", ErrorCode::TooLarge);
  BOOST_TEST(decoder.decode(R"({"type":"auth","token":")" + std::string(1024, 't') + R"("})").request.has_value());
  expect_code(R"({"type":"alert_subscribe","sources":[")" + std::string(129, 's') + R"("]})", ErrorCode::TooLarge);
  std::string many = R"({"type":"alert_subscribe","sources":[)";
  for (int i = 0; i < 65; ++i) many += (i ? ",\"s" : "\"s") + std::to_string(i) + "\"";
  expect_code(many + "]}", ErrorCode::TooLarge);
  // reqId: a bounded string or an integer.
  expect_code(R"({"type":"auth","token":"t","reqId":")" + std::string(129, 'r') + R"("})", ErrorCode::BadRequest);
}

BOOST_AUTO_TEST_CASE(alert_requests_pass_the_envelope_and_keep_their_limits) {
  const auto ack = decode_ok(R"({"type":"alert_ack","reqId":"k1","alertId":"rover-1-00-1"})");
  BOOST_TEST(ack.req_id.as_string() == "k1");
  const auto* alert = std::get_if<AlertRequest>(&ack.body);
  BOOST_TEST_REQUIRE(alert != nullptr);
  BOOST_TEST(std::get<AckRequest>(*alert).alert_id == "rover-1-00-1");
  BOOST_TEST(std::holds_alternative<AlertRequest>(decode_ok(R"({"type":"get_stats"})").body));

  const std::string create = R"({"type":"alert_create","reqId":2,"message":"m","priority":"high","source":"s",)";
  BOOST_TEST(decoder.decode(create + R"("title":")" + std::string(256, 'x') + R"("})").request.has_value());
  const auto long_title = decode_error(create + R"("title":")" + std::string(257, 'x') + R"("})");
  BOOST_TEST((long_title.code == ErrorCode::TooLarge));
  BOOST_TEST(long_title.req_id.as_int64() == 2);
  expect_code(create + R"("persistent":"yes"})", ErrorCode::BadRequest);
  std::string metadata = create + R"("metadata":{)";
  for (int i = 0; i < 33; ++i) metadata += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  expect_code(metadata + "}}", ErrorCode::TooLarge);
  expect_code(create + R"("metadata":{"k":")" + std::string(9000, 'v') + R"("}})", ErrorCode::TooLarge);
  expect_code(R"({"type":"alert_ack","alertId":")" + std::string(257, 'a') + R"("})", ErrorCode::TooLarge);
  expect_code(R"({"type":"alert_ack","alertId":7})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_clear"})", ErrorCode::BadRequest);
}

const AlertRequest& alert_request(const Request& request) { return std::get<AlertRequest>(request.body); }

BOOST_AUTO_TEST_CASE(alert_shelve_names_an_alert_or_a_key_always_expires_and_gives_a_reason) {
  const auto by_id = decode_ok(R"({"type":"alert_shelve","alertId":"a1","durationSeconds":60,"reason":"swap"})");
  const auto& shelve = std::get<ShelveAlertRequest>(alert_request(by_id));
  BOOST_TEST(shelve.alert_id == "a1");
  BOOST_TEST(!shelve.by_key);
  BOOST_TEST(*shelve.duration_s == 60u);
  BOOST_TEST(shelve.reason == "swap");
  const auto by_key = decode_ok(R"({"type":"alert_shelve","key":"k","rover":"r","scope":"key","oneShot":true,"reason":"x"})");
  const auto& key = std::get<ShelveAlertRequest>(alert_request(by_key));
  BOOST_TEST(key.by_key);
  BOOST_TEST(key.one_shot);
  BOOST_TEST(!key.duration_s.has_value());  // one-shot: the relay's maximum
  const auto key_alone = decode_ok(R"({"type":"alert_shelve","key":"k","durationSeconds":60,"reason":"x"})");
  BOOST_TEST(std::get<ShelveAlertRequest>(alert_request(key_alone)).by_key);  // scope key, as documented
  const std::string shelve_a1 = R"({"type":"alert_shelve","alertId":"a1",)";
  expect_code(shelve_a1 + R"("durationSeconds":60})", ErrorCode::BadRequest);                  // no reason
  expect_code(shelve_a1 + R"("durationSeconds":60,"reason":""})", ErrorCode::BadRequest);      // empty reason
  expect_code(shelve_a1 + R"("reason":"r"})", ErrorCode::BadRequest);                          // never expires
  expect_code(shelve_a1 + R"("durationSeconds":0,"reason":"r"})", ErrorCode::BadRequest);
  expect_code(shelve_a1 + R"("durationSeconds":-5,"reason":"r"})", ErrorCode::BadRequest);
  expect_code(shelve_a1 + R"("durationSeconds":60,"reason":"r","scope":"rover"})", ErrorCode::BadRequest);
  expect_code(shelve_a1 + R"("durationSeconds":60,"reason":")" + std::string(257, 'r') + R"("})", ErrorCode::TooLarge);
  expect_code(R"({"type":"alert_shelve","alertId":"a1","key":"k","durationSeconds":1,"reason":"r"})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_shelve","durationSeconds":1,"reason":"r"})", ErrorCode::BadRequest);  // names nothing
  expect_code(R"({"type":"alert_shelve","key":"k","scope":"alert","durationSeconds":1,"reason":"r"})", ErrorCode::BadRequest);
  expect_code(R"({"type":"alert_unshelve","alertId":"a1","rover":"r"})", ErrorCode::BadRequest);
  BOOST_TEST(std::get<UnshelveAlertRequest>(alert_request(decode_ok(R"({"type":"alert_unshelve","key":"k"})"))).key == "k");
}

BOOST_AUTO_TEST_CASE(out_of_service_names_a_rover_or_source_with_a_reason) {
  const auto set = decode_ok(R"({"type":"out_of_service","scope":"source","value":"power","reason":"rewiring"})");
  const auto& rule = std::get<OutOfServiceRequest>(alert_request(set));
  BOOST_TEST((rule.scope == ServiceScope::Source));
  BOOST_TEST(rule.value == "power");
  expect_code(R"({"type":"out_of_service","scope":"source","value":"power"})", ErrorCode::BadRequest);
  expect_code(R"({"type":"out_of_service","scope":"planet","value":"mars","reason":"r"})", ErrorCode::BadRequest);
  expect_code(R"({"type":"return_to_service","scope":"rover"})", ErrorCode::BadRequest);
  BOOST_TEST(std::get<ReturnToServiceRequest>(
                 alert_request(decode_ok(R"({"type":"return_to_service","scope":"rover","value":"r1"})"))).value == "r1");
  BOOST_TEST(std::holds_alternative<SuppressionListRequest>(alert_request(decode_ok(R"({"type":"suppression_list"})"))));
}

BOOST_AUTO_TEST_CASE(configured_field_limits_reach_alert_requests) {
  DecoderLimits limits;
  limits.fields.max_title_bytes = 4;
  limits.fields.max_token_bytes = 3;
  const RequestDecoder strict(limits);
  const std::string create = R"({"type":"alert_create","message":"m","priority":"high","source":"s","title":)";
  BOOST_TEST(strict.decode(create + R"("abcd"})").request.has_value());
  BOOST_TEST((strict.decode(create + R"("abcde"})").error.code == ErrorCode::TooLarge));
  BOOST_TEST((strict.decode(R"({"type":"auth","token":"abcd"})").error.code == ErrorCode::TooLarge));
}

BOOST_AUTO_TEST_CASE(echoed_type_names_stay_valid_utf8) {
  // 63 ASCII bytes then a 3-byte character: a cut at 64 bytes would split it.
  const std::string name = std::string(63, 'x') + "\xe2\x82\xac" + "tail";
  const auto error = decode_error(R"({"type":")" + name + R"("})");
  BOOST_TEST(error.message.find(std::string(63, 'x') + "`") != std::string::npos, error.message);
}

BOOST_AUTO_TEST_SUITE_END()
