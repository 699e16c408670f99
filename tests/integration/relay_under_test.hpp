#pragma once
// Helpers for the security integration tests: a real alert-relay process on
// ephemeral loopback ports with extra options, its /metrics counters, raw TCP
// and HTTP with upper-bound timeouts (a relay that hangs fails the test
// instead of hanging it), and a rover-sim run.

#include "support/child_process.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/change_view.hpp"
#include "support/ws_test_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace rover_alerts::testing {


inline void set_socket_timeouts(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

class RelayUnderTest {
 public:
  // The test fleet's rovers (support/test_fleet.hpp) unless `fleet` is false.
  explicit RelayUnderTest(std::vector<std::string> extra_args = {}, bool fleet = true) {
    std::vector<std::string> args{ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0",
                                  "--data", data_dir_.path.string(), "--tokens", DEMO_TOKENS_PATH};
    if (fleet) args.insert(args.end(), {"--rovers", TestFleet::get().rovers_file().string()});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<ChildProcess>(args);
    BOOST_REQUIRE(process_->started());
    const auto line = process_->read_line(20000);
    BOOST_REQUIRE_MESSAGE(line, "relay printed no listening line");
    std::smatch m;
    static const std::regex pattern(R"(^listening http=(\S+) link=(\S+)$)");
    BOOST_REQUIRE_MESSAGE(std::regex_match(*line, m, pattern), "unexpected first line: " << *line);
    http_ = parse_endpoint(m[1]);
    link_ = parse_endpoint(m[2]);
  }
  ~RelayUnderTest() {
    BOOST_CHECK_EQUAL(process_->terminate(), 0);  // still alive, and SIGTERM is a clean shutdown
  }
  RelayUnderTest(const RelayUnderTest&) = delete;
  RelayUnderTest& operator=(const RelayUnderTest&) = delete;

  const Endpoint& http() const { return http_; }
  const Endpoint& link() const { return link_; }
  bool alive() { return process_->wait_exit(0) == -1; }
  void signal(int signal) { process_->signal(signal); }
  // The relay's resident memory (VmRSS), in bytes.
  std::uint64_t rss_bytes() const {
    std::ifstream status("/proc/" + std::to_string(process_->pid()) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
  }

 private:
  TempDir data_dir_{"sec"};  // first member: removed after the relay has stopped
  std::unique_ptr<ChildProcess> process_;
  Endpoint http_;
  Endpoint link_;
};

struct HttpResult {
  int status = 0;  // 0: no answer within the timeout
  std::string body;
};

// One plain HTTP request with raw extra header lines; bounded by `timeout_ms`.
inline HttpResult http_request(const Endpoint& at, const std::string& target, const std::string& extra_headers = {},
                               int timeout_ms = 10000) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({net::ip::make_address(at.host), at.port}, ec);
  if (ec) return {};
  set_socket_timeouts(socket.native_handle(), timeout_ms);
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + at.host + ":" + std::to_string(at.port) +
                              "\r\n" + extra_headers + "Connection: close\r\n\r\n";
  net::write(socket, net::buffer(request), ec);
  if (ec) return {};
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(socket, buffer, parser, ec);
  if (ec) return {};
  return {static_cast<int>(parser.get().result_int()), parser.get().body()};
}

// /metrics, with the token it needs.
inline HttpResult metrics_request(const Endpoint& at) {
  return http_request(at, "/metrics", "Authorization: Bearer demo-viewer-token\r\n");
}

// The value of one series (`name` or `name{label="value"}`) on /metrics; 0 when absent.
inline std::uint64_t metric(const Endpoint& at, const std::string& series) {
  const auto result = metrics_request(at);
  BOOST_REQUIRE_EQUAL(result.status, 200);
  std::istringstream lines(result.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stoull(line.substr(series.size() + 1));
  }
  return 0;
}

// A TCP connection that sends raw bytes and reports how the relay ended it.
class RawConnection {
 public:
  // `local_address`: connect from this one (any 127.x.y.z on Linux), as another host would.
  RawConnection(const Endpoint& at, int timeout_ms = 15000, const std::string& local_address = {}) : socket_(io_) {
    if (!local_address.empty()) {
      socket_.open(boost::asio::ip::tcp::v4());
      socket_.bind({boost::asio::ip::make_address(local_address), 0});
    }
    socket_.connect({boost::asio::ip::make_address(at.host), at.port});
    set_socket_timeouts(socket_.native_handle(), timeout_ms);
  }
  void send(const void* data, std::size_t size) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(data, size), ec);
  }
  void send(const std::string& text) { send(text.data(), text.size()); }
  // Reads exactly `size` bytes; false when the connection ended or timed out first.
  bool read_exact(void* data, std::size_t size) {
    boost::system::error_code ec;
    boost::asio::read(socket_, boost::asio::buffer(data, size), ec);
    return !ec;
  }
  void shutdown_send() {
    boost::system::error_code ec;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }
  // Reads (and discards) until the relay closes the connection; true when it
  // did (EOF or reset), false when it stayed open past the socket timeout.
  bool closed_by_peer() {
    char buffer[4096];
    for (;;) {
      boost::system::error_code ec;
      socket_.read_some(boost::asio::buffer(buffer), ec);
      if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) return true;
      if (ec) return false;  // timeout (EAGAIN) or other
    }
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

