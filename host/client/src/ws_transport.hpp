#pragma once
// WsTransport: one WebSocket connection to the relay, plain or over TLS,
// behind one interface so AlertClient does not care which. One read and one
// write in flight at a time (Beast's rule); the caller keeps the buffers.

#include "relay_url.hpp"

#include <rover_alerts/ground/client_config.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rover_alerts::ground {

class WsTransport : public std::enable_shared_from_this<WsTransport> {
 public:
  using Done = std::function<void(const boost::system::error_code&)>;
  virtual ~WsTransport() = default;

  // Resolve, connect, TLS handshake (wss), upgrade with `Authorization: Bearer`.
  virtual void connect(Done done) = 0;
  // The HTTP status of a refused upgrade (401, 429, 503…); 0 otherwise.
  virtual unsigned refused_status() const = 0;
  virtual void read(boost::beast::flat_buffer& buffer, Done done) = 0;
  virtual bool last_read_binary() const = 0;
  virtual void write_text(std::string_view text, Done done) = 0;
  // The close frame's code and reason once a read ended with `closed`.
  virtual std::string close_reason() const = 0;
  virtual void close() = 0;  // a close handshake, then the socket
  virtual void abort() = 0;  // the socket now: every pending operation ends
};

// `tls` must be set for wss:// URLs. Completion handlers must hold the
// returned pointer: the transport lives while an operation is pending.
std::shared_ptr<WsTransport> make_ws_transport(boost::asio::io_context& io, const RelayUrl& url,
                                               const ClientConfig& config, boost::asio::ssl::context* tls);

}  // namespace rover_alerts::ground
