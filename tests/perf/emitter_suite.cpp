// The firmware emitter's benchmark suite; see emitter_suite.hpp.
//
// Allocation counting: support/allocation_counter.hpp (this is the one
// translation unit of alert-bench that includes it).

#include "emitter_suite.hpp"

#include <rover_alerts/clock.hpp>
#include <rover_alerts/emitter.hpp>
#include <rover_alerts/alert_frame_writer.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "support/allocation_counter.hpp"
#include "support/link_handshake.hpp"
#include "support/loopback_listener.hpp"

using rover_alerts::testing::g_allocations;
using rover_alerts::testing::listen_on_loopback;
using rover_alerts::testing::RelayHandshake;
using rover_alerts::testing::sealed_segment;
using rover_alerts::testing::t_count_allocations;

namespace rover_alerts::bench {

namespace {

using Clock = std::chrono::steady_clock;

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Raise latencies are read with the cheapest clock there is, so that less of
// each sample is the timer's own cost: on x86-64 the time-stamp counter
// (invariant on every CPU this runs on; rdtscp waits for the raise to finish),
// elsewhere clock_gettime. Scaled to ns against CLOCK_MONOTONIC.
#if defined(__x86_64__)
inline std::uint64_t ticks_begin() {
  _mm_lfence();
  return __rdtsc();
}
inline std::uint64_t ticks_end() {
  unsigned aux = 0;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}
#else
inline std::uint64_t ticks_begin() { return now_ns(); }
inline std::uint64_t ticks_end() { return now_ns(); }
#endif

double ns_per_tick() {
  const std::uint64_t n0 = now_ns(), t0 = ticks_begin();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::uint64_t n1 = now_ns(), t1 = ticks_end();
  return static_cast<double>(n1 - n0) / static_cast<double>(t1 - t0);
}

std::uint32_t to_ns(std::uint64_t ticks, double scale) {
  return static_cast<std::uint32_t>(std::min(static_cast<double>(ticks) * scale, double{UINT32_MAX}));
}

// Threads are placed as on the rover: the control loop owns core 0, the
// emitter's link thread core 1 (a second raising thread goes there too).
// Without this, three or four busy threads share two cores at random and the
// figures measure the scheduler.
// `cpu` beyond the machine: left where it is.
void pin_to_cpu(unsigned cpu) {
  if (cpu >= std::thread::hardware_concurrency()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}
void unpin() {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned cpu = 0; cpu < std::thread::hardware_concurrency() && cpu < CPU_SETSIZE; ++cpu) CPU_SET(cpu, &set);
  ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}
constexpr unsigned kProducerCpu = 0;
// The link thread is driven as an application's I/O loop would drive it: the
// emitter waits on its socket between passes (in 1 ms steps), it does not spin.
constexpr int kPollMs = 10;
constexpr unsigned kLinkCpu = 1;

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
// Given a key it authenticates the rover and checks every segment's tag, as
// the relay does (that cost is on its core, not the emitter's).
class SinkRelay {
 public:
  explicit SinkRelay(unsigned cpu, const link::LinkKey* key = nullptr) : handshake_(key ? *key : link::LinkKey{}) {
    from_rover_.init();
    to_rover_.init();
    listen_fd_ = listen_on_loopback(port_);
    buffer_.resize(1 << 20);
    thread_ = std::thread([this, cpu] {
      pin_to_cpu(cpu);
      run();
    });
  }
  ~SinkRelay() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }
  std::uint64_t alerts() const { return alerts_.load(std::memory_order_acquire); }

