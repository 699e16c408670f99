// Adaptive batching against the real relay: a client behind a slow link (a
// proxy in this test that holds everything the relay sends it for 300 ms) is
// measured with pings and given larger batches, as get_stats' `connection`
// shows; a client on a direct connection keeps the smallest. Assertions follow
// the RTT the relay measured, never how fast anything ran.

#include "relay_under_test.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

using namespace rover_alerts::testing;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using net::ip::tcp;
using namespace std::chrono_literals;

namespace {

// A TCP proxy on 127.0.0.1 in front of `upstream` that holds every chunk going
// to the client for `delay` (each from the moment it arrived, so delays do not
// add up); the client's bytes pass at once. Runs on its own thread until it
// is destroyed.
class DelayingProxy {
 public:
  DelayingProxy(const Endpoint& upstream, std::chrono::milliseconds delay)
      : upstream_(net::ip::make_address(upstream.host), upstream.port),
        delay_(delay),
        acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~DelayingProxy() {
    io_.stop();
    thread_.join();
  }
  DelayingProxy(const DelayingProxy&) = delete;
  DelayingProxy& operator=(const DelayingProxy&) = delete;

  Endpoint endpoint() const { return {"127.0.0.1", acceptor_.local_endpoint().port()}; }

 private:
  // One client and its connection to the upstream.
  struct Link : std::enable_shared_from_this<Link> {
    Link(net::io_context& io, tcp::socket client_socket, std::chrono::milliseconds hold)
        : client(std::move(client_socket)), upstream(io), timer(io), delay(hold) {}

    void start(const tcp::endpoint& to) {
      upstream.async_connect(to, [self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return self->close();
        self->forward_from_client();
        self->read_from_upstream();
      });
    }
    void forward_from_client() {
      client.async_read_some(net::buffer(up), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                          std::size_t n) {
        if (ec) return self->close();
        net::async_write(self->upstream, net::buffer(self->up, n),
                         [self](const boost::system::error_code& e, std::size_t) {
                           if (e) return self->close();
                           self->forward_from_client();
                         });
      });
    }
    void read_from_upstream() {
      upstream.async_read_some(net::buffer(down), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                              std::size_t n) {
        if (ec) return self->close();
        self->held.push_back({std::chrono::steady_clock::now() + self->delay, std::string(self->down.data(), n)});
        if (self->held.size() == 1) self->release_next();
        self->read_from_upstream();
      });
    }
    // Writes the oldest held chunk once its time has come, then the next.
    void release_next() {
      if (held.empty()) return;
      timer.expires_at(held.front().due);
      timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        net::async_write(self->client, net::buffer(self->held.front().bytes),
                         [self](const boost::system::error_code& e, std::size_t) {
                           if (e) return self->close();
                           self->held.pop_front();
                           self->release_next();
                         });
      });
    }
    void close() {
      boost::system::error_code ignored;
      client.close(ignored);
      upstream.close(ignored);
      timer.cancel();
    }

    struct Chunk {
      std::chrono::steady_clock::time_point due;
      std::string bytes;
    };
    tcp::socket client;
    tcp::socket upstream;
    net::steady_timer timer;
    std::chrono::milliseconds delay;
    std::array<char, 16 * 1024> up{};
    std::array<char, 16 * 1024> down{};
    std::deque<Chunk> held;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Link>(io_, std::move(socket), delay_)->start(upstream_);
      accept();
    });
  }

  tcp::endpoint upstream_;
  std::chrono::milliseconds delay_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// A WebSocket client that always has a read pending, so the relay's pings are
// answered the moment they arrive (a blocking client answers them only while
// it waits for a message): the RTT the relay measures is the link's. Clients
// sharing one io_context all answer while any of them waits.
class ListeningClient {
 public:
  ListeningClient(net::io_context& io, const Endpoint& at) : io_(io), ws_(io) {
    ws_.next_layer().connect({net::ip::make_address(at.host), at.port});
    ws_.handshake(at.host + ":" + std::to_string(at.port), "/");
    ws_.text(true);
    read_next();
  }

  void send(std::string text) {
    outgoing_ = std::move(text);
    bool done = false;
    ws_.async_write(net::buffer(outgoing_), [&](const boost::system::error_code& ec, std::size_t) {
      BOOST_CHECK_MESSAGE(!ec, "write failed: " << ec.message());
      done = true;
    });
    run_until([&] { return done; }, 10s);
    BOOST_REQUIRE_MESSAGE(done, "a write did not complete");
  }

