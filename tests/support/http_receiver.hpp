#pragma once
// HttpReceiver: a real HTTP (or, given a TLS context, HTTPS) server on a
// loopback ephemeral port that takes POSTs (webhooks) and answers each with a
// fixed status, or (status 0) reads it and never answers: a receiver that hangs. Runs on the io_context
// it is given; what it received may be read from another thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rover_alerts::testing {

class HttpReceiver {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  // `tls`: serve https with this context (its certificate and key); each
  // connection's handshake comes first, and a failed one is counted.
  HttpReceiver(boost::asio::io_context& io, unsigned status, boost::asio::ssl::context* tls = nullptr)
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}), status_(status), tls_(tls) {
    accept();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<Request> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    const std::lock_guard lock(mutex_);
    return requests_.size();
  }
  std::size_t failed_handshakes() const {
    const std::lock_guard lock(mutex_);
    return failed_handshakes_;
  }
  // The server name (SNI) each completed handshake asked for; "" for none.
  std::vector<std::string> server_names() const {
    const std::lock_guard lock(mutex_);
    return server_names_;
  }

 private:
  using TlsStream = boost::beast::ssl_stream<boost::asio::ip::tcp::socket>;
  struct Connection {
    Connection(boost::asio::ip::tcp::socket s, boost::asio::ssl::context* tls) {
      if (tls != nullptr) {
        tls_stream.emplace(std::move(s), *tls);
      } else {
        socket.emplace(std::move(s));
      }
    }
    std::optional<boost::asio::ip::tcp::socket> socket;  // http
    std::optional<TlsStream> tls_stream;                  // https
    boost::beast::flat_buffer buffer;
    Request request;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      auto c = std::make_shared<Connection>(std::move(socket), tls_);
      connections_.push_back(c);  // a hanging receiver keeps them open
      if (!c->tls_stream) {
        serve(*c->socket, c);
      } else {
        c->tls_stream->async_handshake(boost::asio::ssl::stream_base::server,
                                       [this, c](const boost::system::error_code& e) {
                                         const std::lock_guard lock(mutex_);
                                         if (e) {
                                           ++failed_handshakes_;
                                           return;
                                         }
                                         const char* name = SSL_get_servername(c->tls_stream->native_handle(),
                                                                               TLSEXT_NAMETYPE_host_name);
                                         server_names_.emplace_back(name != nullptr ? name : "");
                                         serve(*c->tls_stream, c);
                                       });
      }
      accept();
    });
  }

  template <class Stream>
  void serve(Stream& stream, const std::shared_ptr<Connection>& c) {
    namespace http = boost::beast::http;
    http::async_read(stream, c->buffer, c->request, [this, c, &stream](const boost::system::error_code& e, std::size_t) {
      if (e) return;
      {
        const std::lock_guard lock(mutex_);
        requests_.push_back(c->request);
      }
      if (status_ == 0) return;
      c->response.result(status_);
      if (status_ != 204) c->response.body() = "{}";
      c->response.prepare_payload();
      http::async_write(stream, c->response, [c, &stream](const boost::system::error_code&, std::size_t) {
        boost::system::error_code ignored;
        boost::beast::get_lowest_layer(stream).shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      });
    });
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned status_;
  boost::asio::ssl::context* tls_;
  std::vector<std::shared_ptr<Connection>> connections_;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::size_t failed_handshakes_ = 0;
  std::vector<std::string> server_names_;
};

}  // namespace rover_alerts::testing
