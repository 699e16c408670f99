// alert-load-clients: many operator clients in one process, the receiving side
// of alert-bench's delivery suite. It runs apart from the bench so that the
// clients' reading competes with the relay as real clients would (as another
// process), and it reports its own CPU share so that one can tell when it was
// the ceiling of a figure.
//
//   alert-load-clients --port PORT --token TOKEN --clients N [--host ADDRESS]
//                      [--seconds S] [--connect-window K] [--stalled M]
//
// Each client: a WebSocket on /ws, auth -> welcome, alert_subscribe (no
// filter), then reads until the end; the first M of them (--stalled) stop
// reading once subscribed, as a screen whose process hangs would. At most K (default 64) clients are
// connecting at once, so that the relay's cap on not-yet-upgraded HTTP
// connections is not what a run measures. One JSON line on stdout per report:
//   {"event":"ready",...}   every client subscribed or failed: subscribed, failed,
//                           failures {reason: count}; counting starts here
//   {"event":"window",...}  on SIGUSR1: what was counted since the previous
//                           report; counting starts again
//   {"event":"final",...}   on SIGTERM, or S seconds after ready; then it exits
// A window's report: wall_s, cpu_s, cpu_share (this process's user+sys CPU
// seconds over wall seconds), deliveries (alert changes: one per `alert`, one
// per element of an `alert_batch`), alert_messages, batch_messages,
// binary_messages, binary_bytes, messages_by_type (every other type),
// window_start_ns, critical_latency_us [every sample: read time minus the
// sender's metadata.t, per client, of each new critical alert sent since the
// window began; see stamp_clock.hpp. Criticals are few, so raw samples let the
// bench count the ones that never arrived], ack_read_ns
// {alertId: [read time of its alert_ack notice, per client]}, closes {reason:
// count}, open (clients still connected).

#include "delivery_scan.hpp"
#include "stamp_clock.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using beast::error_code;
using namespace rover_alerts::bench;

namespace {

// A batch of changes can be large; the relay's own cap is what matters.
constexpr std::size_t kReadMessageMax = 64 * 1024 * 1024;

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string token;
  std::size_t clients = 1;
  double seconds = 0;  // 0: until SIGTERM
  std::size_t connect_window = 64;
  std::size_t stalled = 0;  // of `clients`: never read after subscribing
};

// What every client counted since the window began.
struct Tally {
  std::uint64_t deliveries = 0;
  std::uint64_t alert_messages = 0;
  std::uint64_t batch_messages = 0;
  std::uint64_t binary_messages = 0;
  std::uint64_t binary_bytes = 0;
  std::map<std::string, std::uint64_t, std::less<>> messages_by_type;
  std::vector<std::uint32_t> critical_latency_us;
  std::map<std::string, std::vector<std::uint64_t>, std::less<>> ack_read_ns;
  std::map<std::string, std::uint64_t, std::less<>> closes;

  static void count(std::map<std::string, std::uint64_t, std::less<>>& counts, std::string_view key) {
    auto it = counts.find(key);
    if (it == counts.end()) it = counts.emplace(std::string(key), 0).first;
    ++it->second;
  }
};

boost::json::object to_json(const std::map<std::string, std::uint64_t, std::less<>>& counts) {
  boost::json::object out;
  for (const auto& [key, n] : counts) out[key] = n;
  return out;
}

// The clients, their setup and what they counted; one io thread, no locks.
class Fleet {
 public:
  Fleet(net::io_context& io, Options options)
      : io_(io), options_(std::move(options)), endpoint_(net::ip::make_address(options_.host), options_.port) {}

  void start();
  const Options& options() const { return options_; }
  const tcp::endpoint& endpoint() const { return endpoint_; }
  Tally& tally() { return tally_; }
  std::uint64_t window_start_ns() const { return window_start_ns_; }

  // A client's setup ended: subscribed (no failure) or not.
  void on_setup_done(std::optional<std::string> failure);
  // A subscribed client's connection ended.
  void on_closed(std::string_view reason) {
    --open_;
    Tally::count(tally_.closes, reason);
  }
  // Prints what the window counted and starts the next one.
  void report(std::string_view event);
  void on_ready(std::function<void()> callback) { ready_callback_ = std::move(callback); }

 private:
  void launch_next();
  void print(const boost::json::object& line) {
    const std::string text = boost::json::serialize(line) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  void begin_window() {
    tally_ = Tally{};
    window_start_ns_ = steady_ns();
    window_start_cpu_ = cpu_seconds();
  }

  net::io_context& io_;
  Options options_;
  tcp::endpoint endpoint_;
  Tally tally_;
  std::size_t launched_ = 0;
  std::size_t setup_done_ = 0;
  std::size_t open_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> failures_;
  std::uint64_t window_start_ns_ = steady_ns();
  double window_start_cpu_ = cpu_seconds();
  std::function<void()> ready_callback_;
};

class LoadClient : public std::enable_shared_from_this<LoadClient> {
 public:
  LoadClient(net::io_context& io, Fleet& fleet, bool stalls) : ws_(io), fleet_(fleet), stalls_(stalls) {}

