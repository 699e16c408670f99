// alert-loopback-floor: what a message forwarded to each of N loopback TCP
// connections costs on this host with no relay at all, the floor under the
// delivery suite's ack and idle critical figures. It has their shape: a
// trigger process sends a stamped message to a forwarding process, which
// writes it to every connection at once; the readers are in a third process,
// on one thread. Every connection has TCP_NODELAY. No WebSocket, JSON or
// store: what remains is the kernel's loopback path and the wake-ups.
// With --websocket 1 the forwarder and the readers speak WebSocket through
// Beast, as the relay and alert-load-clients do: a minimal Beast forwarder,
// one binary frame per client, async writes from one thread.
//
//   alert-loopback-floor [--clients N] [--rounds R] [--gap-ms G] [--bytes B]
//                        [--senders 1|2] [--websocket 0|1] [--reader-cpu C]
//
// The forwarder (this process) listens on 127.0.0.1 and forks the reader,
// which connects N times, then the trigger, which connects once and every G
// ms (default 20) sends a B-byte message (default 240, about an alert_ack
// notice) stamped with CLOCK_MONOTONIC and its round. The forwarder, blocked in a read of
// the trigger's connection, writes each message to every reader connection:
// from its one thread, or (--senders 2) half from a second thread woken
// through an eventfd, as a relay handing sends to a worker would. The reader
// subtracts the stamp from its read time; --reader-cpu puts it on CPU C
// alone (-1, the default: anywhere). The first tenth of the rounds warm
// up and are not counted. One JSON line on stdout:
//   {"clients":N,"senders":S,"websocket":W,"rounds":R,"samples":..,"p50_us":..,
//    "p99_us":..,"max_us":..,"last_p50_us":..,"last_p99_us":..}
// last_*: the percentiles of each round's slowest read. Exit status 1, with a
// reason on stderr, when anything fails.

#include "stamp_clock.hpp"
#include "support/cpu_affinity.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using net::ip::tcp;
using rover_alerts::bench::steady_ns;
using WebsocketStream = websocket::stream<tcp::socket>;

struct Options {
  int clients = 100;
  int rounds = 300;
  int gap_ms = 20;
  int bytes = 240;
  int senders = 1;
  int websocket = 0;
  int reader_cpu = -1;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "alert-loopback-floor: %s: %s\n", what, std::strerror(errno));
  std::_Exit(1);
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    const std::string_view text = argv[i + 1];
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < -1) return false;
    if (name == "--clients") o.clients = value;
    else if (name == "--rounds") o.rounds = value;
    else if (name == "--gap-ms") o.gap_ms = value;
    else if (name == "--bytes") o.bytes = value;
    else if (name == "--senders") o.senders = value;
    else if (name == "--websocket") o.websocket = value;
    else if (name == "--reader-cpu") o.reader_cpu = value;
    else return false;
  }
  return argc % 2 == 1 && o.clients >= 1 && o.clients <= 1000 && o.rounds >= 10 && o.gap_ms >= 1 &&
         o.bytes >= 12 && o.bytes <= 4096 && (o.senders == 1 || o.senders == 2) &&
         (o.websocket == 0 || (o.websocket == 1 && o.senders == 1));
}

void no_delay(int fd) {
  const int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
}

