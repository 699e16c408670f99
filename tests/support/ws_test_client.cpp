#include "support/ws_test_client.hpp"

#include "support/timed_read.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>

namespace rover_alerts::testing {

namespace net = boost::asio;
namespace beast = boost::beast;

struct WsTestClient::Stream {
  net::io_context io;
  beast::websocket::stream<net::ip::tcp::socket> ws{io};
  std::chrono::milliseconds read_timeout;
};

WsTestClient::WsTestClient(const std::string& host, unsigned short port, const std::string& target,
                           int read_timeout_ms)
    : stream_(std::make_unique<Stream>()) {
  stream_->read_timeout = std::chrono::milliseconds(read_timeout_ms);
  net::ip::tcp::resolver resolver(stream_->io);
  net::connect(stream_->ws.next_layer(), resolver.resolve(host, std::to_string(port)));
  stream_->ws.handshake(host + ":" + std::to_string(port), target);
  stream_->ws.text(true);
}

WsTestClient::~WsTestClient() = default;

void WsTestClient::send(const std::string& text) { stream_->ws.write(net::buffer(text)); }

std::optional<std::string> WsTestClient::read_frame() {
  auto& s = *stream_;
  beast::flat_buffer buffer;
  if (const auto ec = read_within(s.io, s.ws, buffer, s.read_timeout)) {
    last_error_ = ec;
    return std::nullopt;
  }
  last_binary_ = s.ws.got_binary();
  return beast::buffers_to_string(buffer.data());
}

CloseReason WsTestClient::close_reason() const {
  const auto& reason = stream_->ws.reason();
  return {static_cast<std::uint16_t>(reason.code), std::string(reason.reason.data(), reason.reason.size())};
}

std::pair<int, std::string> http_get(const std::string& host, unsigned short port, const std::string& target) {
  namespace http = beast::http;
  net::io_context io;
  net::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.connect(resolver.resolve(host, std::to_string(port)));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace rover_alerts::testing
