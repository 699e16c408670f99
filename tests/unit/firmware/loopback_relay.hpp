#pragma once
// LoopbackRelay: the relay's side of the link in miniature, on a real loopback
// TCP socket, for firmware tests that must run without the host programs (also
// under qemu). It verifies every frame, answers hello with HelloReply and acks
// alert frames cumulatively with the highest sequence applied (as the relay
// does: a frame at or below it is a duplicate), and records what it received.
// Tests can hold hello replies or acks, make it forget what it holds (a relay
// restarted without its journal) and send operator acks. It agrees to lz4
// batches when told to and then unpacks them (rover_alerts/lz4_batch.hpp) and
// records each inner frame as if it had come on its own. Given a key, it
// authenticates rovers as the relay does (link_auth.hpp): Challenge, Proof,
// then sealed segments both ways; as an impostor it skips checking the proof
// and seals under the key it has.

#include <rover_alerts/link_auth.hpp>
#include <rover_alerts/link_framing.hpp>
#include <rover_alerts/lz4_batch.hpp>
#include "support/link_handshake.hpp"
#include "support/loopback_listener.hpp"

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
  bool duplicate = false;  // AlertEvent at or below what the relay had applied
  bool not_durable = false;  // AlertEvent received while acks were held (never applied)
  std::string key;         // AlertEvent
  std::string source;      // AlertEvent
  std::string message;     // AlertEvent
  std::uint8_t priority = 0;
  std::uint8_t kind = 0;   // AlertEvent: link::EventKind
  std::uint32_t occurrences = 0;
  std::uint64_t raised_at_ms = 0;   // AlertEvent
  std::uint64_t last_seen_ms = 0;   // AlertEvent
  std::vector<std::uint64_t> lost;  // Heartbeat
  std::uint64_t ring_gap_frames = 0;  // Heartbeat
  std::uint64_t truncated_fields = 0; // Heartbeat
  std::uint64_t latest_seq = 0;       // Heartbeat, Hello
  std::uint64_t oldest_held_seq = 0;  // Hello
  bool lz4 = false;                   // Hello: offered; others: arrived inside an Lz4Batch
};

