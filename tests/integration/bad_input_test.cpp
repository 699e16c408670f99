// Bad input never hurts: each kind of bad input from a WebSocket client, an
// HTTP client or a rover link gets its error code or close reason and is
// counted on /metrics, while the real relay process stays alive and keeps
// serving a well-behaved client (it still gets a rover's alert, /healthz
// still answers).

#include "relay_under_test.hpp"

#include <rover_alerts/link_framing.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

namespace json = boost::json;
namespace websocket = boost::beast::websocket;
using namespace rover_alerts::testing;

namespace {

// Small limits so that the tests stay small and quick.
struct BadInputFixture {
  RelayUnderTest relay{{"--rate-limit", "20/20", "--auth-timeout", "2", "--http-timeout", "2",
                        "--max-message-bytes", "4096"}};
  std::unique_ptr<WsProbe> bystander;
  int rovers = 0;

  BadInputFixture() {
    bystander = std::make_unique<WsProbe>(relay.http());
    bystander->auth("demo-viewer-token");
    bystander->send_text(R"({"type":"alert_subscribe","reqId":"sub"})");
    const auto response = parse_object(bystander->read());
    BOOST_REQUIRE(response.at("ok").as_bool());
  }

  std::unique_ptr<WsProbe> authenticated(const std::string& token = "demo-operator-token") {
    auto client = std::make_unique<WsProbe>(relay.http());
    client->auth(token);
    return client;
  }

  // The relay is alive, answers /healthz and still delivers a rover's alert
  // to the well-behaved subscriber.
  void others_unharmed() {
    BOOST_REQUIRE_MESSAGE(relay.alive(), "the relay process died");
    BOOST_TEST(http_request(relay.http(), "/healthz", {}, 5000).status == 200);
    const std::string rover = "rover-bystander-" + std::to_string(++rovers);
    BOOST_TEST(run_rover_sim(relay.link(), rover));
    for (;;) {
      const auto message = parse_object(bystander->read());
      if (message.at("type") != "alert") continue;  // e.g. a late reply
      BOOST_TEST(message.at("data").at("data").at("rover").as_string() == rover);
      break;
    }
  }

