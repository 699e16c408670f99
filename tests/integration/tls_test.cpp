// TLS on the client port: a certificate made at test time with the openssl
// command line, the real relay serving wss and https on its one port, and a
// Beast TLS client that verifies the relay against exactly that certificate.

#include "relay_under_test.hpp"
#include "support/self_signed_certificate.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace rover_alerts::testing;

namespace {

using Certificate = SelfSignedCertificate;

// A client context that trusts only `cert` and checks the host name.
ssl::context client_context(const Certificate& certificate) {
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(certificate.cert.string());
  context.set_verify_mode(ssl::verify_peer);
  return context;
}

template <class Stream>
void connect_tls(Stream& stream, const Endpoint& at, const std::string& host_name) {
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.connect({net::ip::make_address(at.host), at.port});
  set_socket_timeouts(tcp.native_handle(), 10000);
  SSL_set_tlsext_host_name(stream.native_handle(), host_name.c_str());
  stream.set_verify_callback(ssl::host_name_verification(host_name));
}

HttpResult https_get(ssl::context& context, const Endpoint& at, const std::string& target,
                     const std::string& token = "demo-viewer-token") {
  net::io_context io;
  beast::ssl_stream<net::ip::tcp::socket> stream(io, context);
  connect_tls(stream, at, "localhost");
  stream.handshake(ssl::stream_base::client);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "localhost");
  request.set(http::field::authorization, "Bearer " + token);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return {static_cast<int>(response.result_int()), response.body()};
}

struct TlsFixture {
  Certificate certificate;
  RelayUnderTest relay{{"--tls-cert", certificate.cert.string(), "--tls-key", certificate.key.string()}};
  ssl::context context = client_context(certificate);
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tls, TlsFixture)

BOOST_AUTO_TEST_CASE(wss_client_authenticates_subscribes_and_gets_a_rover_alert) {
  net::io_context io;
  websocket::stream<beast::ssl_stream<net::ip::tcp::socket>> ws(io, context);
  connect_tls(ws.next_layer(), relay.http(), "localhost");
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost", "/ws");
  ws.text(true);
  const auto read = [&ws]() {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return parse_object(beast::buffers_to_string(buffer.data()));
  };
  ws.write(net::buffer(std::string(R"({"type":"auth","token":"demo-operator-token"})")));
  const auto welcome = read();
  BOOST_TEST(welcome.at("type").as_string() == "welcome");
  BOOST_TEST(welcome.at("role").as_string() == "operator");
  ws.write(net::buffer(std::string(R"({"type":"alert_subscribe","reqId":"s"})")));
  BOOST_TEST(read().at("ok").as_bool());
  BOOST_TEST(read().at("type").as_string() == "catch_up_complete");  // nothing to catch up on

  BOOST_TEST(run_rover_sim(relay.link(), "rover-tls"));
  const auto alert = read();
  BOOST_TEST(alert.at("type").as_string() == "alert");
  BOOST_TEST(alert.at("data").at("priority").as_string() == "critical");
  ws.close(websocket::close_code::normal);
}

BOOST_AUTO_TEST_CASE(https_serves_healthz_and_metrics) {
  BOOST_TEST(https_get(context, relay.http(), "/healthz").status == 200);
  const auto metrics = https_get(context, relay.http(), "/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("# TYPE ws_sessions gauge") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(plain_connections_are_refused_when_tls_is_on) {
  const auto plain = http_request(relay.http(), "/healthz");
  BOOST_TEST(plain.status == 403);
  BOOST_TEST(plain.body.find("TLS") != std::string::npos);
  const std::string upgrade =
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  BOOST_TEST(http_request(relay.http(), "/", upgrade).status == 403);
  BOOST_TEST(https_get(context, relay.http(), "/metrics").body.find("http_plain_refused_total 2") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(old_protocol_versions_and_wrong_names_fail_the_handshake) {
  {
    ssl::context old(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(old.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_security_level(old.native_handle(), 0);  // let the client offer TLS 1.1 at all
    old.set_verify_mode(ssl::verify_none);
    net::io_context io;
    beast::ssl_stream<net::ip::tcp::socket> stream(io, old);
    connect_tls(stream, relay.http(), "localhost");
    boost::system::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    BOOST_TEST(ec.failed(), "a TLS 1.1 handshake succeeded");
  }
  {
    // The client checks the name: a certificate for localhost is not one for another host.
    net::io_context io;
    beast::ssl_stream<net::ip::tcp::socket> stream(io, context);
    connect_tls(stream, relay.http(), "relay.example");
    boost::system::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    BOOST_TEST(ec.failed());
  }
  // Both were counted, and the relay still serves.
  BOOST_TEST(https_get(context, relay.http(), "/metrics").body.find("tls_handshake_failures_total") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(allow_plain_serves_both_on_one_port) {
  Certificate certificate;
  RelayUnderTest relay({"--tls-cert", certificate.cert.string(), "--tls-key", certificate.key.string(),
                        "--allow-plain"});
  auto context = client_context(certificate);
  BOOST_TEST(https_get(context, relay.http(), "/healthz").status == 200);
  BOOST_TEST(http_request(relay.http(), "/healthz").status == 200);
  WsProbe plain(relay.http());
  BOOST_TEST(plain.auth("demo-viewer-token").at("role").as_string() == "viewer");
}

BOOST_AUTO_TEST_CASE(a_bad_certificate_stops_the_relay_at_startup) {
  Certificate certificate;
  const fs::path not_a_key = certificate.dir.path / "empty.pem";
  { std::ofstream(not_a_key) << "not a key\n"; }
  ChildProcess relay({ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
                      (certificate.dir.path / "data").string(), "--tokens", DEMO_TOKENS_PATH, "--tls-cert",
                      certificate.cert.string(), "--tls-key", not_a_key.string()});
  BOOST_REQUIRE(relay.started());
  BOOST_TEST(relay.wait_exit(20000) == 1);
}