std::uint32_t at(const std::vector<std::uint32_t>& sorted, double q) {
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

// What the reader records: every read after the first tenth of the rounds,
// and each round's slowest read.
class Samples {
 public:
  explicit Samples(const Options& o)
      : o_(o),
        warmup_(static_cast<std::size_t>(o.clients) * static_cast<std::size_t>(o.rounds / 10)),
        total_(static_cast<std::size_t>(o.clients) * static_cast<std::size_t>(o.rounds)),
        round_max_(static_cast<std::size_t>(o.rounds), 0) {
    all_.reserve(total_);
  }

  std::size_t seen() const { return seen_; }
  bool done() const { return seen_ >= total_; }

  // One whole message (its stamp and round first), read at `now`.
  void add(const char* message, std::uint64_t now) {
    std::uint64_t stamp = 0;
    std::uint32_t round = 0;
    std::memcpy(&stamp, message, sizeof stamp);
    std::memcpy(&round, message + sizeof stamp, sizeof round);
    const auto us = static_cast<std::uint32_t>((now - stamp) / 1000);
    if (seen_++ >= warmup_ && round < round_max_.size()) {
      all_.push_back(us);
      round_max_[round] = std::max(round_max_[round], us);
    }
  }

  void print() {
    std::vector<std::uint32_t> last(round_max_.begin() + o_.rounds / 10, round_max_.end());
    std::sort(all_.begin(), all_.end());
    std::sort(last.begin(), last.end());
    std::printf(
        "{\"clients\":%d,\"senders\":%d,\"websocket\":%d,\"rounds\":%d,\"samples\":%zu,\"p50_us\":%u,"
        "\"p99_us\":%u,\"max_us\":%u,\"last_p50_us\":%u,\"last_p99_us\":%u}\n",
        o_.clients, o_.senders, o_.websocket, o_.rounds, all_.size(), at(all_, 0.50), at(all_, 0.99), all_.back(),
        at(last, 0.50), at(last, 0.99));
  }

 private:
  const Options& o_;
  std::size_t warmup_;
  std::size_t total_;
  std::size_t seen_ = 0;
  std::vector<std::uint32_t> all_;
  std::vector<std::uint32_t> round_max_;
};

// The reader process: N connections, one epoll thread, whole messages of
// `bytes` reassembled per connection.
int read_rounds(const Options& o, const sockaddr_in& to) {
  const int ep = ::epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct Connection {
    int fd;
    std::vector<char> partial;
  };
  std::vector<Connection> connections(static_cast<std::size_t>(o.clients));
  for (std::size_t i = 0; i < connections.size(); ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) die("connect");
    no_delay(fd);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = i;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) die("epoll_ctl");
    connections[i].fd = fd;
  }
  Samples samples(o);
  std::vector<char> chunk(64 * 1024);
  epoll_event events[128];
  while (!samples.done()) {
    const int n = ::epoll_wait(ep, events, 128, 10'000);
    if (n == 0) {
      std::fprintf(stderr, "alert-loopback-floor: no message for 10 s\n");
      return 1;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
      Connection& c = connections[events[k].data.u64];
      const ssize_t got = ::read(c.fd, chunk.data(), chunk.size());
      const std::uint64_t now = steady_ns();
      if (got <= 0) {
        std::fprintf(stderr, "alert-loopback-floor: a connection closed early\n");
        return 1;
      }
      c.partial.insert(c.partial.end(), chunk.data(), chunk.data() + got);
      std::size_t used = 0;
      for (; c.partial.size() - used >= static_cast<std::size_t>(o.bytes); used += static_cast<std::size_t>(o.bytes))
        samples.add(c.partial.data() + used, now);
      c.partial.erase(c.partial.begin(), c.partial.begin() + static_cast<std::ptrdiff_t>(used));
    }
  }
  samples.print();
  return 0;
}

// The WebSocket reader process: N Beast clients on one io_context, as
// alert-load-clients reads the relay. Each handshakes in turn (the forwarder
// accepts in the same order), then all read.
int read_websocket_rounds(const Options& o, const sockaddr_in& to) {
  net::io_context io;
  const tcp::endpoint forwarder(net::ip::address_v4(ntohl(to.sin_addr.s_addr)), ntohs(to.sin_port));
  struct Reader {
    explicit Reader(net::io_context& io) : ws(io) {}
    WebsocketStream ws;
    boost::beast::flat_buffer buffer;
  };
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < o.clients; ++i) {
    auto reader = std::make_unique<Reader>(io);
    reader->ws.next_layer().connect(forwarder);
    reader->ws.next_layer().set_option(tcp::no_delay(true));
    reader->ws.handshake("127.0.0.1", "/");
    readers.push_back(std::move(reader));
  }
  Samples samples(o);
  bool failed = false;
  std::function<void(Reader&)> read_next = [&](Reader& r) {
    r.ws.async_read(r.buffer, [&](const boost::system::error_code& ec, std::size_t) {
      const std::uint64_t now = steady_ns();
      if (ec || r.buffer.size() != static_cast<std::size_t>(o.bytes)) {
        failed = true;
        return io.stop();
      }
      samples.add(static_cast<const char*>(r.buffer.data().data()), now);
      r.buffer.consume(r.buffer.size());
      if (samples.done()) return io.stop();
      read_next(r);
    });
  };
  for (auto& reader : readers) read_next(*reader);
  while (!samples.done() && !failed) {
    const std::size_t before = samples.seen();
    io.run_for(std::chrono::seconds(10));
    if (samples.seen() == before) {
      std::fprintf(stderr, "alert-loopback-floor: no message for 10 s\n");
      return 1;
    }
  }
  if (failed) {
    std::fprintf(stderr, "alert-loopback-floor: a WebSocket read failed\n");
    return 1;
  }
  samples.print();
  return 0;
}

// The next connection to `listener`; exits if none comes within 10 s (a
// reader or trigger that failed before connecting, e.g. on a CPU it may not use).
int accept_within(int listener) {
  pollfd ready{listener, POLLIN, 0};
  if (::poll(&ready, 1, 10'000) != 1) {
    std::fprintf(stderr, "alert-loopback-floor: no connection within 10 s\n");
    std::_Exit(1);
  }
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) die("accept");
  return fd;
}