  std::uint64_t rejected(const std::string& code) {
    return metric(relay.http(), "ws_requests_rejected_total{code=\"" + code + "\"}");
  }
};

// The reply to one request: the error code, checking the reqId came back.
std::string error_for(WsProbe& client, const std::string& request, const std::string& req_id = {}) {
  client.send_text(request);
  const auto reply = parse_object(client.read());
  if (!req_id.empty()) {
    BOOST_TEST(reply.at("type").as_string() == "response");
    BOOST_TEST(reply.at("reqId").as_string() == req_id);
    BOOST_TEST(!reply.at("ok").as_bool());
  }
  return error_code_of(reply);
}

// The session is still usable: a request gets its answer.
void still_served(WsProbe& client) {
  client.send_text(R"({"type":"alert_subscribe","reqId":"alive"})");
  const auto reply = parse_object(client.read());
  BOOST_TEST(reply.at("reqId").as_string() == "alive");
}

std::vector<std::uint8_t> hello_frame() {
  flatbuffers::FlatBufferBuilder builder(128);
  const auto rover = builder.CreateString("rover-x");
  const auto hello = rover_alerts::link::CreateHello(builder, 1, rover, 42, 0, 0, false);
  const auto frame =
      rover_alerts::link::CreateFrame(builder, 0, 1, rover_alerts::link::Payload::Hello, hello.Union());
  builder.FinishSizePrefixed(frame, rover_alerts::link::FrameIdentifier());
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

std::vector<std::uint8_t> heartbeat_frame() {
  flatbuffers::FlatBufferBuilder builder(128);
  const auto beat = rover_alerts::link::CreateHeartbeat(builder, 0, 0, 0, 0, 1000);
  const auto frame =
      rover_alerts::link::CreateFrame(builder, 0, 1, rover_alerts::link::Payload::Heartbeat, beat.Union());
  builder.FinishSizePrefixed(frame, rover_alerts::link::FrameIdentifier());
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

std::uint64_t link_rejected(const Endpoint& http, const std::string& reason) {
  return metric(http, "link_frames_rejected_total{reason=\"" + reason + "\"}");
}

// Sends `bytes` on a fresh link connection (then, if `end`, half-closes) and
// expects the relay to hang up.
void link_sends(const Endpoint& link, const std::vector<std::uint8_t>& bytes, bool end = false) {
  RawConnection connection(link);
  connection.send(bytes.data(), bytes.size());
  if (end) connection.shutdown_send();
  BOOST_TEST(connection.closed_by_peer(), "the relay kept the link open");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(bad_input, BadInputFixture)

BOOST_AUTO_TEST_CASE(malformed_json_is_a_bad_request_and_the_session_stays) {
  auto client = authenticated();
  const auto before = rejected("BAD_REQUEST");
  BOOST_TEST(error_for(*client, "{\"type\":\"alert_subscribe\",") == "BAD_REQUEST");
  BOOST_TEST(error_for(*client, "not json at all") == "BAD_REQUEST");
  BOOST_TEST(error_for(*client, "[1,2,3]") == "BAD_REQUEST");
  still_served(*client);
  BOOST_TEST(rejected("BAD_REQUEST") == before + 3);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(wrong_types_and_unknown_types_are_bad_requests) {
  auto client = authenticated();
  BOOST_TEST(error_for(*client, R"({"type":"alert_subscribe","reqId":"w1","priorities":"critical"})", "w1") ==
             "BAD_REQUEST");
  BOOST_TEST(error_for(*client, R"({"type":"alert_subscribe","reqId":"w2","sinceRev":"7"})", "w2") == "BAD_REQUEST");
  BOOST_TEST(error_for(*client, R"({"type":"alert_ack","reqId":"w3","alertId":42})", "w3") == "BAD_REQUEST");
  BOOST_TEST(error_for(*client, R"({"type":42,"reqId":"w4"})", "w4") == "BAD_REQUEST");
  BOOST_TEST(error_for(*client, R"({"type":"launch_rockets","reqId":"w5"})", "w5") == "BAD_REQUEST");
  still_served(*client);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(oversized_messages_are_too_large_or_closed) {
  auto client = authenticated();
  const auto before = rejected("TOO_LARGE");
  // Over the 4096-byte limit but within what is read: answered TOO_LARGE.
  BOOST_TEST(error_for(*client, R"({"type":"auth","token":")" + std::string(6000, 'x') + R"("})") == "TOO_LARGE");
  // Fields over their own limits.
  BOOST_TEST(error_for(*client, R"({"type":"alert_ack","reqId":"f1","alertId":")" + std::string(300, 'a') + R"("})",
                       "f1") == "TOO_LARGE");
  still_served(*client);
  // Far over it: the WebSocket fails with 1009 (message too big). The relay
  // closes while most of the 100 KiB is still unread in its socket, so its
  // kernel may answer with a reset that discards the close frame on the way:
  // then the reset is the close, and the counter below shows the reason.
  client->send_text(std::string(100 * 1024, ' '));
  const auto reason = client->read_until_closed();
  if (reason.code != websocket::close_code::too_big) {
    const auto ec = client->last_error();
    BOOST_TEST_MESSAGE("no close frame: " << ec.message());
    BOOST_TEST((ec == boost::asio::error::connection_reset || ec == boost::asio::error::eof ||
                ec == boost::asio::error::operation_aborted || ec == boost::asio::error::broken_pipe),
               ec.message());
  }
  BOOST_TEST(rejected("TOO_LARGE") == before + 3);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(deeply_nested_json_is_too_large) {
  auto client = authenticated();
  const std::string deep = R"({"type":"alert_subscribe","reqId":"d","x":)" + std::string(500, '[') +
                           std::string(500, ']') + "}";
  client->send_text(deep);
  const auto reply = parse_object(client->read());
  BOOST_TEST(error_code_of(reply) == "TOO_LARGE");
  BOOST_TEST(std::string(reply.at("error").at("message").as_string()).find("nested") != std::string::npos);
  still_served(*client);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_a_text_frame_fails_the_websocket) {
  auto client = authenticated();
  const auto before = metric(relay.http(), "ws_protocol_errors_total{reason=\"invalid_utf8\"}");
  client->send_text("{\"type\":\"alert_subscribe\",\"reqId\":\"\xff\xfe\"}");
  const auto reason = client->read_until_closed();
  BOOST_TEST(reason.code == websocket::close_code::bad_payload);  // 1007
  BOOST_TEST(metric(relay.http(), "ws_protocol_errors_total{reason=\"invalid_utf8\"}") == before + 1);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(binary_frames_are_bad_requests) {
  auto client = authenticated();
  client->send_binary(std::string("\x00\x01\x02\xff", 4));
  BOOST_TEST(error_code_of(parse_object(client->read())) == "BAD_REQUEST");
  still_served(*client);
  // Before authentication, a binary frame ends the session.
  WsProbe stranger(relay.http());
  stranger.send_binary("{\"type\":\"auth\"}");
  BOOST_TEST(error_code_of(parse_object(stranger.read())) == "UNAUTHENTICATED");
  BOOST_TEST(stranger.read_until_closed().code == websocket::close_code::policy_error);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(a_burst_over_the_rate_limit_is_rate_limited_and_the_session_stays) {
  auto client = authenticated();
  // 20 tokens: a burst of 30 gets some RATE_LIMITED (a few tokens may refill meanwhile).
  for (int i = 0; i < 30; ++i)
    client->send_text(R"({"type":"alert_subscribe","reqId":"r)" + std::to_string(i) + R"("})");
  int limited = 0;
  for (int i = 0; i < 30; ++i) {
    const auto reply = parse_object(client->read());
    BOOST_TEST(reply.at("reqId").as_string() == "r" + std::to_string(i));  // every request is answered, in order
    if (error_code_of(reply) == "RATE_LIMITED") ++limited;
  }
  BOOST_TEST(limited > 0);
  // After a pause the bucket has refilled: served normally again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  client->send_text(R"({"type":"alert_subscribe","reqId":"after"})");
  const auto reply = parse_object(client->read());
  BOOST_TEST(reply.at("reqId").as_string() == "after");
  BOOST_TEST(error_code_of(reply) != "RATE_LIMITED");
  BOOST_TEST(metric(relay.http(), "ws_requests_rejected_total{code=\"RATE_LIMITED\"}") >= 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(a_sustained_flood_is_closed_with_a_reason) {
  auto client = authenticated();
  for (int i = 0; i < 2000; ++i) client->send_text(R"({"type":"get_stats"})");
  const auto reason = client->read_until_closed();
  BOOST_TEST(reason.code == websocket::close_code::policy_error);
  BOOST_TEST(std::string(reason.reason.c_str()) == "request rate limit exceeded");
  BOOST_TEST(metric(relay.http(), "ws_sessions_closed_rate_total") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(a_client_that_never_authenticates_is_closed) {
  WsProbe silent(relay.http());
  // The relay says why, then closes (auth timeout 2 s; the read timeout is the upper bound).
  BOOST_TEST(error_code_of(parse_object(silent.read())) == "UNAUTHENTICATED");
  const auto reason = silent.read_until_closed();
  BOOST_TEST(reason.code == websocket::close_code::policy_error);
  BOOST_TEST(std::string(reason.reason.c_str()) == "authentication timeout");
  BOOST_TEST(metric(relay.http(), "ws_auth_timeouts_total") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(a_slowloris_http_client_is_cut_off) {
  RawConnection slow(relay.http());
  slow.send("GET /healthz HTTP/1.1\r\nHost: relay\r\nX-Slow: ");
  // Meanwhile others are served at once.
  BOOST_TEST(http_request(relay.http(), "/healthz", {}, 5000).status == 200);
  slow.send("a");
  BOOST_TEST(slow.closed_by_peer(), "the relay kept a never-ending request open");
  BOOST_TEST(metric(relay.http(), "http_requests_rejected_total{reason=\"timeout\"}") >= 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(a_malformed_http_request_is_answered_400) {
  RawConnection bad(relay.http());
  bad.send("GARBAGE\x01\x02 / HTTP/9.9\r\n\r\n");
  BOOST_TEST(bad.closed_by_peer());
  BOOST_TEST(metric(relay.http(), "http_requests_rejected_total{reason=\"malformed\"}") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(link_garbage_is_refused) {
  const std::string junk = "this is not a flatbuffer at all";
  std::vector<std::uint8_t> bytes{static_cast<std::uint8_t>(junk.size()), 0, 0, 0};
  bytes.insert(bytes.end(), junk.begin(), junk.end());
  link_sends(relay.link(), bytes);
  BOOST_TEST(link_rejected(relay.http(), "bad_identifier") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(link_truncated_frame_is_refused) {
  auto frame = hello_frame();
  frame.resize(frame.size() / 2);  // the prefix promises more than ever comes
  link_sends(relay.link(), frame, true);
  BOOST_TEST(link_rejected(relay.http(), "truncated") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(link_oversized_length_prefix_is_refused_before_reading_the_body) {
  link_sends(relay.link(), {0x00, 0x00, 0x00, 0x40, 'x'});  // 1 GiB announced
  BOOST_TEST(link_rejected(relay.http(), "too_large") == 1u);
  link_sends(relay.link(), {0x00, 0x00, 0x00, 0x00});  // and an empty frame
  BOOST_TEST(link_rejected(relay.http(), "empty") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(link_frame_failing_verification_is_refused) {
  auto frame = hello_frame();
  // Point the root offset far outside the buffer; the identifier stays valid.
  frame[4] = 0xF0;
  frame[5] = 0xFF;
  frame[6] = 0xFF;
  frame[7] = 0x0F;
  link_sends(relay.link(), frame);
  BOOST_TEST(link_rejected(relay.http(), "invalid") == 1u);
  others_unharmed();
}

BOOST_AUTO_TEST_CASE(link_frame_before_hello_is_refused) {
  link_sends(relay.link(), heartbeat_frame());
  BOOST_TEST(link_rejected(relay.http(), "before_hello") == 1u);
  others_unharmed();
}

// Guessing tokens: past five failures an address waits before its next try is
// even looked at (1 s, then doubling), whatever token it sends; other
// addresses are served as before.
BOOST_AUTO_TEST_CASE(failed_authentications_back_off_per_address) {
  for (int i = 0; i < 6; ++i) {
    WsProbe guesser(relay.http(), 10000, 0, "127.0.0.2");
    BOOST_TEST(error_for(guesser, R"({"type":"auth","reqId":"g","token":"guess-)" + std::to_string(i) + R"("})", "g") ==
               "UNAUTHENTICATED");
  }
  WsProbe blocked(relay.http(), 10000, 0, "127.0.0.2");
  BOOST_TEST(error_for(blocked, R"({"type":"auth","reqId":"real","token":"demo-viewer-token"})", "real") ==
             "RATE_LIMITED");
  BOOST_TEST(blocked.read_until_closed().reason == "authentication blocked");
  BOOST_TEST(metric(relay.http(), "ws_auth_blocked_total") == 1u);
  // The upgrade's Authorization header is held to the same rule.
  {
    RawConnection connection(relay.http(), 10000, "127.0.0.2");
    connection.send("GET /ws HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Authorization: Bearer demo-viewer-token\r\n\r\n");
    std::string head;
    for (char c = 0; head.size() < 4096 && head.find("\r\n\r\n") == std::string::npos && connection.read_exact(&c, 1);)
      head += c;
    BOOST_TEST(head.rfind("HTTP/1.1 429", 0) == 0u, head);
    BOOST_TEST(head.find("Retry-After: ") != std::string::npos, head);
  }
  auto other = authenticated();  // from 127.0.0.1
  still_served(*other);
  others_unharmed();
}

BOOST_AUTO_TEST_SUITE_END()

// Policies that need their own relay.

BOOST_AUTO_TEST_SUITE(client_policies)

// A WebSocket upgrade sent from `local`; `status` gets its status (101, 503,
// ...). The connection stays open while the result is kept.
std::unique_ptr<RawConnection> upgrade(const Endpoint& at, const std::string& local, int& status,
                                       const std::string& extra_headers = {}) {
  auto connection = std::make_unique<RawConnection>(at, 10000, local);
  connection->send("GET /ws HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                   extra_headers + "\r\n");
  std::string head;
  for (char c = 0; head.size() < 12 && connection->read_exact(&c, 1);) head += c;
  status = head.size() == 12 ? std::stoi(head.substr(9, 3)) : 0;
  return connection;
}

int upgrade_status(const Endpoint& at, const std::string& local, const std::string& extra_headers = {}) {
  int status = 0;
  upgrade(at, local, status, extra_headers);
  return status;
}

// --max-clients caps authenticated sessions; those still to authenticate sit
// in a pool of their own (in all and per address), so strangers who connect
// and never authenticate take no operator's place.
BOOST_AUTO_TEST_CASE(authenticated_sessions_are_capped_and_the_unauthenticated_have_a_pool_of_their_own) {
  RelayUnderTest relay({"--max-clients", "2", "--max-unauthenticated", "3/2"});
  const std::string bearer = "Authorization: Bearer demo-viewer-token\r\n";
  std::vector<std::unique_ptr<WsProbe>> strangers;
  strangers.push_back(std::make_unique<WsProbe>(relay.http(), 10000, 0, "127.0.0.2"));
  strangers.push_back(std::make_unique<WsProbe>(relay.http(), 10000, 0, "127.0.0.2"));
  BOOST_TEST(upgrade_status(relay.http(), "127.0.0.2") == 503);  // that address's share
  strangers.push_back(std::make_unique<WsProbe>(relay.http(), 10000, 0, "127.0.0.3"));
  BOOST_TEST(upgrade_status(relay.http(), "127.0.0.4") == 503);  // the whole pool
  BOOST_TEST(metric(relay.http(), "ws_upgrades_refused_total{reason=\"unauthenticated_cap\"}") == 2u);
  BOOST_TEST(metric(relay.http(), "ws_unauthenticated_sessions") == 3u);
  // The pool is full, yet an operator with a token in the upgrade gets in.
  int status = 0;
  const auto operator_session = upgrade(relay.http(), "127.0.0.1", status, bearer);
  BOOST_TEST(status == 101);
  // A pool slot comes back when its session goes; then one authenticates by
  // message and leaves the pool: the second of --max-clients.
  strangers.pop_back();
  for (int i = 0; i < 100 && metric(relay.http(), "ws_unauthenticated_sessions") != 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  WsProbe by_message(relay.http());
  by_message.auth("demo-viewer-token");
  BOOST_TEST(metric(relay.http(), "ws_unauthenticated_sessions") == 2u);
  BOOST_TEST(upgrade_status(relay.http(), "127.0.0.1", bearer) == 503);  // a third is over --max-clients
  // One that authenticates by message past the cap is told so and closed.
  WsProbe late(relay.http());
  BOOST_TEST(error_for(late, R"({"type":"auth","reqId":"a","token":"demo-viewer-token"})", "a") == "RATE_LIMITED");
  BOOST_TEST(late.read_until_closed().code == boost::beast::websocket::close_code::try_again_later);
  BOOST_TEST(metric(relay.http(), "ws_upgrades_refused_total{reason=\"over_capacity\"}") == 2u);
  BOOST_TEST(http_request(relay.http(), "/healthz").status == 200);
  BOOST_TEST(relay.alive());
}

// One address holds at most --max-clients-per-address connections; others are served.
BOOST_AUTO_TEST_CASE(connections_from_one_address_are_capped) {
  RelayUnderTest relay({"--max-clients-per-address", "3"});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(relay.http(), 10000, "127.0.0.5"));
    held.back()->send("GET /healthz HTTP/1.1\r\nHost: relay\r\n");  // a request never finished
  }
  for (int i = 0; i < 100 && metric(relay.http(), "http_connections") < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  RawConnection fourth(relay.http(), 10000, "127.0.0.5");
  BOOST_TEST(fourth.closed_by_peer());
  BOOST_TEST(metric(relay.http(), "http_connections_refused_total{reason=\"address_cap\"}") == 1u);
  BOOST_TEST(http_request(relay.http(), "/healthz").status == 200);  // from 127.0.0.1
  held.clear();
  int status = 0;
  for (int i = 0; i < 100 && status != 101; ++i) {
    status = upgrade_status(relay.http(), "127.0.0.5");
    if (status != 101) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  BOOST_TEST(status == 101);  // the address's slots came back
}

BOOST_AUTO_TEST_CASE(a_client_gone_before_auth_is_forgotten_at_once) {
  // Not only after its 10 s authentication deadline: until then the session
  // (and a relay shutting down) would wait for it.
  RelayUnderTest relay;
  { WsProbe gone(relay.http()); }
  std::uint64_t sessions = 1;
  for (int attempt = 0; attempt < 40 && sessions != 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    sessions = metric(relay.http(), "ws_sessions");
  }
  BOOST_TEST(sessions == 0u);
}

BOOST_AUTO_TEST_CASE(origin_allow_list) {
  RelayUnderTest relay({"--allow-origin", "https://console.example:8443"});
  const std::string upgrade =
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  BOOST_TEST(http_request(relay.http(), "/", upgrade + "Origin: https://evil.example\r\n").status == 403);
  BOOST_TEST(http_request(relay.http(), "/ws", upgrade + "Origin: null\r\n").status == 403);
  BOOST_TEST(metric(relay.http(), "ws_upgrades_refused_total{reason=\"origin\"}") == 2u);
  BOOST_TEST(http_request(relay.http(), "/", upgrade + "Origin: https://console.example:8443\r\n").status == 101);
  BOOST_TEST(http_request(relay.http(), "/", upgrade + "Origin: HTTPS://Console.Example:8443\r\n").status == 101);
  // No Origin: a non-browser client, authenticated by its token.
  BOOST_TEST(http_request(relay.http(), "/", upgrade).status == 101);
  WsProbe tool(relay.http());
  tool.auth("demo-viewer-token");
  BOOST_TEST(metric(relay.http(), "ws_upgrades_refused_total{reason=\"origin\"}") == 2u);
}

BOOST_AUTO_TEST_CASE(metrics_list_the_counters_in_prometheus_text) {
  RelayUnderTest relay;
  WsProbe client(relay.http());
  client.send_text(R"({"type":"auth","token":"wrong"})");
  client.read_until_closed();
  // Without a token: refused (the figures are not for strangers).
  const auto anonymous = http_request(relay.http(), "/metrics");
  BOOST_TEST(anonymous.status == 401);
  BOOST_TEST(anonymous.body.find("ws_") == std::string::npos);
  BOOST_TEST(http_request(relay.http(), "/metrics", "Authorization: Bearer wrong\r\n").status == 401);
  const auto result = metrics_request(relay.http());
  BOOST_TEST(result.status == 200);
  // The bad auth message and the bad bearer token for /metrics.
  BOOST_TEST(result.body.find("# TYPE ws_auth_failures_total counter\nws_auth_failures_total 2\n") !=
             std::string::npos, result.body);
  BOOST_TEST(result.body.find("# TYPE ws_sessions gauge\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// A rover faster than the journal: over the backlog limit the relay stops
// reading its link until a commit catches up (TCP pushes back on the rover);
// nothing is lost and every alert is acknowledged in the end.
BOOST_AUTO_TEST_SUITE(journal_backlog)

BOOST_AUTO_TEST_CASE(over_the_backlog_link_reads_pause_and_nothing_is_lost) {
  RelayUnderTest relay({"--journal-max-backlog", "1"});  // pause after every change
  BOOST_TEST(run_rover_sim(relay.link(), "rover-fast", 200));  // all 200 acknowledged, none lost
  BOOST_TEST(metric(relay.http(), "link_reads_paused_total") >= 1u);
  WsProbe viewer(relay.http());
  viewer.auth("demo-viewer-token");
  viewer.send_text(R"({"type":"get_stats","reqId":"s"})");
  const auto stats = parse_object(viewer.read());
  // Every frame the rover sent (its latest seq) was applied once.
  const auto& rover = stats.at("result").at("rovers").at("rover-fast");
  BOOST_TEST(rover.at("eventsApplied").to_number<std::uint64_t>() == rover.at("latestSeq").to_number<std::uint64_t>());
  BOOST_TEST(rover.at("eventsApplied").to_number<std::uint64_t>() > 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// A full disk: the journal cannot commit. Nothing is answered or published as
// if it were durable, /healthz says so, and once space is freed (an operator
// clears alerts) the backlog commits and the relay is healthy again.
BOOST_AUTO_TEST_SUITE(journal_full)

constexpr int kFillCreates = 60;

// A relay whose journal is full: 60 low alerts of 2 KB (created by `creator`)
// do not fit in --journal-max-bytes 64 KB, so none of them commits; returns
// once /healthz says 503 and every create has reached the store (applied,
// waiting for its commit). Their answers come only after their commit.
void fill_the_journal(RelayUnderTest& relay, WsProbe& creator, WsProbe& admin) {
  const std::string message(2000, 'x');
  for (int i = 0; i < kFillCreates; ++i) {
    creator.send_text(R"({"type":"alert_create","reqId":"c)" + std::to_string(i) +
                      R"(","priority":"low","source":"disk","message":")" + message + R"("})");
  }
  int status = 200;
  for (int attempt = 0; attempt < 200 && status == 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = http_request(relay.http(), "/healthz").status;
  }
  BOOST_REQUIRE(status == 503);
  BOOST_TEST(metric(relay.http(), "journal_commit_failures_total") >= 1u);
  std::int64_t active = 0;
  for (int attempt = 0; attempt < 400 && active < kFillCreates; ++attempt) {
    admin.send_text(R"({"type":"get_stats","reqId":"s"})");
    active = parse_object(admin.read()).at("result").at("active_alerts").to_number<std::int64_t>();
    if (active < kFillCreates) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  BOOST_REQUIRE(active == kFillCreates);
}

// Clearing frees the space: the failed batch and the clear commit together.
void free_the_journal(RelayUnderTest& relay, WsProbe& admin) {
  admin.send_text(R"({"type":"alert_clear","reqId":"free","source":"disk"})");
  const auto reply = parse_object(admin.read());
  BOOST_TEST(reply.at("ok").as_bool());
  BOOST_TEST(reply.at("result").at("cleared").to_number<int>() == kFillCreates);
  BOOST_TEST(http_request(relay.http(), "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(a_full_journal_turns_healthz_to_503_until_commits_succeed_again) {
  RelayUnderTest relay({"--journal-max-bytes", "65536", "--rate-limit", "1000/1000"});
  BOOST_TEST(http_request(relay.http(), "/healthz").status == 200);
  WsProbe creator(relay.http());
  creator.auth("demo-admin-token");
  WsProbe admin(relay.http());
  admin.auth("demo-admin-token");
  fill_the_journal(relay, creator, admin);
  free_the_journal(relay, admin);
  for (int i = 0; i < kFillCreates; ++i) {
    const auto created = parse_object(creator.read());
    BOOST_TEST(created.at("reqId").as_string() == "c" + std::to_string(i));
    BOOST_TEST(created.at("ok").as_bool());
  }
  BOOST_TEST(relay.alive());
}

// Critical changes go out within the journal's reservation, before their
// commit (host/relay/DESIGN.md, the path of a change); routine ones only
// once committed. So while the journal cannot commit, a critical alert still
// reaches every subscriber, and a high one raised just before it waits.
BOOST_AUTO_TEST_CASE(a_critical_alert_reaches_subscribers_while_the_journal_cannot_commit) {
  RelayUnderTest relay({"--journal-max-bytes", "65536", "--rate-limit", "1000/1000"});
  // Reads time out before the relay's next ping (every 5 s) would restart them:
  // a critical alert held for its commit fails the test instead of hanging it.
  WsProbe viewer(relay.http(), 4000);
  viewer.auth("demo-viewer-token");
  viewer.send_text(R"({"type":"alert_subscribe","reqId":"sub"})");
  BOOST_REQUIRE(parse_object(viewer.read_frame()).at("ok").as_bool());
  BOOST_REQUIRE(parse_object(viewer.read_frame()).at("type").as_string() == "catch_up_complete");
  WsProbe creator(relay.http());
  creator.auth("demo-admin-token");
  WsProbe admin(relay.http());
  admin.auth("demo-admin-token");
  fill_the_journal(relay, creator, admin);

  creator.send_text(R"({"type":"alert_create","reqId":"held","priority":"high","source":"held","message":"m"})");
  creator.send_text(R"({"type":"alert_create","reqId":"now","priority":"critical","source":"now","message":"m"})");
  const auto has_held_alert = [](const json::object& message) {
    if (message.at("type").as_string() != "alert_batch") return false;
    for (const auto& change : message.at("data").as_array()) {
      const json::value* alert = change.as_object().if_contains("data");
      if (alert != nullptr && alert->at("source").as_string() == "held") return true;
    }
    return false;
  };
  // The viewer's next message of `type`. Before it may come the fill's alerts
  // that committed before the journal was full, and notices (alarm_flood);
  // never the held alert.
  const auto next_before_the_held_alert = [&](std::string_view type) {
    for (int frame = 0; frame < 100; ++frame) {
      auto message = parse_object(viewer.read_frame());
      BOOST_TEST_REQUIRE(!has_held_alert(message));
      if (message.at("type").as_string() == type) return message;
    }
    BOOST_FAIL("no " << type << " in 100 messages");
    return json::object{};
  };
  const auto critical = next_before_the_held_alert("alert");
  BOOST_TEST(critical.at("data").at("data").at("source").as_string() == "now");
  BOOST_TEST(http_request(relay.http(), "/healthz").status == 503);
  // Many batch ticks later the high alert is still held: it does not come
  // before the answer to this request.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  viewer.send_text(R"({"type":"get_stats","reqId":"probe"})");
  BOOST_TEST(next_before_the_held_alert("response").at("reqId").as_string() == "probe");

  free_the_journal(relay, admin);
  bool held_arrived = false;
  for (int frame = 0; frame < 100 && !held_arrived; ++frame)
    held_arrived = has_held_alert(parse_object(viewer.read_frame()));
  BOOST_TEST(held_arrived);  // held until its commit, not lost
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(half_open)

// A client that stops reading answers no ping (its pings wait unread in its
// socket): past the ping timeout, 4 intervals, the relay cuts the connection
// and counts it. A client that keeps reading answers every ping and stays.
BOOST_AUTO_TEST_CASE(a_client_that_answers_no_ping_is_cut_and_counted) {
  RelayUnderTest relay({"--ping-interval", "1"});
  WsProbe silent(relay.http());
  silent.auth("demo-viewer-token");
  WsProbe live(relay.http());
  live.auth("demo-viewer-token");
  // 7 s: the silent client is past its 4 s at the ping of second 5 or 6.
  for (int n = 0; n < 14; ++n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    still_served(live);
  }
  BOOST_TEST(metric(relay.http(), "ws_ping_timeouts_total") == 1u);
  // The silent client finds its connection gone, with no close frame: it
  // was cut, not closed, and not by its own read timing out.
  const auto reason = silent.read_until_closed();
  BOOST_TEST(reason.code == 0u);
  BOOST_TEST(silent.last_error() != boost::asio::error::timed_out, silent.last_error().message());
  still_served(live);
}

BOOST_AUTO_TEST_SUITE_END()
