#include "support/ws_probe.hpp"

#include "support/timed_io.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>

namespace rover_alerts::testing {

namespace net = boost::asio;
namespace beast = boost::beast;

struct WsProbe::Stream {
  net::io_context io;
  beast::websocket::stream<net::ip::tcp::socket> ws{io};
  std::chrono::milliseconds timeout{};
};

WsProbe::WsProbe(const Endpoint& at, const WsProbeOptions& options) : stream_(std::make_unique<Stream>()) {
  auto& ws = stream_->ws;
  if (options.receive_buffer > 0 || !options.local_address.empty()) ws.next_layer().open(net::ip::tcp::v4());
  if (options.receive_buffer > 0)
    ws.next_layer().set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
  if (!options.local_address.empty()) ws.next_layer().bind({net::ip::make_address(options.local_address), 0});
  beast::websocket::permessage_deflate deflate;
  deflate.client_enable = options.offer_deflate;
  ws.set_option(deflate);
  ws.next_layer().connect({net::ip::make_address(at.host), at.port});
  stream_->timeout = std::chrono::milliseconds(options.timeout_ms);
  beast::websocket::response_type response;
  ws.handshake(response, at.host + ":" + std::to_string(at.port), "/");
  agreed_extensions_ = std::string(response[beast::http::field::sec_websocket_extensions]);
}

WsProbe::~WsProbe() = default;

boost::system::error_code WsProbe::send_text(const std::string& text) {
  stream_->ws.text(true);
  return last_error_ = write_within(stream_->io, stream_->ws, net::buffer(text), stream_->timeout);
}

boost::system::error_code WsProbe::send_binary(const std::string& bytes) {
  stream_->ws.binary(true);
  return last_error_ = write_within(stream_->io, stream_->ws, net::buffer(bytes), stream_->timeout);
}

std::optional<std::string> WsProbe::read_frame() {
  beast::flat_buffer buffer;
  last_error_ = read_within(stream_->io, stream_->ws, buffer, stream_->timeout);
  if (last_error_) return std::nullopt;
  last_binary_ = stream_->ws.got_binary();
  return beast::buffers_to_string(buffer.data());
}

CloseReason WsProbe::read_until_closed() {
  while (read()) {
  }
  // A relay that fails the connection (1009, 1007) closes TCP right after its
  // close frame, so echoing it may fail; the reason was received all the same.
  const auto& reason = stream_->ws.reason();
  return {static_cast<std::uint16_t>(reason.code), std::string(reason.reason.data(), reason.reason.size())};
}

}  // namespace rover_alerts::testing
