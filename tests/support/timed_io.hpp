#pragma once
// One WebSocket read or write bounded in time, for the test clients.
// SO_RCVTIMEO cannot bound Beast's synchronous operations: on the socket's
// EAGAIN, Asio waits again in poll() with no timeout, and the relay's pings
// restart a socket timeout anyway. So the operation is asynchronous and the
// io_context runs for at most `timeout`. An operation that timed out is
// cancelled and its stream is not used again (Beast leaves it unusable).

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <utility>

namespace rover_alerts::testing {

// Starts one operation with `start(handler)` and runs `io` until it ends or
// `timeout` passes.
template <class WebsocketStream, class Start>
boost::system::error_code run_within(boost::asio::io_context& io, WebsocketStream& ws,
                                     std::chrono::milliseconds timeout, Start start) {
  boost::system::error_code ec;
  bool done = false;
  start([&](const boost::system::error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  io.restart();
  io.run_for(timeout);
  if (done) return ec;
  boost::system::error_code ignored;
  boost::beast::get_lowest_layer(ws).cancel(ignored);
  io.restart();
  io.run();  // lets the cancelled operation finish
  return boost::asio::error::timed_out;
}

template <class WebsocketStream>
boost::system::error_code read_within(boost::asio::io_context& io, WebsocketStream& ws,
                                      boost::beast::flat_buffer& buffer, std::chrono::milliseconds timeout) {
  return run_within(io, ws, timeout, [&](auto handler) { ws.async_read(buffer, std::move(handler)); });
}

// A whole message; a relay that stops reading cannot hold the test past `timeout`.
template <class WebsocketStream>
boost::system::error_code write_within(boost::asio::io_context& io, WebsocketStream& ws,
                                       boost::asio::const_buffer message, std::chrono::milliseconds timeout) {
  return run_within(io, ws, timeout, [&](auto handler) { ws.async_write(message, std::move(handler)); });
}

}  // namespace rover_alerts::testing
