#include "support/raw_connection.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <sys/time.h>

namespace rover_alerts::testing {

namespace net = boost::asio;

void set_socket_timeouts(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

HttpResult http_request(const Endpoint& at, const std::string& target, const std::string& extra_headers,
                        int timeout_ms) {
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

struct RawConnection::Socket {
  net::io_context io;
  net::ip::tcp::socket socket{io};
};

RawConnection::RawConnection(const Endpoint& at, int timeout_ms, const std::string& local_address)
    : socket_(std::make_unique<Socket>()) {
  auto& socket = socket_->socket;
  if (!local_address.empty()) {
    socket.open(net::ip::tcp::v4());
    socket.bind({net::ip::make_address(local_address), 0});
  }
  socket.connect({net::ip::make_address(at.host), at.port});
  set_socket_timeouts(socket.native_handle(), timeout_ms);
}

RawConnection::~RawConnection() = default;

void RawConnection::send(const void* data, std::size_t size) {
  boost::system::error_code ec;
  net::write(socket_->socket, net::buffer(data, size), ec);
}

bool RawConnection::read_exact(void* data, std::size_t size) {
  boost::system::error_code ec;
  net::read(socket_->socket, net::buffer(data, size), ec);
  return !ec;
}

void RawConnection::shutdown_send() {
  boost::system::error_code ec;
  socket_->socket.shutdown(net::ip::tcp::socket::shutdown_send, ec);
}

bool RawConnection::closed_by_peer() {
  char buffer[4096];
  for (;;) {
    boost::system::error_code ec;
    socket_->socket.read_some(net::buffer(buffer), ec);
    if (ec == net::error::eof || ec == net::error::connection_reset) return true;
    if (ec) return false;  // timeout (EAGAIN) or other
  }
}

}  // namespace rover_alerts::testing
