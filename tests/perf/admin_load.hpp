#pragma once
// The admin client that makes the delivery suite's load: alert_create (and
// alert_ack) requests over one WebSocket to the relay, from a thread of its
// own so that the bench's main thread can time the run. Every alert carries
// its sending time in metadata.t (std::chrono::steady_clock ns, CLOCK_MONOTONIC:
// the clients' process reads the same clock).
//
// One load per object, started once:
//  - flood: `window` requests outstanding, a new one for every answer, so the
//    relay's answers set the pace; routine priorities in turn;
//  - paced: routine alerts at a rate, and/or one critical alert every period;
//  - acks: create an alert, wait `gap`, acknowledge it, wait `gap`, and so on,
//    recording when each acknowledgement was sent.

#include "stamp_clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace rover_alerts::bench {

class AdminLoad {
 public:
  // Connects to the relay on 127.0.0.1:port and authenticates; error() says
  // why not.
  AdminLoad(unsigned short port, const std::string& token);
  ~AdminLoad() { stop(); }
  AdminLoad(const AdminLoad&) = delete;
  AdminLoad& operator=(const AdminLoad&) = delete;

  bool connected() const { return error_.empty(); }

  void start_flood(std::size_t window);
  void start_paced(double routine_per_s, std::optional<std::chrono::milliseconds> critical_every);
  void start_acks(std::size_t count, std::chrono::milliseconds gap);
  // Sends nothing new; what is queued still goes out and is answered.
  void stop_sending();
  // Stops the load's thread and closes the connection; idempotent.
  void stop();

  // Successful answers so far (readable while the load runs).
  std::uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }
  bool acks_done() const { return acks_done_.load(std::memory_order_acquire); }
  // After stop(): the first failure (a refused request, a broken
  // connection), and when each acknowledgement was sent, by alert id.
  const std::string& error() const { return error_; }
  const std::map<std::string, std::uint64_t, std::less<>>& ack_sent_ns() const { return ack_sent_ns_; }
  // After stop(): the metadata.t of every critical alert sent, in order.
  const std::vector<std::uint64_t>& critical_sent_ns() const { return critical_sent_ns_; }

 private:
  enum class Mode { Flood, Paced, Acks };

  void run(Mode mode);
  void send(std::string message);
  void write_next();
  void read_next();
  void on_read(const boost::beast::error_code& ec, std::size_t);
  void on_answer(std::string_view answer);
  void fail(const boost::beast::error_code& ec, const char* what);
  void fail(std::string what);

  std::string create_request(std::string_view priority, std::uint64_t sent_ns);
  void send_routine();
  void pace();
  void ack_step();

  boost::asio::io_context io_{1};
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_{io_};
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;  // front: being written
  bool writing_ = false;
  boost::asio::steady_timer timer_{io_};
  std::thread thread_;
  Mode mode_ = Mode::Flood;
  bool sending_ = true;
  std::uint64_t next_req_id_ = 0;
  std::uint64_t routine_sent_ = 0;

  // paced
  double routine_per_s_ = 0;
  std::optional<std::chrono::milliseconds> critical_every_;
  std::chrono::steady_clock::time_point paced_start_;
  std::chrono::steady_clock::time_point next_critical_;
  std::vector<std::uint64_t> critical_sent_ns_;

  // acks
  std::size_t acks_wanted_ = 0;
  std::size_t acks_answered_ = 0;
  std::chrono::milliseconds ack_gap_{20};
  enum class AckPhase { Creating, Acknowledging };
  AckPhase ack_phase_ = AckPhase::Creating;
  std::string alert_to_ack_;
  std::map<std::string, std::uint64_t, std::less<>> ack_sent_ns_;

  std::atomic<std::uint64_t> answered_{0};
  std::atomic<bool> acks_done_{false};
  std::string error_;
};

}  // namespace rover_alerts::bench