  void start() {
    ws_.next_layer().async_connect(fleet_.endpoint(),
                                   beast::bind_front_handler(&LoadClient::on_connect, shared_from_this()));
  }

 private:
  enum class Phase { Setup, Subscribed, Done };

  void on_connect(error_code ec) {
    if (ec) return fail(ec, "connect");
    ws_.next_layer().set_option(tcp::no_delay(true));
    ws_.read_message_max(kReadMessageMax);
    const std::string host = fleet_.options().host + ":" + std::to_string(fleet_.options().port);
    ws_.async_handshake(upgrade_response_, host, "/ws",
                        beast::bind_front_handler(&LoadClient::on_handshake, shared_from_this()));
  }

  void on_handshake(error_code ec) {
    // A refused upgrade (503 over --max-clients) says more as its status.
    if (ec == websocket::error::upgrade_declined)
      return end_setup("handshake: HTTP " + std::to_string(upgrade_response_.result_int()));
    if (ec) return fail(ec, "handshake");
    upgrade_response_ = {};
    ws_.text(true);
    request_ = R"({"type":"auth","token":")" + fleet_.options().token + R"("})";
    ws_.async_write(net::buffer(request_), beast::bind_front_handler(&LoadClient::on_auth_sent, shared_from_this()));
  }

  void on_auth_sent(error_code ec, std::size_t) {
    if (ec) return fail(ec, "auth");
    ws_.async_read(buffer_, beast::bind_front_handler(&LoadClient::on_welcome, shared_from_this()));
  }

  void on_welcome(error_code ec, std::size_t) {
    if (ec) return fail(ec, "welcome");
    if (message_type(text()) != "welcome") return end_setup("auth: " + std::string(text().substr(0, 160)));
    buffer_.consume(buffer_.size());
    request_ = R"({"type":"alert_subscribe","reqId":"s"})";
    ws_.async_write(net::buffer(request_),
                    beast::bind_front_handler(&LoadClient::on_subscribe_sent, shared_from_this()));
  }

  void on_subscribe_sent(error_code ec, std::size_t) {
    if (ec) return fail(ec, "subscribe");
    read_next();
  }

  void read_next() { ws_.async_read(buffer_, beast::bind_front_handler(&LoadClient::on_read, shared_from_this())); }

  void on_read(error_code ec, std::size_t) {
    if (ec) return fail(ec, "read");
    const std::uint64_t read_ns = steady_ns();
    Tally& tally = fleet_.tally();
    if (ws_.got_binary()) {
      // lz4 or FlatBuffers some day: counted, not decoded.
      ++tally.binary_messages;
      tally.binary_bytes += buffer_.size();
    } else {
      count(text(), read_ns, tally);
    }
    buffer_.consume(buffer_.size());
    if (stalls_ && phase_ == Phase::Subscribed) return stall();
    read_next();
  }

  // Keeps the connection open and reads nothing more; the relay's ping
  // timeout, stall deadline or queue limits are what end it.
  void stall() { stalled_self_ = shared_from_this(); }

  void count(std::string_view message, std::uint64_t read_ns, Tally& tally) {
    const std::string_view type = message_type(message);
    // Only alerts sent in this window: those sent before it belong to the previous one.
    const std::uint64_t window_start_ns = fleet_.window_start_ns();
    const auto latency = [&](std::uint64_t sent_ns) {
      if (sent_ns >= window_start_ns && sent_ns <= read_ns)
        tally.critical_latency_us.push_back(static_cast<std::uint32_t>((read_ns - sent_ns) / 1000));
    };
    if (type == "alert") {
      ++tally.alert_messages;
      ++tally.deliveries;
      for_each_new_critical_stamp(message, latency);
      return;
    }
    if (type == "alert_batch") {
      ++tally.batch_messages;
      tally.deliveries += count_occurrences(message, R"("rev":)");
      for_each_new_critical_stamp(message, latency);
      return;
    }
    Tally::count(tally.messages_by_type, type);
    if (type == "alert_ack") {
      const std::string_view alert_id = string_member(message, "alertId");
      auto it = tally.ack_read_ns.find(alert_id);
      if (it == tally.ack_read_ns.end()) it = tally.ack_read_ns.try_emplace(std::string(alert_id)).first;
      it->second.push_back(read_ns);
    } else if (type == "response" && phase_ == Phase::Setup) {
      // The only request after auth is the subscription.
      if (message.find(R"("ok":true)") == std::string_view::npos)
        return end_setup("subscribe: " + std::string(message.substr(0, 160)));
      phase_ = Phase::Subscribed;
      fleet_.on_setup_done(std::nullopt);
    }
  }