bool read_exactly(int fd, char* into, std::size_t size) {
  for (std::size_t got = 0; got < size;) {
    const ssize_t n = ::read(fd, into + got, size - got);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    got += static_cast<std::size_t>(n);
  }
  return true;
}

// The trigger process: one connection, a stamped message every gap.
int send_triggers(const Options& o, const sockaddr_in& to) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) die("connect");
  no_delay(fd);
  std::vector<char> message(static_cast<std::size_t>(o.bytes), 'x');
  for (int round = 0; round < o.rounds; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.gap_ms));
    const std::uint64_t stamp = steady_ns();
    const auto index = static_cast<std::uint32_t>(round);
    std::memcpy(message.data(), &stamp, sizeof stamp);
    std::memcpy(message.data() + sizeof stamp, &index, sizeof index);
    if (::send(fd, message.data(), message.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(message.size())) die("send");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: alert-loopback-floor [--clients N<=1000] [--rounds R>=10] [--gap-ms G] [--bytes 12..4096] "
                 "[--senders 1|2] [--websocket 0|1] [--reader-cpu C]\n");
    return 2;
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 1024) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    die("listen");
  std::fflush(stdout);
  const pid_t reader = ::fork();  // before any thread: the child may allocate freely
  if (reader < 0) die("fork");
  if (reader == 0) {
    ::close(listener);
    if (o.reader_cpu >= 0 && !rover_alerts::testing::run_only_on(o.reader_cpu)) die("sched_setaffinity");
    const int status = o.websocket ? read_websocket_rounds(o, address) : read_rounds(o, address);
    std::fflush(stdout);
    std::_Exit(status);
  }

  std::vector<int> connections;
  net::io_context io;
  std::vector<std::unique_ptr<WebsocketStream>> websockets;
  for (int i = 0; i < o.clients; ++i) {
    const int fd = accept_within(listener);
    no_delay(fd);
    connections.push_back(fd);
    if (o.websocket) {
      auto& ws = *websockets.emplace_back(std::make_unique<WebsocketStream>(io));
      ws.next_layer().assign(tcp::v4(), fd);
      ws.accept();
      ws.binary(true);
      ws.auto_fragment(false);
    }
  }
  const pid_t trigger = ::fork();
  if (trigger < 0) die("fork");
  if (trigger == 0) std::_Exit(send_triggers(o, address));
  const int from = accept_within(listener);

  const auto send_range = [&](const std::vector<char>& message, std::size_t first, std::size_t end) {
    for (std::size_t i = first; i < end; ++i)
      if (::send(connections[i], message.data(), message.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(message.size()))
        die("send");
  };
  const std::size_t half = connections.size() / 2;
  // The second sender is woken through `wake` and says it is done through
  // `sent`: `message` is written only while it waits, and the eventfds'
  // writes and reads order the two threads.
  const int wake = ::eventfd(0, 0);
  const int sent = ::eventfd(0, 0);
  if (wake < 0 || sent < 0) die("eventfd");
  std::vector<char> message(static_cast<std::size_t>(o.bytes));
  std::atomic<bool> done{false};
  std::thread second;
  const std::uint64_t one = 1;
  if (o.senders == 2) {
    second = std::thread([&] {
      std::uint64_t value = 0;
      while (::read(wake, &value, sizeof value) == sizeof value && !done.load()) {
        send_range(message, half, connections.size());
        if (::write(sent, &one, sizeof one) != sizeof one) die("eventfd write");
      }
    });
  }
  // One async write per client from this thread, as a Beast server writes.
  const auto write_websockets = [&] {
    std::size_t pending = websockets.size();
    for (auto& ws : websockets)
      ws->async_write(net::buffer(message), [&](const boost::system::error_code& ec, std::size_t) {
        if (ec) die("websocket write");
        --pending;
      });
    io.restart();
    io.run();
    if (pending != 0) die("websocket writes left pending");
  };
  for (int round = 0; round < o.rounds; ++round) {
    if (!read_exactly(from, message.data(), message.size())) die("the trigger's read");
    if (o.websocket) {
      write_websockets();
    } else if (o.senders == 2) {
      if (::write(wake, &one, sizeof one) != sizeof one) die("eventfd write");
      send_range(message, 0, half);
      std::uint64_t value = 0;
      if (::read(sent, &value, sizeof value) != sizeof value) die("eventfd read");
    } else {
      send_range(message, 0, connections.size());
    }
  }
  done.store(true);
  if (second.joinable()) {
    if (::write(wake, &one, sizeof one) != sizeof one) die("eventfd write");
    second.join();
  }
  int status = 0;
  if (::waitpid(trigger, &status, 0) != trigger || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  if (::waitpid(reader, &status, 0) != reader) die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
