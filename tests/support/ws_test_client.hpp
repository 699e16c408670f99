#pragma once
// WsTestClient: a plain WebSocket client over a real TCP socket, for
// integration tests. Reads and sends have a deadline (an async operation run
// for a bounded time), so a silent relay fails the test instead of hanging it;
// a send that fails or times out throws.
//
// By default read() shows the stream change by change: each change of an
// `alert_batch` comes as its own `{"type":"alert","data":…}` message, and
// `catch_up_complete` is noted (catch_ups_complete()) rather than returned.
// set_raw(true) returns every message as the relay sent it.
//
// Compiled once into rover_alerts_test_net: a test that includes this header
// does not compile Beast.

#include "support/change_view.hpp"
#include "support/close_reason.hpp"

#include <boost/system/error_code.hpp>

#include <memory>
#include <optional>
#include <string>

namespace rover_alerts::testing {

class WsTestClient {
 public:
  WsTestClient(const std::string& host, unsigned short port, const std::string& target = "/",
               int timeout_ms = 10000);
  ~WsTestClient();
  WsTestClient(const WsTestClient&) = delete;
  WsTestClient& operator=(const WsTestClient&) = delete;

  void send(const std::string& text);  // throws boost::system::system_error

  void set_raw(bool raw) { raw_ = raw; }
  const ChangeView& changes() const { return changes_; }
  bool last_was_binary() const { return last_binary_; }

  // Next message (or change, see above) as text; nullopt on timeout (the
  // stream is then unusable) or close.
  std::optional<std::string> read() {
    if (raw_) return read_frame();
    return changes_.next([this] { return read_frame(); }, [this] { return last_binary_; });
  }

  // Next WebSocket message as the relay sent it.
  std::optional<std::string> read_frame();

  boost::system::error_code last_error() const { return last_error_; }
  CloseReason close_reason() const;

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  boost::system::error_code last_error_;
  bool raw_ = false;
  bool last_binary_ = false;
  ChangeView changes_;
};

}  // namespace rover_alerts::testing