  void fail(error_code ec, const char* what) {
    std::string reason = std::string(what) + ": " + ec.message();
    if (ec == websocket::error::closed)
      reason += " (" + std::to_string(ws_.reason().code) + " " + std::string(ws_.reason().reason.c_str()) + ")";
    if (phase_ == Phase::Subscribed) {
      phase_ = Phase::Done;
      return fleet_.on_closed(reason);
    }
    end_setup(std::move(reason));
  }

  void end_setup(std::string failure) {
    if (phase_ != Phase::Setup) return;
    phase_ = Phase::Done;
    fleet_.on_setup_done(std::move(failure));
  }

  std::string_view text() const {
    const auto data = buffer_.cdata();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  websocket::stream<tcp::socket> ws_;
  Fleet& fleet_;
  const bool stalls_;
  std::shared_ptr<LoadClient> stalled_self_;  // a stalled client has no handler left to keep it
  websocket::response_type upgrade_response_;
  beast::flat_buffer buffer_;
  std::string request_;  // kept alive until its write completes
  Phase phase_ = Phase::Setup;
};

void Fleet::start() {
  const std::size_t first = std::min(options_.clients, options_.connect_window);
  for (std::size_t i = 0; i < first; ++i) launch_next();
}

void Fleet::launch_next() {
  ++launched_;
  std::make_shared<LoadClient>(io_, *this, launched_ <= options_.stalled)->start();
}

void Fleet::on_setup_done(std::optional<std::string> failure) {
  ++setup_done_;
  if (failure) {
    Tally::count(failures_, *failure);
  } else {
    ++open_;
  }
  if (launched_ < options_.clients) launch_next();
  if (setup_done_ != options_.clients) return;
  boost::json::object line;
  line["event"] = "ready";
  line["clients"] = options_.clients;
  line["subscribed"] = open_;
  line["failed"] = options_.clients - open_;
  line["failures"] = to_json(failures_);
  print(line);
  begin_window();
  if (ready_callback_) ready_callback_();
}

void Fleet::report(std::string_view event) {
  const std::uint64_t now_ns = steady_ns();
  const double wall = static_cast<double>(now_ns - window_start_ns_) * 1e-9;
  const double cpu = cpu_seconds() - window_start_cpu_;
  boost::json::object line;
  line["event"] = event;
  line["wall_s"] = wall;
  line["cpu_s"] = cpu;
  line["cpu_share"] = wall > 0 ? cpu / wall : 0.0;
  line["clients"] = options_.clients;
  line["open"] = open_;
  line["deliveries"] = tally_.deliveries;
  line["alert_messages"] = tally_.alert_messages;
  line["batch_messages"] = tally_.batch_messages;
  line["binary_messages"] = tally_.binary_messages;
  line["binary_bytes"] = tally_.binary_bytes;
  line["messages_by_type"] = to_json(tally_.messages_by_type);
  line["window_start_ns"] = window_start_ns_;
  line["critical_latency_us"] = boost::json::value_from(tally_.critical_latency_us);
  boost::json::object acks;
  for (const auto& [alert_id, reads] : tally_.ack_read_ns) acks[alert_id] = boost::json::value_from(reads);
  line["ack_read_ns"] = std::move(acks);
  line["closes"] = to_json(tally_.closes);
  print(line);
  begin_window();
}

int usage() {
  std::cerr << "usage: alert-load-clients --port PORT --token TOKEN --clients N [--host ADDRESS] [--seconds S]"
               " [--connect-window K] [--stalled M]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (i + 1 == argc) return usage();
      const std::string value = argv[++i];
      if (arg == "--host") {
        options.host = value;
      } else if (arg == "--port") {
        options.port = static_cast<unsigned short>(std::stoul(value));
      } else if (arg == "--token") {
        options.token = value;
      } else if (arg == "--clients") {
        options.clients = std::stoul(value);
      } else if (arg == "--seconds") {
        options.seconds = std::stod(value);
      } else if (arg == "--stalled") {
        options.stalled = std::stoul(value);
      } else if (arg == "--connect-window") {
        options.connect_window = std::max<std::size_t>(1, std::stoul(value));
      } else {
        return usage();
      }
    }
  } catch (const std::exception&) {
    return usage();
  }
  if (options.port == 0 || options.token.empty() || options.clients == 0 || options.stalled > options.clients)
    return usage();

  net::io_context io(1);
  Fleet fleet(io, options);
  net::signal_set signals(io, SIGTERM, SIGINT, SIGUSR1);
  std::function<void(const error_code&, int)> on_signal = [&](const error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGUSR1) {
      fleet.report("window");
      return signals.async_wait(on_signal);
    }
    fleet.report("final");
    io.stop();
  };
  signals.async_wait(on_signal);
  net::steady_timer deadline(io);
  if (options.seconds > 0) {
    fleet.on_ready([&] {
      deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(options.seconds)));
      deadline.async_wait([&](const error_code& ec) {
        if (ec) return;
        fleet.report("final");
        io.stop();
      });
    });
  }
  fleet.start();
  io.run();
  return 0;
}
