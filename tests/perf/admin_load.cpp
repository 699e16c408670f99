// The delivery suite's admin client; see admin_load.hpp.

#include "admin_load.hpp"

#include "delivery_scan.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <array>
#include <system_error>

namespace rover_alerts::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using beast::error_code;

namespace {

// The routine mix: every priority below critical in turn.
constexpr std::array<std::string_view, 4> kRoutinePriorities{"high", "medium", "low", "info"};

// How often the paced load looks at the clock: 5 routine alerts a tick at 5000/s.
constexpr std::chrono::milliseconds kPaceTick{1};

}  // namespace

AdminLoad::AdminLoad(unsigned short port, const std::string& token) {
  try {
    ws_.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    ws_.next_layer().set_option(tcp::no_delay(true));
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    ws_.text(true);
    ws_.write(net::buffer(R"({"type":"auth","token":")" + token + R"("})"));
    ws_.read(buffer_);
    const auto data = buffer_.cdata();
    const std::string_view welcome(static_cast<const char*>(data.data()), data.size());
    if (message_type(welcome) != "welcome") error_ = "admin auth: " + std::string(welcome.substr(0, 160));
    buffer_.consume(buffer_.size());
  } catch (const std::system_error& e) {
    error_ = std::string("admin connect: ") + e.what();
  }
}

void AdminLoad::start_flood(std::size_t window) {
  run(Mode::Flood);
  net::post(io_, [this, window] {
    for (std::size_t i = 0; i < window; ++i) send_routine();
  });
}

void AdminLoad::start_paced(double routine_per_s, std::optional<std::chrono::milliseconds> critical_every) {
  routine_per_s_ = routine_per_s;
  critical_every_ = critical_every;
  run(Mode::Paced);
  net::post(io_, [this] {
    paced_start_ = std::chrono::steady_clock::now();
    next_critical_ = paced_start_;
    pace();
  });
}

void AdminLoad::start_acks(std::size_t count, std::chrono::milliseconds gap) {
  acks_wanted_ = count;
  ack_gap_ = gap;
  run(Mode::Acks);
  net::post(io_, [this] { ack_step(); });
}

void AdminLoad::run(Mode mode) {
  mode_ = mode;
  if (!connected() || thread_.joinable()) return;
  read_next();
  thread_ = std::thread([this] { io_.run(); });
}

void AdminLoad::stop_sending() {
  net::post(io_, [this] {
    sending_ = false;
    timer_.cancel();
  });
}

void AdminLoad::stop() {
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
  error_code ignored;
  ws_.next_layer().close(ignored);
}

void AdminLoad::send(std::string message) {
  outbox_.push_back(std::move(message));
  if (!writing_) write_next();
}

void AdminLoad::write_next() {
  if (outbox_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.async_write(net::buffer(outbox_.front()), [this](const error_code& ec, std::size_t) {
    if (ec) return fail(ec, "write");
    outbox_.pop_front();
    write_next();
  });
}

void AdminLoad::read_next() { ws_.async_read(buffer_, beast::bind_front_handler(&AdminLoad::on_read, this)); }

void AdminLoad::on_read(const error_code& ec, std::size_t) {
  if (ec) return fail(ec, "read");
  const auto data = buffer_.cdata();
  on_answer(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  read_next();
}

void AdminLoad::on_answer(std::string_view answer) {
  const std::string_view type = message_type(answer);
  if (type != "response" && type != "error") return;  // not an answer (the admin subscribes to nothing)
  if (type == "error" || answer.find(R"("ok":true)") == std::string_view::npos)
    return fail("admin request refused: " + std::string(answer.substr(0, 200)));
  answered_.fetch_add(1, std::memory_order_relaxed);
  if (!sending_) return;
  switch (mode_) {
    case Mode::Flood:
      return send_routine();
    case Mode::Paced:
      return;
    case Mode::Acks:
      if (ack_phase_ == AckPhase::Creating) {
        // Ground alerts are named by the relay (ground-<rev>); the answer says which.
        alert_to_ack_ = std::string(string_member(answer, "alertId"));
        ack_phase_ = AckPhase::Acknowledging;
      } else if (++acks_answered_ == acks_wanted_) {
        return acks_done_.store(true, std::memory_order_release);
      } else {
        ack_phase_ = AckPhase::Creating;
      }
      // A gap either way: the creation's deliveries settle before the ack is timed.
      timer_.expires_after(ack_gap_);
      timer_.async_wait([this](const error_code& e) {
        if (!e) ack_step();
      });
      return;
  }
}

void AdminLoad::fail(const error_code& ec, const char* what) {
  fail(std::string("admin ") + what + ": " + ec.message());
}

void AdminLoad::fail(std::string what) {
  if (error_.empty()) error_ = std::move(what);
  acks_done_.store(true, std::memory_order_release);  // no one waits for acks that will not come
  io_.stop();
}

std::string AdminLoad::create_request(std::string_view priority, std::uint64_t sent_ns) {
  const std::string n = std::to_string(++next_req_id_);
  std::string request = R"({"type":"alert_create","reqId":)";
  request.append(n).append(R"(,"priority":")").append(priority);
  request.append(R"(","source":"bench","message":"bench alert )").append(n);
  request.append(R"(","metadata":{"t":")").append(std::to_string(sent_ns)).append(R"("}})");
  return request;
}

void AdminLoad::send_routine() {
  send(create_request(kRoutinePriorities[routine_sent_++ % kRoutinePriorities.size()], steady_ns()));
}

void AdminLoad::pace() {
  if (!sending_) return;
  const auto now = std::chrono::steady_clock::now();
  // The critical first, so that it does not queue behind this tick's routine alerts.
  if (critical_every_ && now >= next_critical_) {
    critical_sent_ns_.push_back(steady_ns());
    send(create_request("critical", critical_sent_ns_.back()));
    next_critical_ += *critical_every_;
  }
  const double elapsed_s = std::chrono::duration<double>(now - paced_start_).count();
  const auto due = static_cast<std::uint64_t>(routine_per_s_ * elapsed_s);
  while (routine_sent_ < due) send_routine();
  timer_.expires_after(kPaceTick);
  timer_.async_wait([this](const error_code& ec) {
    if (!ec) pace();
  });
}

void AdminLoad::ack_step() {
  if (!sending_) return;
  if (ack_phase_ == AckPhase::Creating) return send(create_request("high", steady_ns()));
  ack_sent_ns_[alert_to_ack_] = steady_ns();
  send(R"({"type":"alert_ack","reqId":"a","alertId":")" + alert_to_ack_ + R"("})");
}

}  // namespace rover_alerts::bench
