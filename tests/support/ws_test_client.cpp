#include "support/ws_test_client.hpp"

#include "support/timed_io.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>

namespace rover_alerts::testing {

namespace net = boost::asio;
namespace beast = boost::beast;

struct WsTestClient::Stream {
  net::io_context io;
  beast::websocket::stream<net::ip::tcp::socket> ws{io};
  std::chrono::milliseconds timeout;
};

WsTestClient::WsTestClient(const std::string& host, unsigned short port, const std::string& target,
                           int timeout_ms)
    : stream_(std::make_unique<Stream>()) {
  stream_->timeout = std::chrono::milliseconds(timeout_ms);
  net::ip::tcp::resolver resolver(stream_->io);
  net::connect(stream_->ws.next_layer(), resolver.resolve(host, std::to_string(port)));
  stream_->ws.handshake(host + ":" + std::to_string(port), target);
  stream_->ws.text(true);
}

WsTestClient::~WsTestClient() = default;

void WsTestClient::send(const std::string& text) {
  if (const auto ec = write_within(stream_->io, stream_->ws, net::buffer(text), stream_->timeout))
    throw boost::system::system_error(ec, "WsTestClient::send");
}

std::optional<std::string> WsTestClient::read_frame() {
  auto& s = *stream_;
  beast::flat_buffer buffer;
  if (const auto ec = read_within(s.io, s.ws, buffer, s.timeout)) {
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

}  // namespace rover_alerts::testing
