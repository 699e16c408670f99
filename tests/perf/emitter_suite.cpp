// The firmware emitter's benchmark suite; see emitter_suite.hpp.
//
// Allocation counting: support/allocation_counter.hpp (this is the one
// translation unit of alert-bench that includes it).

#include "emitter_suite.hpp"

#include <rover_alerts/clock.hpp>
#include <rover_alerts/emitter.hpp>
#include <rover_alerts/frame_encoder.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "support/allocation_counter.hpp"
#include "support/loopback_listener.hpp"

using rover_alerts::testing::g_allocations;
using rover_alerts::testing::listen_on_loopback;
using rover_alerts::testing::t_count_allocations;

namespace rover_alerts::bench {

namespace {

using Clock = std::chrono::steady_clock;

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0;
};

Percentiles percentiles(std::vector<std::uint32_t>& v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return static_cast<double>(v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]); };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  return p;
}

// A minimal relay on a loopback socket, on its own thread: answers hello,
// counts alert frames, acks cumulatively every few frames. It trusts the
// emitter's frames (no verification) to keep its own cost out of the figure.
class SinkRelay {
 public:
  SinkRelay() {
    listen_fd_ = listen_on_loopback(port_);
    buffer_.resize(1 << 20);
    thread_ = std::thread([this] { run(); });
  }
  ~SinkRelay() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }
  std::uint64_t alerts() const { return alerts_.load(std::memory_order_acquire); }

 private:
  void send_frame(int fd, flatbuffers::FlatBufferBuilder& b) {
    const auto* data = b.GetBufferPointer();
    std::size_t left = b.GetSize();
    while (left > 0) {
      const ssize_t n = ::send(fd, data, left, MSG_NOSIGNAL);
      if (n <= 0) return;
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        serve(fd);
        ::close(fd);
      }
    }
  }
  void serve(int fd) {
    std::size_t have = 0;
    std::uint64_t boot = 0, acked = 0, unacked = 0;
    flatbuffers::FlatBufferBuilder b(256);
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer_.data() + have, buffer_.size() - have, 0);
      if (n <= 0) return;
      have += static_cast<std::size_t>(n);
      std::size_t at = 0;
      while (have - at >= link::kPrefixBytes) {
        const std::uint32_t len = link::read_length_prefix(buffer_.data() + at);
        if (have - at < link::kPrefixBytes + len) break;
        const auto* frame = link::GetSizePrefixedFrame(buffer_.data() + at);
        if (frame->payload_type() == link::Payload::AlertEvent) {
          acked = frame->seq();
          alerts_.fetch_add(1, std::memory_order_release);
          ++unacked;
        } else if (const auto* hello = frame->payload_as_Hello()) {
          boot = hello->boot_id();
          b.Clear();
          link::FinishSizePrefixedFrameBuffer(
              b, link::CreateFrame(b, 0, 0, link::Payload::HelloReply, link::CreateHelloReply(b, 1, boot, acked).Union()));
          send_frame(fd, b);
        }
        at += link::kPrefixBytes + len;
      }
      if (unacked > 0) {  // one cumulative ack per read, as a relay batching its acks would
        unacked = 0;
        b.Clear();
        link::FinishSizePrefixedFrameBuffer(
            b, link::CreateFrame(b, 0, 0, link::Payload::LinkAck, link::CreateLinkAck(b, boot, acked).Union()));
        send_frame(fd, b);
      }
      std::memmove(buffer_.data(), buffer_.data() + at, have - at);
      have -= at;
    }
  }

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<std::uint8_t> buffer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> alerts_{0};
};

