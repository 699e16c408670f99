#include "protocol/response_json.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace rover_alerts::relay;

BOOST_AUTO_TEST_SUITE(response_json)

BOOST_AUTO_TEST_CASE(welcome_lists_who_where_and_what_they_may_do) {
  const Welcome welcome{"c7", Identity{"oscar", Role::Operator}, "00ff", 12, 1700000000000,
                        {"alert_subscribe", "alert_ack"}};
  BOOST_TEST(welcome_message(welcome) ==
             R"({"type":"welcome","clientId":"c7","user":"oscar","role":"operator","epoch":"00ff","rev":12,)"
             R"("serverTime":1700000000000,"may":["alert_subscribe","alert_ack"]})");
}

BOOST_AUTO_TEST_CASE(ok_response_echoes_the_req_id) {
  boost::json::object result;
  result.emplace("rev", 3);
  BOOST_TEST(ok_response("r1", result) == R"({"type":"response","reqId":"r1","ok":true,"result":{"rev":3}})");
  BOOST_TEST(ok_response(17, result) == R"({"type":"response","reqId":17,"ok":true,"result":{"rev":3}})");
  BOOST_TEST(ok_response(nullptr, result) == R"({"type":"response","ok":true,"result":{"rev":3}})");
}

BOOST_AUTO_TEST_CASE(errors_with_and_without_req_id) {
  BOOST_TEST(error_message("r2", ErrorCode::Forbidden, "admins only") ==
             R"({"type":"response","reqId":"r2","ok":false,"error":{"code":"FORBIDDEN","message":"admins only"}})");
  BOOST_TEST(error_message(nullptr, ErrorCode::TooLarge, "too big") ==
             R"({"type":"error","error":{"code":"TOO_LARGE","message":"too big"}})");
}

BOOST_AUTO_TEST_CASE(resync_required) {
  BOOST_TEST(resync_required_message(41, "slow") == R"({"type":"resync_required","rev":41,"reason":"slow"})");
}

BOOST_AUTO_TEST_SUITE_END()
