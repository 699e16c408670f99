#include "http/transport.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace rover_alerts::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class NextLayer>
class BasicWebsocketTransport final : public WebsocketTransport {
 public:
  explicit BasicWebsocketTransport(NextLayer&& next) : ws_(std::move(next)) {}

  void configure(std::size_t read_message_max, const DeflateLimits& deflate) override {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    websocket::permessage_deflate pmd;
    pmd.server_enable = deflate.enabled;
    pmd.server_max_window_bits = deflate.server_max_window_bits;
    pmd.compLevel = deflate.compression_level;
    pmd.memLevel = deflate.memory_level;
    pmd.msg_size_threshold = deflate.min_message_bytes;
    ws_.set_option(pmd);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "alert-relay"); }));
    ws_.read_message_max(read_message_max);
    // Beast splits every message into 4 KiB frames by default, one socket
    // write each: a 50 KiB batch became 13 writes. One frame per message.
    ws_.auto_fragment(false);
  }
  void async_accept(const http::request<http::string_body>& upgrade, DoneHandler handler) override {
    ws_.async_accept(upgrade, std::move(handler));
  }
  void async_read(beast::flat_buffer& buffer, IoHandler handler) override {
    ws_.async_read(buffer, std::move(handler));
  }
  bool got_binary() const override { return ws_.got_binary(); }
  void async_write(asio::const_buffer data, bool binary, IoHandler handler) override {
    ws_.binary(binary);
    ws_.async_write(data, std::move(handler));
  }
  void async_ping(std::string_view payload, DoneHandler handler) override {
    const std::string_view part = payload.substr(0, websocket::ping_data::static_capacity);
    ws_.async_ping(websocket::ping_data(part.data(), part.size()), std::move(handler));
  }
  void on_pong(std::function<void(std::string_view payload)> handler) override {
    ws_.control_callback([handler = std::move(handler)](websocket::frame_type kind, beast::string_view payload) {
      if (kind == websocket::frame_type::pong) handler(std::string_view(payload.data(), payload.size()));
    });
  }
  void async_close(const websocket::close_reason& reason, DoneHandler handler) override {
    ws_.async_close(reason, std::move(handler));
  }
  void cut() override { beast::get_lowest_layer(ws_).close(); }
  asio::ip::tcp::socket& socket() override { return beast::get_lowest_layer(ws_).socket(); }
  asio::any_io_executor get_executor() override { return ws_.get_executor(); }

 private:
  websocket::stream<NextLayer> ws_;
};

class PlainHttpTransport final : public HttpTransport {
 public:
  explicit PlainHttpTransport(beast::tcp_stream stream) : stream_(std::move(stream)) {}

  bool is_tls() const override { return false; }
  void expires_after(std::chrono::steady_clock::duration timeout) override { stream_.expires_after(timeout); }
  void expires_never() override { stream_.expires_never(); }
  void async_read(beast::flat_buffer& buffer, Parser& parser, IoHandler handler) override {
    http::async_read(stream_, buffer, parser, std::move(handler));
  }
  void async_write(Response& response, IoHandler handler) override {
    http::async_write(stream_, response, std::move(handler));
  }
  void close() override {
    error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }
  std::unique_ptr<WebsocketTransport> into_websocket() override {
    return std::make_unique<BasicWebsocketTransport<beast::tcp_stream>>(std::move(stream_));
  }

 private:
  beast::tcp_stream stream_;
};

class TlsHttpTransport final : public HttpTransport {
 public:
  TlsHttpTransport(beast::tcp_stream stream, asio::ssl::context& context) : stream_(std::move(stream), context) {}

  TlsStream& stream() { return stream_; }

  bool is_tls() const override { return true; }
  void expires_after(std::chrono::steady_clock::duration timeout) override {
    beast::get_lowest_layer(stream_).expires_after(timeout);
  }
  void expires_never() override { beast::get_lowest_layer(stream_).expires_never(); }
  void async_read(beast::flat_buffer& buffer, Parser& parser, IoHandler handler) override {
    http::async_read(stream_, buffer, parser, std::move(handler));
  }
  void async_write(Response& response, IoHandler handler) override {
    http::async_write(stream_, response, std::move(handler));
  }
  // No TLS close_notify: every response carries its length, so a cut is
  // unambiguous, and a peer that stopped reading cannot stall the close.
  void close() override {
    error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }
  std::unique_ptr<WebsocketTransport> into_websocket() override {
    return std::make_unique<BasicWebsocketTransport<TlsStream>>(std::move(stream_));
  }

 private:
  TlsStream stream_;
};

}  // namespace

std::unique_ptr<HttpTransport> make_plain_http_transport(beast::tcp_stream stream) {
  return std::make_unique<PlainHttpTransport>(std::move(stream));
}

void async_tls_handshake(beast::tcp_stream stream, asio::ssl::context& context, beast::flat_buffer& buffer,
                         std::function<void(const error_code&, std::unique_ptr<HttpTransport>)> handler) {
  auto transport = std::make_unique<TlsHttpTransport>(std::move(stream), context);
  TlsStream& tls = transport->stream();
  // `used` has a default only because Boost 1.81's constraint on this
  // overload checks for the signature void(error_code).
  tls.async_handshake(
      asio::ssl::stream_base::server, buffer.data(),
      [transport = std::move(transport), &buffer, handler = std::move(handler)](const error_code& ec,
                                                                              std::size_t used = 0) mutable {
        buffer.consume(used);
        if (ec) {
          transport->close();
          return handler(ec, nullptr);
        }
        handler(ec, std::move(transport));
      });
}

}  // namespace rover_alerts::relay
