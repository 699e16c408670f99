#pragma once
// LoopbackRelay: the relay's side of the link in miniature, on a real loopback
// TCP socket, for firmware tests that must run without the host programs (also
// under qemu). It verifies every frame, answers hello with HelloReply and acks
// alert frames cumulatively, and records what it received.

#include <rover_alerts/link_framing.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rover_alerts::testing {

struct ReceivedFrame {
  link::Payload type = link::Payload::NONE;
  std::uint64_t seq = 0;
  std::string key;      // AlertEvent
  std::string message;  // AlertEvent
  std::uint8_t priority = 0;
  std::vector<std::uint64_t> lost;  // Heartbeat
};

class LoopbackRelay {
 public:
  LoopbackRelay() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackRelay() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  std::uint16_t port() const { return port_; }

  // Closes the current connection (a dropped link); the emitter reconnects.
  void drop() { drop_ = true; }

  std::vector<ReceivedFrame> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::vector<ReceivedFrame> alerts() {
    std::vector<ReceivedFrame> out;
    for (auto& f : frames())
      if (f.type == link::Payload::AlertEvent) out.push_back(f);
    return out;
  }
  std::uint64_t connections() const { return connections_; }
  std::uint64_t bad_frames() const { return bad_frames_; }

  // Polls `done` until true or the timeout; returns its last value.
  static bool wait_for(const std::function<bool()>& done, int timeout_ms = 5000) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      serve(fd);
      ::close(fd);
    }
  }

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

  void serve(int fd) {
    std::vector<std::uint8_t> buffer;
    std::uint8_t chunk[4096];
    while (!stop_) {
      if (drop_.exchange(false)) return;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.insert(buffer.end(), chunk, chunk + n);
      for (;;) {
        if (buffer.size() < link::kPrefixBytes) break;
        const auto length = link::read_length_prefix(buffer.data());
        if (link::check_length(length) != link::FrameStatus::Ok) {
          ++bad_frames_;
          return;
        }
        if (buffer.size() < link::kPrefixBytes + length) break;
        const auto decoded = link::verify_prefixed_frame(buffer.data(), buffer.size());
        if (decoded.status != link::FrameStatus::Ok) {
          ++bad_frames_;
          return;
        }
        ReceivedFrame rf;
        rf.type = decoded.frame->payload_type();
        rf.seq = decoded.frame->seq();
        flatbuffers::FlatBufferBuilder b;
        if (const auto* hello = decoded.frame->payload_as_Hello()) {
          if (hello->boot_id() != boot_) acked_ = 0;
          boot_ = hello->boot_id();
          link::FinishSizePrefixedFrameBuffer(
              b, link::CreateFrame(b, 0, 0, link::Payload::HelloReply,
                                   link::CreateHelloReply(b, 1, boot_, acked_).Union()));
          send_frame(fd, b);
        } else if (const auto* alert = decoded.frame->payload_as_AlertEvent()) {
          rf.key = alert->key()->str();
          rf.message = alert->message()->str();
          rf.priority = static_cast<std::uint8_t>(alert->priority());
          // Highest seen, as the foundation relay does; gaps are the firmware issue's replay work.
          if (rf.seq > acked_) acked_ = rf.seq;
          link::FinishSizePrefixedFrameBuffer(
              b, link::CreateFrame(b, 0, 0, link::Payload::LinkAck, link::CreateLinkAck(b, boot_, acked_).Union()));
          send_frame(fd, b);
        } else if (const auto* hb = decoded.frame->payload_as_Heartbeat()) {
          if (hb->lost_by_priority()) rf.lost.assign(hb->lost_by_priority()->begin(), hb->lost_by_priority()->end());
        }
        {
          std::lock_guard lock(mutex_);
          frames_.push_back(std::move(rf));
        }
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(link::kPrefixBytes + length));
      }
    }
  }

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drop_{false};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> bad_frames_{0};
  std::uint64_t boot_ = 0;   // relay thread only
  std::uint64_t acked_ = 0;  // relay thread only, kept across connections of one boot
  std::mutex mutex_;
  std::vector<ReceivedFrame> frames_;
};

}  // namespace rover_alerts::testing
