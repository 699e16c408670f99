#pragma once
// HttpReceiver: a real HTTP server on a loopback ephemeral port that takes
// POSTs (webhooks) and answers each with a fixed status, or (status 0)
// reads it and never answers: a receiver that hangs. Runs on the io_context
// it is given; what it received may be read from another thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace rover_alerts::testing {

class HttpReceiver {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  HttpReceiver(boost::asio::io_context& io, unsigned status)
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}), status_(status) {
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

 private:
  struct Connection {
    explicit Connection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
    boost::asio::ip::tcp::socket socket;
    boost::beast::flat_buffer buffer;
    Request request;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  void accept() {
    namespace http = boost::beast::http;
    acceptor_.async_accept([this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      auto c = std::make_shared<Connection>(std::move(socket));
      connections_.push_back(c);  // a hanging receiver keeps them open
      http::async_read(c->socket, c->buffer, c->request, [this, c](const boost::system::error_code& e, std::size_t) {
        if (e) return;
        {
          const std::lock_guard lock(mutex_);
          requests_.push_back(c->request);
        }
        if (status_ == 0) return;
        c->response.result(status_);
        if (status_ != 204) c->response.body() = "{}";
        c->response.prepare_payload();
        http::async_write(c->socket, c->response, [c](const boost::system::error_code&, std::size_t) {
          boost::system::error_code ignored;
          c->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        });
      });
      accept();
    });
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned status_;
  std::vector<std::shared_ptr<Connection>> connections_;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
};

}  // namespace rover_alerts::testing
