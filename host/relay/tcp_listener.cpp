#include "tcp_listener.hpp"

#include "log.hpp"

#include <chrono>

namespace rover_alerts::relay {

namespace asio = boost::asio;

namespace {
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
}

TcpListener::TcpListener(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, std::string name,
                         AcceptHandler on_accept)
    : io_(io), acceptor_(io), retry_timer_(io), name_(std::move(name)), on_accept_(std::move(on_accept)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void TcpListener::start() { accept(); }

void TcpListener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
}

void TcpListener::accept() {
  acceptor_.async_accept(io_, [self = shared_from_this()](const boost::system::error_code& ec,
                                                          asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;  // stopped
    if (!ec) {
      // Alerts are small and latency-bound: without this, the tail of a large
      // reply waits for the peer's delayed ACK (tens of milliseconds).
      boost::system::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      self->on_accept_(std::move(socket));
      return self->accept();
    }
    log::warn(self->name_, ": accept failed: ", ec.message());
    self->retry_timer_.expires_after(kAcceptRetryDelay);
    self->retry_timer_.async_wait([self](const boost::system::error_code& wait_ec) {
      if (!wait_ec && self->acceptor_.is_open()) self->accept();
    });
  });
}

}  // namespace rover_alerts::relay