  // The answer to the request with this reqId; other messages are skipped.
  boost::json::object response(const std::string& req_id, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      run_until([&] { return !inbox_.empty() || failed_; }, std::max(left, 0ms));
      BOOST_REQUIRE_MESSAGE(!inbox_.empty(), "no response " << req_id << (failed_ ? " (connection failed)" : ""));
      const auto message = parse_object(inbox_.front());
      inbox_.pop_front();
      if (message.at("type") == "response" && message.at("reqId") == req_id.c_str()) return message;
      if (message.at("type") == "welcome" && req_id == "auth") return message;
    }
  }

  // Lets `time` pass, answering pings meanwhile.
  void idle(std::chrono::milliseconds time) {
    run_until([] { return false; }, time);
  }

 private:
  void read_next() {
    ws_.async_read(buffer_, [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) {
        failed_ = true;
        return;
      }
      inbox_.push_back(boost::beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      read_next();
    });
  }
  template <class Done>
  void run_until(Done&& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    io_.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
  }

  net::io_context& io_;
  websocket::stream<tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> inbox_;
  std::string outgoing_;
  bool failed_ = false;
};

// What the relay's connection figures say, from one get_stats answer.
struct Connection {
  std::optional<double> rtt_ms;
  std::size_t batch_size = 0;
};

Connection connection_of(ListeningClient& client, int n) {
  const std::string req_id = "st-" + std::to_string(n);
  client.send(R"({"type":"get_stats","reqId":")" + req_id + R"("})");
  const auto reply = client.response(req_id);
  BOOST_REQUIRE_MESSAGE(reply.at("ok").as_bool(), boost::json::serialize(reply));
  const auto& c = reply.at("result").at("connection").as_object();
  Connection out;
  if (const auto* rtt = c.if_contains("rttMs")) out.rtt_ms = rtt->to_number<double>();
  out.batch_size = c.at("batchSize").to_number<std::size_t>();
  return out;
}

// The batch size the relay's defaults give for an RTT (BatchLimits: 10 at
// 50 ms or less, 100 at 500 ms or more, linear between).
double expected_batch_size(double rtt_ms) {
  const double share = std::clamp((rtt_ms - 50.0) / (500.0 - 50.0), 0.0, 1.0);
  return 10.0 + share * (100.0 - 10.0);
}

void subscribe(ListeningClient& client) {
  client.send(R"({"type":"auth","token":"demo-viewer-token"})");
  client.response("auth");
  client.send(R"({"type":"alert_subscribe","reqId":"sub"})");
  BOOST_REQUIRE(client.response("sub").at("ok").as_bool());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_rtt)

BOOST_AUTO_TEST_CASE(a_client_behind_a_slow_link_is_measured_and_gets_larger_batches) {
  // Pings every second, so the RTT is known soon.
  RelayUnderTest relay({"--ping-interval", "1"});
  constexpr auto kHold = 300ms;
  DelayingProxy proxy(relay.http(), kHold);
  net::io_context io;
  ListeningClient direct(io, relay.http());
  ListeningClient far(io, proxy.endpoint());
  subscribe(direct);
  subscribe(far);

  // Until a pong came back the batch size is the smallest; from then on it
  // follows the measured RTT.
  const auto check = [](const Connection& c, const char* who) {
    if (!c.rtt_ms) {
      BOOST_TEST(c.batch_size == 10u, who);
      return;
    }
    const double expected = expected_batch_size(*c.rtt_ms);
    BOOST_TEST_MESSAGE(who << ": rttMs " << *c.rtt_ms << ", batchSize " << c.batch_size << " (expected "
                           << expected << ")");
    BOOST_TEST(std::abs(static_cast<double>(c.batch_size) - expected) <= 1.0, who);
  };
  std::optional<Connection> direct_measured;
  std::optional<Connection> far_measured;
  for (int n = 0; (!direct_measured || !far_measured) && n < 50; ++n) {
    const Connection d = connection_of(direct, n);
    const Connection f = connection_of(far, n);
    check(d, "direct");
    check(f, "through the proxy");
    if (d.rtt_ms) direct_measured = d;
    if (f.rtt_ms) far_measured = f;
    direct.idle(200ms);  // both answer pings meanwhile
  }
  BOOST_REQUIRE_MESSAGE(direct_measured && far_measured, "the relay measured no RTT");
  // The proxy holds every ping for 300 ms: the round trip cannot be shorter,
  // so the batch size is above the minimum (60 at 300 ms).
  BOOST_TEST(*far_measured->rtt_ms >= static_cast<double>(kHold.count()));
  BOOST_TEST(far_measured->batch_size > 10u);
}

BOOST_AUTO_TEST_SUITE_END()
