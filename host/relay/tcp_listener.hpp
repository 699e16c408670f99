#pragma once
// TcpListener: accepts connections on one endpoint and hands each socket to a
// handler (the link port starts LinkSessions, the client port HttpSessions).
// Accept errors (out of descriptors and the like) never stop the listener and
// never spin: it pauses briefly and accepts again, serving the sessions it has.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>

namespace rover_alerts::relay {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  using AcceptHandler = std::function<void(boost::asio::ip::tcp::socket)>;

  // Binds and listens; throws boost::system::system_error if it cannot.
  TcpListener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, std::string name,
              AcceptHandler on_accept);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();
  void stop();

 private:
  void accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::string name_;
  AcceptHandler on_accept_;
};

}  // namespace rover_alerts::relay