 private:
  void reply(int fd, flatbuffers::FlatBufferBuilder& b, std::uint64_t boot, std::uint64_t acked) {
    b.Clear();
    link::FinishSizePrefixedFrameBuffer(
        b, link::CreateFrame(b, 0, 0, link::Payload::HelloReply, link::CreateHelloReply(b, 1, boot, acked).Union()));
    send_frame(fd, b);
  }
  void send_frame(int fd, flatbuffers::FlatBufferBuilder& b) {
    const std::span<const std::uint8_t> frame(b.GetBufferPointer(), b.GetSize());
    if (to_rover_.active()) return send_bytes(fd, sealed_segment(to_rover_, frame));
    send_bytes(fd, frame);
  }
  void send_bytes(int fd, std::span<const std::uint8_t> bytes) {
    const auto* data = bytes.data();
    std::size_t left = bytes.size();
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
    from_rover_.stop();
    to_rover_.stop();
    const auto on_frame = [&](const link::Frame* frame, std::span<const std::uint8_t> bytes) {
      if (frame->payload_type() == link::Payload::AlertEvent) {
        acked = frame->seq();
        alerts_.fetch_add(1, std::memory_order_release);
        ++unacked;
      } else if (const auto* hello = frame->payload_as_Hello()) {
        boot = hello->boot_id();
        if (hello->nonce() != nullptr) return send_bytes(fd, handshake_.challenge(bytes));
        reply(fd, b, boot, acked);
      } else if (const auto* proof = frame->payload_as_Proof()) {
        if (handshake_.accept(*proof, from_rover_, to_rover_)) reply(fd, b, boot, acked);
      }
    };
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer_.data() + have, buffer_.size() - have, 0);
      if (n <= 0) return;
      have += static_cast<std::size_t>(n);
      std::size_t at = 0;
      while (from_rover_.active() && have - at >= link::kSealHeaderBytes) {
        const std::uint32_t payload = link::read_length_prefix(buffer_.data() + at);
        const std::size_t whole = link::kSealHeaderBytes + payload + link::kSealTagBytes;
        if (have - at < whole) break;
        const std::span<const std::uint8_t> segment(buffer_.data() + at, whole);
        if (!from_rover_.open(segment.first(link::kSealHeaderBytes), segment.subspan(link::kSealHeaderBytes, payload),
                              segment.last(link::kSealTagBytes)))
          return;
        for (std::size_t in = link::kSealHeaderBytes; in < link::kSealHeaderBytes + payload;) {
          const std::size_t frame_bytes = link::kPrefixBytes + link::read_length_prefix(buffer_.data() + at + in);
          on_frame(link::GetSizePrefixedFrame(buffer_.data() + at + in), segment.subspan(in, frame_bytes));
          in += frame_bytes;
        }
        at += whole;
      }
      while (!from_rover_.active() && have - at >= link::kPrefixBytes) {
        const std::uint32_t len = link::read_length_prefix(buffer_.data() + at);
        if (have - at < link::kPrefixBytes + len) break;
        on_frame(link::GetSizePrefixedFrame(buffer_.data() + at),
                 std::span<const std::uint8_t>(buffer_.data() + at, link::kPrefixBytes + len));
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
  RelayHandshake handshake_;
  link::SegmentSeal from_rover_, to_rover_;
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

EmitterConfig bench_config(std::uint16_t port, std::size_t producers) {
  EmitterConfig c;
  c.rover_id = "bench";
  c.relay_port = port;
  c.max_producers = producers;
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
// polls; every accepted raise's duration is one sample. A control loop raises
// between other work: each producer raises `cluster` alerts back to back --
// what one control cycle raises when a fault trips several conditions -- and
// then does other work (a spin on the clock, keeping the core as a control
// loop would) until its next cluster is due, one raise per kRaiseEveryNs on
// average from all producers together: 50 000 raises a second -- far more
// than a rover's control loop raises, and well within what the link sustains,
// so staging has room. Refusals (staging full) are counted, not sampled.
//
// The headline figures take clusters of kClusterRaises: their p50 is what a
// raise costs, their p99 and p999 hold the first raise of each cluster, whose
// code and data the other work (and, on a shared host, the host's) has pushed
// out of the caches. The `_isolated` figures take clusters of one, so every
// raise is such a first one: how much colder caches make a raise.
constexpr std::uint64_t kRaiseEveryNs = 20000;
constexpr std::size_t kClusterRaises = 8;

struct Latencies {
  std::vector<std::uint32_t> samples;
  std::size_t refused = 0;  // staging full: the link thread fell behind
};

Latencies raise_latencies(int threads, std::size_t per_thread, std::size_t cluster, const std::vector<std::string>& keys,
                          double scale) {
  SinkRelay relay(kLinkCpu);
  Emitter e;
  if (e.init(bench_config(relay.port(), static_cast<std::size_t>(threads))) != Status::Ok) return {};
  std::atomic<bool> stop{false};
  std::thread link([&] {
    pin_to_cpu(kLinkCpu);
    while (!stop.load(std::memory_order_relaxed)) e.poll(kPollMs);
  });
  std::vector<std::vector<std::uint32_t>> samples(static_cast<std::size_t>(threads));
  std::vector<std::size_t> refused(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&, t] {
      // Two threads raise at once only on two cores: the second one shares
      // the link thread's (on one core they would take turns, not race).
      pin_to_cpu(t == 0 ? kProducerCpu : kLinkCpu);
      auto& out = samples[static_cast<std::size_t>(t)];
      out.reserve(per_thread);
      TypicalAlert a;
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      const std::uint64_t period = kRaiseEveryNs * static_cast<std::uint64_t>(threads) * cluster;
      for (std::size_t i = 0; i < per_thread; ++i) {
        // A thread that lost its core for a while does not catch up in a
        // burst: the next cluster is a period after this one, whenever it is.
        if (i % cluster == 0) {
          for (const std::uint64_t next = now_ns() + period; now_ns() < next;) {
          }
        }
        a.spec.key = keys[(i * 2 + static_cast<std::size_t>(t)) % keys.size()];
        const std::uint64_t t0 = ticks_begin();
        const Status s = e.raise(a.spec);
        const std::uint64_t t1 = ticks_end();
        if (accepted(s)) out.push_back(to_ns(t1 - t0, scale));
        else ++refused[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& p : producers) p.join();
  stop = true;
  link.join();
  Latencies all;
  for (auto& s : samples) all.samples.insert(all.samples.end(), s.begin(), s.end());
  for (const auto n : refused) all.refused += n;
  return all;
}

// The raise on its own, without the other core: one thread raises a burst of
// 64, then drives poll() itself to drain them, and again. Nothing crosses
// cores, so this figure is stable from run to run where the others are not;
// the difference is what the link thread's core costs a raise.
Latencies raise_latencies_one_core(std::size_t raises, const std::vector<std::string>& keys, double scale) {
  SinkRelay relay(kProducerCpu);
  Emitter e;
  if (e.init(bench_config(relay.port(), 1)) != Status::Ok) return {};
  pin_to_cpu(kProducerCpu);
  Latencies l;
  l.samples.reserve(raises);
  TypicalAlert a;
  for (std::size_t i = 0; i < raises; ++i) {
    a.spec.key = keys[i % keys.size()];
    const std::uint64_t t0 = ticks_begin();
    const Status s = e.raise(a.spec);
    const std::uint64_t t1 = ticks_end();
    if (accepted(s)) l.samples.push_back(to_ns(t1 - t0, scale));
    else ++l.refused;
    if (i % 64 == 63) e.poll(0);
  }
  unpin();
  return l;
}

// The state of the host while the suite runs, printed beside the figures: on
// a shared virtual machine the same build measures a raise at 50 ns one
// minute and 100 the next, and these two say why.
//
// Core speed: a chain of dependent adds runs one per cycle, so adds per ns is
// the clock the core actually gets (lower when the host shares its physical
// core with another guest).
double core_ghz() {
  std::uintptr_t x = 0;  // a register wide on every target
  constexpr std::uintptr_t kAdds = 100000000;
  const std::uint64_t t0 = now_ns();
  for (std::uint64_t i = 0; i < kAdds; ++i) {
#if defined(__x86_64__)
    asm volatile("add $1, %0" : "+r"(x));
#elif defined(__aarch64__) || defined(__arm__)
    asm volatile("add %0, %0, #1" : "+r"(x));
#else
    x = x + 1;
#endif
  }
  const std::uint64_t t1 = now_ns();
  return x == kAdds && t1 > t0 ? static_cast<double>(kAdds) / static_cast<double>(t1 - t0) : 0;
}

// One-way hand-over of a cache line between the producer's and the link
// thread's cores (a ping-pong): what a line the other core touched costs.
double core_to_core_ns() {
  constexpr std::uint32_t kTrips = 100000;
  alignas(64) std::atomic<std::uint32_t> ball{0};
  std::thread other([&] {
    pin_to_cpu(kLinkCpu);
    for (std::uint32_t i = 0; i < kTrips; ++i) {
      while (ball.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      ball.store(2 * i + 2, std::memory_order_release);
    }
  });
  pin_to_cpu(kProducerCpu);
  const std::uint64_t t0 = now_ns();
  for (std::uint32_t i = 0; i < kTrips; ++i) {
    ball.store(2 * i + 1, std::memory_order_release);
    while (ball.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const std::uint64_t t1 = now_ns();
  other.join();
  unpin();
  return static_cast<double>(t1 - t0) / (2.0 * kTrips);
}

// What an empty pair of raise-timer reads measures (included in every sample).
double timer_overhead_ns(double scale) {
  std::vector<std::uint32_t> v;
  v.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    const auto t0 = ticks_begin();
    const auto t1 = ticks_end();
    v.push_back(to_ns(t1 - t0, scale));
  }
  return percentiles(v).p50;
}

double frame_encode_p50() {
  std::vector<std::uint8_t> frame(kMaxAlertFrameBytes);
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
    bytes += write_alert_frame(r, static_cast<std::uint64_t>(i) + 1, 1'700'000'000'000, frame.data());
    const auto t1 = now_ns();
    v.push_back(static_cast<std::uint32_t>(t1 - t0));
  }
  if (bytes == 0) return -1;
  return percentiles(v).p50;
}

struct LinkResult {
  double alerts_per_s = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;  // displaced in the outbox (counted by the emitter)
  std::uint64_t allocations = 0;
  bool counted = false;
  double link_busy = 0;  // the link thread's CPU time over the round's: below 1, it waited
};

double thread_cpu_s() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// One producer raises distinct keys as fast as the emitter takes them while
// the link thread polls; a reader thread counts the frames. The producer keeps
// at most kMaxBacklog alerts taken but not yet framed (a control loop that
// outruns its link loses alerts by the priority rule, and a figure with losses
// would not be a throughput); any that are lost anyway are reported.
constexpr std::uint64_t kMaxBacklog = 2048;

// `sealed`: the link authenticated with a key, every segment sealed and checked.
LinkResult link_throughput(std::size_t alerts, const std::vector<std::string>& keys, bool sealed) {
  LinkResult r;
  link::LinkKey key{};
  key.fill(0x42);
  SinkRelay relay(kProducerCpu, sealed ? &key : nullptr);
  Emitter e;
  EmitterConfig config = bench_config(relay.port(), 1);
  config.has_link_key = sealed;
  config.link_key = key;
  if (e.init(config) != Status::Ok) return r;
  std::atomic<bool> stop{false};
  // Connect first, so the figure is the steady stream.
  while (!e.link_up()) e.poll(1);
  g_allocations = 0;
  double link_cpu_s = 0;  // read after join()
  std::thread link([&] {
    pin_to_cpu(kLinkCpu);
    t_count_allocations = true;
    const double cpu_start = thread_cpu_s();
    while (!stop.load(std::memory_order_relaxed)) e.poll(kPollMs);
    link_cpu_s = thread_cpu_s() - cpu_start;
    t_count_allocations = false;
  });
  pin_to_cpu(kProducerCpu);
  TypicalAlert a;
  const auto start = Clock::now();
  t_count_allocations = true;
  for (std::size_t i = 0; i < alerts; ++i) {
    a.spec.key = keys[i % keys.size()];
    // Staging full or the link behind: give the core to the sink thread.
    while (!accepted(e.raise(a.spec))) std::this_thread::yield();
    if (i % 64 == 63)
      for (auto c = e.counters(); c.accepted - c.latest_seq - c.lost_in_outbox > kMaxBacklog; c = e.counters())
        std::this_thread::yield();
  }
  t_count_allocations = false;
  const auto accounted = [&] { return relay.alerts() + e.counters().lost_in_outbox >= alerts; };
  while (!accounted() && Clock::now() - start < std::chrono::seconds(30)) std::this_thread::yield();
  const auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  link.join();
  // Its CPU time includes the few polls after the last alert; they are short.
  r.link_busy = link_cpu_s / elapsed;
  unpin();
  r.delivered = relay.alerts();
  r.lost = e.counters().lost_in_outbox;
  r.alerts_per_s = static_cast<double>(r.delivered) / elapsed;
  r.allocations = g_allocations.load();
#ifdef ROVER_ALERTS_COUNTS_MALLOC
  r.counted = true;
#endif
  return r;
}

// Figures vary from run to run on a shared machine: each is measured in
// kRounds independent rounds (a fresh emitter each) and the median reported.
constexpr int kRounds = 3;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct RaiseFigures {
  Percentiles p;  // medians over the rounds
  std::size_t samples = 0, refused = 0;
};

RaiseFigures raise_figures(int threads, std::size_t per_thread, std::size_t cluster, const std::vector<std::string>& keys,
                          double scale) {
  std::vector<double> p50, p99, p999;
  RaiseFigures f;
  for (int round = 0; round < kRounds; ++round) {
    auto l = raise_latencies(threads, per_thread, cluster, keys, scale);
    const auto p = percentiles(l.samples);
    p50.push_back(p.p50);
    p99.push_back(p.p99);
    p999.push_back(p.p999);
    f.samples += l.samples.size();
    f.refused += l.refused;
  }
  f.p = {median(p50), median(p99), median(p999)};
  return f;
}

}  // namespace

std::string run_emitter_suite() {
  // Raise latency: a control loop's set of conditions, as large as the bench
  // emitter's key table (16 times the default). Its strings stay in cache as
  // a control loop's would; what varies is the key, as it does on a rover.
  const auto condition_keys = make_keys(4096);
  // Link throughput: distinct keys, more than the key table holds, so every
  // raise is a new alert (no coalescing) -- the emitter's worst case.
  const auto keys = make_keys(200000);
  const double scale = ns_per_tick();
  const double timer = timer_overhead_ns(scale);
  const double ghz = core_ghz();
  const double c2c = core_to_core_ns();
  const auto one = raise_figures(1, 50000, kClusterRaises, condition_keys, scale);
  const auto two = raise_figures(2, 25000, kClusterRaises, condition_keys, scale);
  const auto one_isolated = raise_figures(1, 50000, 1, condition_keys, scale);
  const auto two_isolated = raise_figures(2, 25000, 1, condition_keys, scale);
  auto alone = raise_latencies_one_core(200000, condition_keys, scale);
  const auto p_alone = percentiles(alone.samples);
  const double encode = frame_encode_p50();
  std::vector<double> link_rates, link_busy, sealed_rates;
  std::uint64_t delivered = 0, lost = 0, allocations = 0;
  bool counted = true;
  for (int round = 0; round < kRounds; ++round) {
    const auto sealed = link_throughput(1000000, keys, true);
    sealed_rates.push_back(sealed.alerts_per_s);
    delivered += sealed.delivered;
    lost += sealed.lost;
    allocations += sealed.allocations;
    const auto link = link_throughput(1000000, keys, false);
    link_rates.push_back(link.alerts_per_s);
    link_busy.push_back(link.link_busy);
    delivered += link.delivered;
    lost += link.lost;
    allocations += link.allocations;
    counted = counted && link.counted;
  }
  const std::size_t ram = Emitter::reserved_bytes(EmitterConfig{});

  static_assert(kRounds == 3, "the JSON below lists three link rounds");
  // The headline raise figures are the worse of one and two threads.
  const auto worse = [](double a, double b) { return std::max(a, b); };
  char json[3072];
  std::snprintf(json, sizeof json,
                "{\"suite\":\"emitter\",\"raise_ns_p50\":%.0f,\"raise_ns_p99\":%.0f,\"raise_ns_p999\":%.0f,"
                "\"raise_ns_p50_1t\":%.0f,\"raise_ns_p99_1t\":%.0f,\"raise_ns_p999_1t\":%.0f,"
                "\"raise_ns_p50_2t\":%.0f,\"raise_ns_p99_2t\":%.0f,\"raise_ns_p999_2t\":%.0f,"
                "\"raise_cluster\":%zu,"
                "\"raise_ns_p50_isolated_1t\":%.0f,\"raise_ns_p99_isolated_1t\":%.0f,\"raise_ns_p999_isolated_1t\":%.0f,"
                "\"raise_ns_p50_isolated_2t\":%.0f,\"raise_ns_p99_isolated_2t\":%.0f,\"raise_ns_p999_isolated_2t\":%.0f,"
                "\"raise_ns_p50_one_core\":%.0f,\"raise_ns_p99_one_core\":%.0f,\"raise_samples_1t\":%zu,\"raise_samples_2t\":%zu,\"raise_refused_1t\":%zu,\"raise_refused_2t\":%zu,\"raise_refused_isolated\":%zu,"
                "\"timer_overhead_ns\":%.0f,\"allocs_after_init\":%s,\"frame_encode_ns_p50\":%.0f,"
                "\"link_alerts_per_s\":%.0f,\"link_alerts_per_s_rounds\":[%.0f,%.0f,%.0f],"
                "\"link_alerts_per_s_sealed\":%.0f,\"link_alerts_per_s_sealed_rounds\":[%.0f,%.0f,%.0f],\"link_thread_busy_rounds\":[%.2f,%.2f,%.2f],"
                "\"link_alerts_delivered\":%llu,\"link_alerts_lost\":%llu,\"rounds\":%d,\"ram_bytes_default_config\":%zu,"
                "\"host_core_ghz\":%.2f,\"host_core_to_core_ns\":%.0f}",
                worse(one.p.p50, two.p.p50), worse(one.p.p99, two.p.p99), worse(one.p.p999, two.p.p999), one.p.p50,
                one.p.p99, one.p.p999, two.p.p50, two.p.p99, two.p.p999, kClusterRaises, one_isolated.p.p50,
                one_isolated.p.p99, one_isolated.p.p999, two_isolated.p.p50, two_isolated.p.p99, two_isolated.p.p999,
                p_alone.p50, p_alone.p99, one.samples, two.samples, one.refused, two.refused,
                one_isolated.refused + two_isolated.refused, timer, counted ? std::to_string(allocations).c_str() : "null", encode, median(link_rates),
                link_rates[0], link_rates[1], link_rates[2], median(sealed_rates), sealed_rates[0], sealed_rates[1],
                sealed_rates[2], link_busy[0], link_busy[1], link_busy[2], static_cast<unsigned long long>(delivered),
                static_cast<unsigned long long>(lost), kRounds, ram, ghz, c2c);
  return json;
}

}  // namespace rover_alerts::bench
