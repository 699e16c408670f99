#pragma once
// WsProbe: a synchronous WebSocket client that can also misbehave: binary
// frames, arbitrary bytes in text frames, a small receive buffer, another
// source address; it may offer permessage-deflate. Reads and sends time out
// (a send that fails or times out is reported, not thrown). Compiled
// once into rover_alerts_test_net, so tests that use it compile no Beast.

#include "support/change_view.hpp"
#include "support/close_reason.hpp"
#include "support/endpoint.hpp"
#include "support/json_message.hpp"

#include <boost/json.hpp>
#include <boost/system/error_code.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>

namespace rover_alerts::testing {

struct WsProbeOptions {
  int timeout_ms = 10000;  // for each read and each send
  // > 0: a small socket receive buffer, for a client that stops reading
  // (the relay's queues fill instead of the kernel's).
  int receive_buffer = 0;
  // Connect from this address (any 127.x.y.z on Linux), as another host would.
  std::string local_address;
  // Offer permessage-deflate in the upgrade request, as browsers do.
  bool offer_deflate = false;
};

class WsProbe {
 public:
  // The common options in order (WsProbeOptions says what each does).
  explicit WsProbe(const Endpoint& at, int timeout_ms = 10000, int receive_buffer = 0,
                   const std::string& local_address = {})
      : WsProbe(at, WsProbeOptions{timeout_ms, receive_buffer, local_address, false}) {}
  WsProbe(const Endpoint& at, const WsProbeOptions& options);
  ~WsProbe();
  WsProbe(const WsProbe&) = delete;
  WsProbe& operator=(const WsProbe&) = delete;

  // The send's error (also last_error()); none when the whole message went.
  boost::system::error_code send_text(const std::string& text);
  boost::system::error_code send_binary(const std::string& bytes);
  // The next message, change by change (support/change_view.hpp).
  std::optional<std::string> read() {
    return changes_.next([this] { return read_frame(); }, [this] { return last_binary_; });
  }
  std::optional<std::string> read_frame();
  // Whether the last frame read came binary.
  bool last_binary() const { return last_binary_; }
  // The relay's Sec-WebSocket-Extensions answer to the upgrade (empty: none agreed).
  const std::string& agreed_extensions() const { return agreed_extensions_; }
  const ChangeView& changes() const { return changes_; }
  // Reads until the relay closes or the read times out; the reason of the
  // relay's close frame (code 0 when none came).
  CloseReason read_until_closed();
  // Authenticates; the `welcome` message.
  boost::json::object auth(const std::string& token) {
    send_text(R"({"type":"auth","token":")" + token + R"("})");
    auto welcome = parse_object(read());
    BOOST_REQUIRE_EQUAL(welcome.at("type").as_string(), "welcome");
    return welcome;
  }
  boost::system::error_code last_error() const { return last_error_; }

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  boost::system::error_code last_error_;
  bool last_binary_ = false;
  std::string agreed_extensions_;
  ChangeView changes_;
};

}  // namespace rover_alerts::testing