class LoopbackRelay {
 public:
  LoopbackRelay() {
    listen_fd_ = listen_on_loopback(port_);
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
  // While held, hellos are not answered (the emitter frames nothing); the
  // reply goes out when released.
  void hold_hello_replies(bool hold) { hold_replies_ = hold; }
  // While held, alert frames are recorded but neither acked nor counted as
  // applied: as if the relay crashed before making them durable.
  void hold_acks(bool hold) { hold_acks_ = hold; }
  // Forgets everything applied (a relay restarted without its journal); the
  // next hello is answered with acked_seq 0. Takes effect with the next hello.
  void forget() { forget_ = true; }
  // Rovers with a nonce in their hello are challenged and must prove `key`.
  // Set before the emitter connects.
  void use_key(const link::LinkKey& key) {
    handshake_ = RelayHandshake(key);
    has_key_ = true;
  }
  // Accepts any proof (a relay that does not know the rover's key).
  void impostor(bool on) { impostor_ = on; }
  std::uint64_t proofs_accepted() const { return proofs_accepted_; }
  std::uint64_t proofs_refused() const { return proofs_refused_; }
  std::uint64_t segments_refused() const { return segments_refused_; }

  // Whether the next hello replies agree to lz4 (when the rover offers it).
  void agree_lz4(bool agree) { agree_lz4_ = agree; }
  // Sends an OperatorAck on the current (or next) connection.
  void send_operator_ack(std::string key, std::string alert_id, std::string by, std::uint64_t at_ms) {
    std::lock_guard lock(mutex_);
    operator_acks_.push_back({std::move(key), std::move(alert_id), std::move(by), at_ms});
  }

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
  // Alert frames the relay applied (duplicates left out), in arrival order.
  std::vector<ReceivedFrame> applied() {
    std::vector<ReceivedFrame> out;
    for (auto& f : alerts())
      if (!f.duplicate && !f.not_durable) out.push_back(f);
    return out;
  }
  std::vector<ReceivedFrame> of_type(link::Payload type) {
    std::vector<ReceivedFrame> out;
    for (auto& f : frames())
      if (f.type == type) out.push_back(f);
    return out;
  }
  std::uint64_t connections() const { return connections_; }
  std::uint64_t bad_frames() const { return bad_frames_; }
  std::uint64_t lz4_batches() const { return lz4_batches_; }
  std::uint64_t bytes_received() const { return bytes_received_; }

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

  // One frame; in a segment of its own once the session is sealed.
  void send_frame(int fd, flatbuffers::FlatBufferBuilder& b) {
    const std::span<const std::uint8_t> frame(b.GetBufferPointer(), b.GetSize());
    if (!outbound_.active()) return send_bytes(fd, frame);
    // One send: small writes in a row would wait on Nagle and the peer's delayed ack.
    send_bytes(fd, sealed_segment(outbound_, frame));
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

  void send_hello_reply(int fd) {
    flatbuffers::FlatBufferBuilder b;
    link::FinishSizePrefixedFrameBuffer(
        b, link::CreateFrame(b, 0, 0, link::Payload::HelloReply,
                             link::CreateHelloReply(b, 1, boot_, acked_, lz4_agreed_).Union()));
    send_frame(fd, b);
  }

  void send_pending_operator_acks(int fd) {
    std::vector<PendingOperatorAck> acks;
    {
      std::lock_guard lock(mutex_);
      acks.swap(operator_acks_);
    }
    for (const auto& a : acks) {
      flatbuffers::FlatBufferBuilder b;
      const auto ack = link::CreateOperatorAckDirect(b, a.key.c_str(), a.alert_id.c_str(), a.by.c_str(), a.at_ms);
      link::FinishSizePrefixedFrameBuffer(b, link::CreateFrame(b, 0, 0, link::Payload::OperatorAck, ack.Union()));
      send_frame(fd, b);
    }
  }

  // False: the proof is wrong (the connection is dropped).
  bool check_proof(const link::Proof& proof) {
    if (!handshake_.accept(proof, inbound_, outbound_, impostor_)) {
      ++proofs_refused_;
      return false;
    }
    ++proofs_accepted_;
    return true;
  }

  // Takes the next whole frame (plain) or segment (sealed) off the front of
  // `buffer` and hands each frame to `on_frame`; false when the stream is bad.
  template <class OnFrame>
  bool take(std::vector<std::uint8_t>& buffer, bool& progressed, OnFrame&& on_frame) {
    progressed = false;
    if (inbound_.active()) {
      if (buffer.size() < link::kSealHeaderBytes) return true;
      std::uint32_t payload = 0;
      if (link::read_seal_header(buffer.data(), payload) != link::SealHeaderStatus::Ok) return false;
      const std::size_t whole = link::kSealHeaderBytes + payload + link::kSealTagBytes;
      if (buffer.size() < whole) return true;
      const std::span<const std::uint8_t> bytes(buffer.data(), whole);
      if (!inbound_.open(bytes.first(link::kSealHeaderBytes), bytes.subspan(link::kSealHeaderBytes, payload),
                         bytes.last(link::kSealTagBytes))) {
        ++segments_refused_;
        return false;
      }
      bool ok = true;
      const auto status = link::for_each_prefixed_frame(
          buffer.data() + link::kSealHeaderBytes, payload, link::kMaxFrameBytes, [&](const link::Frame& f) {
            ok = on_frame(f, std::span<const std::uint8_t>());
            return ok;
          });
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(whole));
      progressed = true;
      return ok && status == link::FrameStatus::Ok;
    }
    if (buffer.size() < link::kPrefixBytes) return true;
    const auto length = link::read_length_prefix(buffer.data());
    if (link::check_length(length) != link::FrameStatus::Ok) return false;
    const std::size_t whole = link::kPrefixBytes + length;
    if (buffer.size() < whole) return true;
    const auto decoded = link::verify_prefixed_frame(buffer.data(), whole);
    if (decoded.status != link::FrameStatus::Ok) return false;
    const bool ok = on_frame(*decoded.frame, std::span<const std::uint8_t>(buffer.data(), whole));
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(whole));
    progressed = true;
    return ok;
  }

  void serve(int fd) {
    std::vector<std::uint8_t> buffer;
    std::uint8_t chunk[4096];
    bool reply_owed = false;
    inbound_.init();
    outbound_.init();
    inbound_.stop();
    outbound_.stop();
    awaiting_proof_ = false;
    while (!stop_) {
      if (drop_.exchange(false)) return;
      if (reply_owed && !hold_replies_) {
        reply_owed = false;
        send_hello_reply(fd);
      }
      send_pending_operator_acks(fd);
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.insert(buffer.end(), chunk, chunk + n);
      bytes_received_ += static_cast<std::uint64_t>(n);
      for (;;) {
        bool progressed = false;
        const bool ok = take(buffer, progressed, [&](const link::Frame& frame, std::span<const std::uint8_t> bytes) {
          if (awaiting_proof_ && frame.payload_type() != link::Payload::Proof) return false;
          if (const auto* hello = frame.payload_as_Hello(); hello != nullptr && hello->nonce() != nullptr && has_key_) {
            challenge_ = handshake_.challenge(bytes);
            awaiting_proof_ = true;
          }
          if (const auto* proof = frame.payload_as_Proof()) {
            if (!awaiting_proof_ || !check_proof(*proof)) return false;
            awaiting_proof_ = false;
            handle_hello(fd, reply_owed);
            return true;
          }
          if (const auto* batch = frame.payload_as_Lz4Batch()) {
            std::size_t raw_size = 0;
            if (!lz4_agreed_ ||
                link::decompress_batch(*batch, batch_raw_, sizeof batch_raw_, raw_size) != link::BatchStatus::Ok ||
                link::for_each_inner_frame(batch_raw_, raw_size, link::kMaxFrameBytes, [&](const link::Frame& f) {
                  handle(fd, f, reply_owed, true);
                  return true;
                }) != link::BatchStatus::Ok)
              return false;
            ++lz4_batches_;
            return true;
          }
          handle(fd, frame, reply_owed, false);
          return true;
        });
        if (!ok) {
          ++bad_frames_;
          return;
        }
        if (!progressed) break;
      }
    }
  }

