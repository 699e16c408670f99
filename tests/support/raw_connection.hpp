#pragma once
// Raw TCP and plain HTTP to the relay with upper-bound timeouts: a relay that
// hangs fails the test instead of hanging it. Compiled once into
// rover_alerts_test_net (no Asio or Beast in the tests that use it); the
// delivery bench compiles it too, for the relay's /metrics.

#include "support/endpoint.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace rover_alerts::testing {

// SO_RCVTIMEO and SO_SNDTIMEO on a socket.
void set_socket_timeouts(int fd, int timeout_ms);

struct HttpResult {
  int status = 0;  // 0: no answer within the timeout
  std::string body;
};

// One plain HTTP request with raw extra header lines; bounded by `timeout_ms`.
HttpResult http_request(const Endpoint& at, const std::string& target, const std::string& extra_headers = {},
                        int timeout_ms = 10000);

// A TCP connection that sends raw bytes and reports how the relay ended it.
class RawConnection {
 public:
  // `local_address`: connect from this one (any 127.x.y.z on Linux), as another host would.
  explicit RawConnection(const Endpoint& at, int timeout_ms = 15000, const std::string& local_address = {});
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const void* data, std::size_t size);
  void send(const std::string& text) { send(text.data(), text.size()); }
  // Reads exactly `size` bytes; false when the connection ended or timed out first.
  bool read_exact(void* data, std::size_t size);
  void shutdown_send();
  // Reads (and discards) until the relay closes the connection; true when it
  // did (EOF or reset), false when it stayed open past the socket timeout.
  bool closed_by_peer();

 private:
  struct Socket;
  std::unique_ptr<Socket> socket_;
};

}  // namespace rover_alerts::testing