// The alert a control loop typically raises: metadata, an action, a title.
struct TypicalAlert {
  KeyValueView meta[2] = {{"motor", "left-rear"}, {"temperatureC", "92"}};
  KeyValueView param{"reason", "low_battery"};
  ActionSpec action{"Return to Base", "navigation.return_to_base", &param, 1};
  AlertSpec spec;
  TypicalAlert() {
    spec.key = "drive/motor-left-rear-overtemp";
    spec.priority = Priority::Medium;
    spec.source = "drive-system";
    spec.title = "Motor Over-Temperature";
    spec.message = "Left rear drive motor at 92 \xC2\xB0" "C (limit 85 \xC2\xB0" "C)";
    spec.metadata = meta;
    spec.metadata_count = 2;
    spec.action = &action;
    spec.group_id = "drive-thermal";
  }
};

EmitterConfig bench_config(std::uint16_t port) {
  EmitterConfig c;
  c.rover_id = "bench";
  c.relay_port = port;
  c.staging_capacity = 256;
  c.queue_capacity = 4096;
  c.key_capacity = 4096;
  c.replay_ring_bytes = 4 * 1024 * 1024;
  c.min_update_interval_ms = 1000;
  return c;
}

// Keys prepared up front: building them would allocate inside the loop.
std::vector<std::string> make_keys(std::size_t n) {
  std::vector<std::string> keys(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = "bench/key-" + std::to_string(i);
  return keys;
}

// `threads` producers raise `per_thread` alerts each while a link thread
// polls; every accepted raise's duration is one sample.
std::vector<std::uint32_t> raise_latencies(int threads, std::size_t per_thread, const std::vector<std::string>& keys) {
  SinkRelay relay;
  Emitter e;
  if (e.init(bench_config(relay.port())) != Status::Ok) return {};
  std::atomic<bool> stop{false};
  std::thread link([&] {
    while (!stop.load(std::memory_order_relaxed)) e.poll(0);
  });
  std::vector<std::vector<std::uint32_t>> samples(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&, t] {
      auto& out = samples[static_cast<std::size_t>(t)];
      out.reserve(per_thread);
      TypicalAlert a;
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      for (std::size_t i = 0; i < per_thread; ++i) {
        a.spec.key = keys[(i * 2 + static_cast<std::size_t>(t)) % keys.size()];
        const std::uint64_t t0 = now_ns();
        const Status s = e.raise(a.spec);
        const std::uint64_t t1 = now_ns();
        if (accepted(s)) out.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(t1 - t0, UINT32_MAX)));
        // A control loop raises between other work; leave the link thread a
        // moment now and then so staging is not simply always full.
        if ((i & 63) == 63) std::this_thread::yield();
      }
    });
  }
  for (auto& p : producers) p.join();
  stop = true;
  link.join();
  std::vector<std::uint32_t> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  return all;
}

double timer_overhead_ns() {
  std::vector<std::uint32_t> v;
  v.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    const auto t0 = now_ns();
    const auto t1 = now_ns();
    v.push_back(static_cast<std::uint32_t>(t1 - t0));
  }
  return percentiles(v).p50;
}

double frame_encode_p50() {
  FrameEncoder enc;
  if (!enc.init()) return -1;
  TypicalAlert a;
  AlertRecord r;
  r.key.assign(a.spec.key);
  r.source.assign(a.spec.source);
  r.title.assign(a.spec.title);
  r.message.assign(a.spec.message);
  r.group_id.assign(a.spec.group_id);
  r.has_action = true;
  r.action_label.assign(a.action.label);
  r.action_type.assign(a.action.action_type);
  r.action_param_count = 1;
  r.action_params[0].key.assign(a.param.key);
  r.action_params[0].value.assign(a.param.value);
  r.metadata_count = 2;
  for (int i = 0; i < 2; ++i) {
    r.metadata[i].key.assign(a.meta[i].key);
    r.metadata[i].value.assign(a.meta[i].value);
  }
  std::vector<std::uint32_t> v;
  constexpr int kRuns = 200000;
  v.reserve(kRuns);
  std::size_t bytes = 0;
  for (int i = 0; i < kRuns; ++i) {
    const auto t0 = now_ns();
    bytes += enc.encode_alert(r, static_cast<std::uint64_t>(i) + 1, 1'700'000'000'000).size();
    const auto t1 = now_ns();
    v.push_back(static_cast<std::uint32_t>(t1 - t0));
  }
  if (bytes == 0) return -1;
  return percentiles(v).p50;
}