  // Records one frame and answers it as the relay would.
  void handle(int fd, const link::Frame& frame, bool& reply_owed, bool in_batch) {
    ReceivedFrame rf;
    rf.type = frame.payload_type();
    rf.seq = frame.seq();
    rf.lz4 = in_batch;
    flatbuffers::FlatBufferBuilder b;
    bool ack_owed = false;
    if (const auto* hello = frame.payload_as_Hello()) {
      if (hello->boot_id() != boot_ || forget_.exchange(false)) acked_ = 0;
      boot_ = hello->boot_id();
      rf.latest_seq = hello->latest_seq();
      rf.oldest_held_seq = hello->oldest_held_seq();
      rf.lz4 = hello->lz4();
      lz4_agreed_ = hello->lz4() && agree_lz4_;
      if (awaiting_proof_) send_bytes(fd, challenge_);  // the reply waits for the proof
      else handle_hello(fd, reply_owed);
    } else if (const auto* alert = frame.payload_as_AlertEvent()) {
      rf.key = alert->key()->str();
      rf.source = alert->source()->str();
      rf.message = alert->message()->str();
      rf.priority = static_cast<std::uint8_t>(alert->priority());
      rf.kind = static_cast<std::uint8_t>(alert->kind());
      rf.occurrences = alert->occurrences();
      rf.raised_at_ms = alert->raised_at_ms();
      rf.last_seen_ms = alert->last_seen_ms();
      rf.duplicate = rf.seq <= acked_;
      rf.not_durable = hold_acks_;
      if (!hold_acks_) {
        // Highest applied, as the relay does. Sent once the frame is recorded
        // (below): a test that sees the ack must find the frame in frames().
        if (rf.seq > acked_) acked_ = rf.seq;
        link::FinishSizePrefixedFrameBuffer(
            b, link::CreateFrame(b, 0, 0, link::Payload::LinkAck, link::CreateLinkAck(b, boot_, acked_).Union()));
        ack_owed = true;
      }
    } else if (const auto* hb = frame.payload_as_Heartbeat()) {
      if (hb->lost_by_priority()) rf.lost.assign(hb->lost_by_priority()->begin(), hb->lost_by_priority()->end());
      rf.ring_gap_frames = hb->ring_gap_frames();
      rf.truncated_fields = hb->truncated_fields();
      rf.latest_seq = hb->latest_seq();
    }
    {
      std::lock_guard lock(mutex_);
      frames_.push_back(std::move(rf));
    }
    if (ack_owed) send_frame(fd, b);
  }

  void handle_hello(int fd, bool& reply_owed) {
    reply_owed = true;
    if (!hold_replies_) {
      reply_owed = false;
      send_hello_reply(fd);
    }
  }

  struct PendingOperatorAck {
    std::string key, alert_id, by;
    std::uint64_t at_ms = 0;
  };

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drop_{false};
  std::atomic<bool> hold_replies_{false};
  std::atomic<bool> hold_acks_{false};
  std::atomic<bool> forget_{false};
  std::atomic<bool> agree_lz4_{false};
  bool lz4_agreed_ = false;  // relay thread only: this connection's agreement
  std::atomic<std::uint64_t> lz4_batches_{0};
  std::atomic<std::uint64_t> bytes_received_{0};
  alignas(8) std::uint8_t batch_raw_[link::kMaxLz4BatchRawBytes];
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> bad_frames_{0};
  std::uint64_t boot_ = 0;   // relay thread only
  std::uint64_t acked_ = 0;  // relay thread only, kept across connections of one boot
  RelayHandshake handshake_{link::LinkKey{}};
  std::vector<std::uint8_t> challenge_;
  bool has_key_ = false;
  std::atomic<bool> impostor_{false};
  bool awaiting_proof_ = false;  // relay thread only
  link::SegmentSeal inbound_, outbound_;
  std::atomic<std::uint64_t> proofs_accepted_{0};
  std::atomic<std::uint64_t> proofs_refused_{0};
  std::atomic<std::uint64_t> segments_refused_{0};
  std::mutex mutex_;
  std::vector<ReceivedFrame> frames_;
  std::vector<PendingOperatorAck> operator_acks_;
};

}  // namespace rover_alerts::testing
