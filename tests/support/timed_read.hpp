#pragma once
// One WebSocket read bounded in time, for the test clients. SO_RCVTIMEO
// cannot bound Beast's synchronous read: on the socket's EAGAIN, Asio waits
// again in poll() with no timeout, and the relay's pings restart a socket
// timeout anyway. So the read is asynchronous and the io_context runs for at
// most `timeout`. A read that timed out is cancelled and its stream is not
// read again (Beast leaves it unusable).

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>

namespace rover_alerts::testing {

template <class WebsocketStream>
boost::system::error_code read_within(boost::asio::io_context& io, WebsocketStream& ws,
                                      boost::beast::flat_buffer& buffer, std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  bool done = false;
  ws.async_read(buffer, [&](const boost::system::error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  io.restart();
  io.run_for(timeout);
  if (done) return ec;
  boost::system::error_code ignored;
  boost::beast::get_lowest_layer(ws).cancel(ignored);
  io.restart();
  io.run();  // lets the cancelled read finish
  return boost::asio::error::timed_out;
}

}  // namespace rover_alerts::testing
