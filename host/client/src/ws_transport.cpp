#include "ws_transport.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <type_traits>

namespace rover_alerts::ground {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

template <class NextLayer>
class BasicWsTransport final : public WsTransport {
  static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;

 public:
  template <class... Args>
  BasicWsTransport(asio::io_context& io, RelayUrl url, const ClientConfig& config, Args&&... next_layer)
      : url_(std::move(url)),
        token_(config.token),
        connect_timeout_(config.connect_timeout),
        verify_peer_(config.verify_peer),
        resolver_(io),
        ws_(std::forward<Args>(next_layer)...) {
    websocket::permessage_deflate deflate;
    deflate.client_enable = config.deflate;
    ws_.set_option(deflate);
    ws_.read_message_max(config.max_message_bytes);
    // Keep-alive pings find a half-open connection the relay's pings alone
    // would not (they tell the relay, not us).
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = config.connect_timeout;
    timeouts.idle_timeout = std::chrono::seconds(30);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([token = token_](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "rover-alerts-client");
      if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
    }));
  }

  void connect(Done done) override {
    resolver_.async_resolve(url_.host, url_.port, [this, done](const error_code& ec, tcp::resolver::results_type results) {
      if (ec) return done(ec);
      auto& tcp_layer = beast::get_lowest_layer(ws_);
      tcp_layer.expires_after(connect_timeout_);
      tcp_layer.async_connect(results, [this, done](const error_code& connected, const tcp::endpoint&) {
        if (connected) return done(connected);
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
        if constexpr (kTls) {
          auto& tls = ws_.next_layer();
          if (!SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str()))
            return done(error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
          if (verify_peer_) tls.set_verify_callback(asio::ssl::host_name_verification(url_.host));
          return tls.async_handshake(asio::ssl::stream_base::client,
                                     [this, done](const error_code& handshake) {
                                       handshake ? done(handshake) : upgrade(done);
                                     });
        }
        upgrade(done);
      });
    });
  }

  unsigned refused_status() const override { return refused_status_; }

  void read(beast::flat_buffer& buffer, Done done) override {
    ws_.async_read(buffer, [done](const error_code& ec, std::size_t) { done(ec); });
  }

  bool last_read_binary() const override { return ws_.got_binary(); }

  void write_text(std::string_view text, Done done) override {
    ws_.text(true);
    ws_.async_write(asio::buffer(text.data(), text.size()), [done](const error_code& ec, std::size_t) { done(ec); });
  }

  std::string close_reason() const override {
    const websocket::close_reason& r = ws_.reason();
    return std::to_string(r.code) + (r.reason.empty() ? std::string() : " " + std::string(r.reason.c_str()));
  }

  void close() override {
    if (!ws_.is_open()) return abort();
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this(), this](const error_code&) { abort(); });
  }

  void abort() override {
    error_code ignored;
    resolver_.cancel();
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

 private:
  void upgrade(Done done) {
    // From here the WebSocket's own timeouts apply.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_handshake(response_, url_.host_header(), url_.target, [this, done](const error_code& ec) {
      if (ec == websocket::error::upgrade_declined) refused_status_ = response_.result_int();
      done(ec);
    });
  }

  RelayUrl url_;
  std::string token_;
  std::chrono::milliseconds connect_timeout_;
  bool verify_peer_;
  tcp::resolver resolver_;
  websocket::stream<NextLayer> ws_;
  websocket::response_type response_;
  unsigned refused_status_ = 0;
};

}  // namespace

std::shared_ptr<WsTransport> make_ws_transport(asio::io_context& io, const RelayUrl& url, const ClientConfig& config,
                                               asio::ssl::context* tls) {
  if (!url.tls) return std::make_shared<BasicWsTransport<beast::tcp_stream>>(io, url, config, io);
  return std::make_shared<BasicWsTransport<beast::ssl_stream<beast::tcp_stream>>>(io, url, config, io, *tls);
}

}  // namespace rover_alerts::ground
