#pragma once
// WsTestClient: a plain WebSocket client over a real TCP socket, for
// integration tests. Reads have a deadline (an async read run for a bounded
// time), so a silent relay fails the test instead of hanging it.
//
// By default read() shows the stream change by change: each change of an
// `alert_batch` comes as its own `{"type":"alert","data":…}` message, and
// `catch_up_complete` is noted (catch_ups_complete()) rather than returned.
// set_raw(true) returns every message as the relay sent it.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "support/change_view.hpp"

#include <optional>
#include <string>

#include <chrono>

namespace rover_alerts::testing {

class WsTestClient {
 public:
  WsTestClient(const std::string& host, unsigned short port, const std::string& target = "/",
               int read_timeout_ms = 10000)
      : ws_(io_), read_timeout_(read_timeout_ms) {
    namespace net = boost::asio;
    net::ip::tcp::resolver resolver(io_);
    net::connect(ws_.next_layer(), resolver.resolve(host, std::to_string(port)));
    ws_.handshake(host + ":" + std::to_string(port), target);
    ws_.text(true);
  }

  void send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }

  void set_raw(bool raw) { raw_ = raw; }
  const ChangeView& changes() const { return changes_; }
  bool last_was_binary() const { return last_binary_; }

  // Next message (or change, see above) as text; nullopt on timeout (the
  // stream is then unusable) or close.
  std::optional<std::string> read() {
    if (raw_) return read_frame();
    return changes_.next([this] { return read_frame(); }, [this] { return last_binary_; });
  }

  // Next WebSocket message as the relay sent it.
  std::optional<std::string> read_frame() {
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec;
    bool done = false;
    ws_.async_read(buffer, [&](boost::beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    io_.restart();
    io_.run_for(read_timeout_);
    if (!done) {
      boost::system::error_code ignored;
      ws_.next_layer().cancel(ignored);
      io_.restart();
      io_.run();  // lets the cancelled read finish
      ec = boost::asio::error::timed_out;
    }
    if (ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    last_binary_ = ws_.got_binary();
    return boost::beast::buffers_to_string(buffer.data());
  }

  boost::beast::error_code last_error() const { return last_error_; }
  boost::beast::websocket::close_reason close_reason() const { return ws_.reason(); }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::chrono::milliseconds read_timeout_;
  boost::beast::error_code last_error_;
  bool raw_ = false;
  bool last_binary_ = false;
  ChangeView changes_;
};

// One plain HTTP GET; returns {status, body}.
inline std::pair<int, std::string> http_get(const std::string& host, unsigned short port, const std::string& target) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context io;
  net::ip::tcp::resolver resolver(io);
  boost::beast::tcp_stream stream(io);
  stream.connect(resolver.resolve(host, std::to_string(port)));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace rover_alerts::testing