struct LinkResult {
  double alerts_per_s = 0;
  std::uint64_t delivered = 0;
  std::uint64_t allocations = 0;
  bool counted = false;
};

// One producer raises distinct keys as fast as staging takes them (retrying
// when full) while the link thread polls; a reader thread counts the frames.
LinkResult link_throughput(std::size_t alerts, const std::vector<std::string>& keys) {
  LinkResult r;
  SinkRelay relay;
  Emitter e;
  if (e.init(bench_config(relay.port())) != Status::Ok) return r;
  std::atomic<bool> stop{false};
  // Connect first, so the figure is the steady stream.
  while (!e.link_up()) e.poll(1);
  g_allocations = 0;
  std::thread link([&] {
    t_count_allocations = true;
    while (!stop.load(std::memory_order_relaxed)) e.poll(0);
    t_count_allocations = false;
  });
  TypicalAlert a;
  const auto start = Clock::now();
  t_count_allocations = true;
  for (std::size_t i = 0; i < alerts; ++i) {
    a.spec.key = keys[i % keys.size()];
    // Staging full: spin briefly (the link thread is draining on the other
    // core), yielding only now and then.
    for (unsigned tries = 1; !accepted(e.raise(a.spec)); ++tries)
      if (tries % 64 == 0) std::this_thread::yield();
  }
  t_count_allocations = false;
  while (relay.alerts() < alerts && Clock::now() - start < std::chrono::seconds(30)) std::this_thread::yield();
  const auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  link.join();
  r.delivered = relay.alerts();
  r.alerts_per_s = static_cast<double>(r.delivered) / elapsed;
  r.allocations = g_allocations.load();
#ifdef ROVER_ALERTS_COUNTS_MALLOC
  r.counted = true;
#endif
  return r;
}

}  // namespace

std::string run_emitter_suite() {
  // Distinct keys, more than the key table holds: every raise is a new alert
  // (no coalescing) -- the emitter's worst case for the link.
  const auto keys = make_keys(200000);
  const double timer = timer_overhead_ns();
  auto one = raise_latencies(1, 400000, keys);
  auto two = raise_latencies(2, 200000, keys);
  const auto p1 = percentiles(one);
  const auto p2 = percentiles(two);
  const double encode = frame_encode_p50();
  const auto link = link_throughput(1000000, keys);
  const std::size_t ram = Emitter::reserved_bytes(EmitterConfig{});

  char json[1024];
  std::snprintf(json, sizeof json,
                "{\"suite\":\"emitter\",\"raise_ns_p50\":%.0f,\"raise_ns_p99\":%.0f,\"raise_ns_p999\":%.0f,"
                "\"raise_ns_p50_1t\":%.0f,\"raise_ns_p99_1t\":%.0f,\"raise_ns_p999_1t\":%.0f,"
                "\"raise_ns_p50_2t\":%.0f,\"raise_ns_p99_2t\":%.0f,\"raise_ns_p999_2t\":%.0f,"
                "\"raise_samples_1t\":%zu,\"raise_samples_2t\":%zu,\"timer_overhead_ns\":%.0f,"
                "\"allocs_after_init\":%s,\"frame_encode_ns_p50\":%.0f,\"link_alerts_per_s\":%.0f,"
                "\"link_alerts_delivered\":%llu,\"ram_bytes_default_config\":%zu}",
                p1.p50, p1.p99, p1.p999, p1.p50, p1.p99, p1.p999, p2.p50, p2.p99, p2.p999, one.size(), two.size(),
                timer, link.counted ? std::to_string(link.allocations).c_str() : "null", encode, link.alerts_per_s,
                static_cast<unsigned long long>(link.delivered), ram);
  return json;
}

}  // namespace rover_alerts::bench