inline boost::json::object parse_object(const std::optional<std::string>& text) {
  BOOST_REQUIRE_MESSAGE(text, "no message arrived");
  boost::json::error_code ec;
  auto value = boost::json::parse(*text, ec);
  BOOST_REQUIRE_MESSAGE(!ec && value.is_object(), "not a JSON object: " << *text);
  return value.as_object();
}

// The error code of a `response` (ok:false) or `error` message.
inline std::string error_code_of(const boost::json::object& message) {
  const auto* error = message.if_contains("error");
  if (error == nullptr || !error->is_object()) return "";
  return std::string(error->at("code").as_string());
}

// A synchronous WebSocket client that can also misbehave: binary frames,
// arbitrary bytes in text frames, extra upgrade headers. Reads time out.
class WsProbe {
 public:
  // `receive_buffer` > 0: a small socket receive buffer, for a client that
  // stops reading (the relay's queues fill instead of the kernel's).
  // `local_address`: connect from this one (any 127.x.y.z on Linux), as another host would.
  WsProbe(const Endpoint& at, int read_timeout_ms = 10000, int receive_buffer = 0,
          const std::string& local_address = {})
      : ws_(io_) {
    if (receive_buffer > 0 || !local_address.empty()) ws_.next_layer().open(boost::asio::ip::tcp::v4());
    if (receive_buffer > 0)
      ws_.next_layer().set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
    if (!local_address.empty()) ws_.next_layer().bind({boost::asio::ip::make_address(local_address), 0});
    ws_.next_layer().connect({boost::asio::ip::make_address(at.host), at.port});
    set_socket_timeouts(ws_.next_layer().native_handle(), read_timeout_ms);
    ws_.handshake(at.host + ":" + std::to_string(at.port), "/");
  }
  void send_text(const std::string& text) {
    ws_.text(true);
    boost::system::error_code ec;
    ws_.write(boost::asio::buffer(text), ec);
  }
  void send_binary(const std::string& bytes) {
    ws_.binary(true);
    boost::system::error_code ec;
    ws_.write(boost::asio::buffer(bytes), ec);
  }
  // The next message, change by change (support/change_view.hpp).
  std::optional<std::string> read() {
    return changes_.next([this] { return read_frame(); }, [this] { return ws_.got_binary(); });
  }
  std::optional<std::string> read_frame() {
    boost::beast::flat_buffer buffer;
    ws_.read(buffer, last_error_);
    if (last_error_) return std::nullopt;
    return boost::beast::buffers_to_string(buffer.data());
  }
  const ChangeView& changes() const { return changes_; }
  // Reads until the relay closes or the read times out; the reason of the
  // relay's close frame (code 0 when none came).
  boost::beast::websocket::close_reason read_until_closed() {
    while (read()) {
    }
    // A relay that fails the connection (1009, 1007) closes TCP right after its
    // close frame, so echoing it may fail; the reason was received all the same.
    return ws_.reason();
  }
  // Authenticates; the `welcome` message.
  boost::json::object auth(const std::string& token) {
    send_text(R"({"type":"auth","token":")" + token + R"("})");
    auto welcome = parse_object(read());
    BOOST_REQUIRE_EQUAL(welcome.at("type").as_string(), "welcome");
    return welcome;
  }
  boost::system::error_code last_error() const { return last_error_; }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::system::error_code last_error_;
  ChangeView changes_;
};

// Runs rover-sim for `count` alerts to completion; true when all were
// acknowledged. `key_args`: the fleet's key unless told otherwise.
inline bool run_rover_sim(const Endpoint& link, const std::string& rover_id, int count = 1,
                          std::vector<std::string> key_args = fleet_key_args()) {
  std::vector<std::string> args{ROVER_SIM_PATH, "--relay", link.host + ":" + std::to_string(link.port), "--rover-id",
                                rover_id, "--rate", "50", "--count", std::to_string(count)};
  args.insert(args.end(), key_args.begin(), key_args.end());
  ChildProcess sim(args);
  if (!sim.started()) return false;
  return sim.wait_exit(30000) == 0;
}

}  // namespace rover_alerts::testing
