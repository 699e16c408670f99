#pragma once
// LinkConnection: the emitter's TCP connection to the relay. Non-blocking POSIX
// socket; the destination address is resolved once in init() (name resolution
// allocates), so connecting and reconnecting later never touches the heap.
//
// Outbound: one frame at a time, written by write_some() until done (partial
// writes resume where they stopped). Inbound: bytes accumulate in a fixed buffer
// and complete frames are verified before they are handed out.
//
// Sealed (after the link handshake, link_auth.hpp): write_some() puts the
// whole frames at the start of what it is given in one segment, header and
// tag around them (one sendmsg), and reports only payload bytes as written;
// while a segment's payload is partly written (segment_open()) the caller
// must continue with the same bytes, and a segment whose payload is all out
// but whose tag is not is finished by flush(). Inbound, each segment from the
// relay carries one frame, handed out only once its tag checked.

#include <rover_alerts/link_auth.hpp>
#include <rover_alerts/link_framing.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <sys/socket.h>

namespace rover_alerts {

class LinkConnection {
 public:
  enum class State : std::uint8_t { Disconnected, Connecting, Connected };
  enum class Io : std::uint8_t { Done, WouldBlock, Closed };

  // Frames from the relay are small (acks); anything larger is a protocol error.
  static constexpr std::size_t kMaxInboundFrameBytes = 2048;
  static constexpr std::size_t kMaxInboundSegmentBytes =
      link::kSealHeaderBytes + link::kPrefixBytes + kMaxInboundFrameBytes + link::kSealTagBytes;

  LinkConnection() = default;
  ~LinkConnection();
  LinkConnection(const LinkConnection&) = delete;
  LinkConnection& operator=(const LinkConnection&) = delete;

  // Resolves `host` (numeric address or name) and `port` once; with
  // `sealing`, also makes the cipher contexts sealed mode uses.
  bool init(const char* host, std::uint16_t port, bool sealing = false);

  // From the next segment on, frames from the relay must be sealed under `session_key`.
  bool start_opening(const std::array<std::uint8_t, 32>& session_key);
  // From the next write_some() on, what the rover writes is sealed.
  bool start_sealing(const std::array<std::uint8_t, 32>& session_key);
  // A segment's payload is partly written: the next write_some() must continue it.
  bool segment_open() const { return segment_.active && segment_.payload_left > 0; }
  // Bytes of a segment (its tag) still to write after all its payload went.
  bool tail_pending() const { return segment_.active && segment_.payload_left == 0; }
  // Writes the rest of a segment whose payload is all written.
  Io flush();

  State state() const { return state_; }
  int fd() const { return fd_; }

  // Starts a non-blocking connect. Returns false if the socket could not be made.
  bool start_connect();
  // Waits up to `timeout_ms` for a pending connect; Connected, Connecting or Disconnected.
  State finish_connect(int timeout_ms);
  void close();

  // Writes as much of `bytes` as the socket takes; advances `written`.
  Io write_some(std::span<const std::uint8_t> bytes, std::size_t& written);
  // Waits up to `timeout_us` for the socket to be readable or (if `want_write`)
  // writable. Returns whether it is readable (or closed, or in error).
  bool wait_us(std::uint64_t timeout_us, bool want_write);
  // Sleeps `us` microseconds (no socket to wait on).
  static void sleep_us(std::uint64_t us);

  // Reads what is available and returns the next complete verified frame, if any.
  // `status` is Ok with a frame, Ok with nullptr when none is complete yet, or
  // the reason the stream is broken (the caller closes the connection).
  const link::Frame* next_frame(link::FrameStatus& status, bool& closed);
  // The bytes (length prefix included) of the frame next_frame() handed out
  // last, before sealing starts: the handshake MACs cover the frames as sent.
  std::span<const std::uint8_t> last_frame_bytes() const { return {inbound_.data(), pending_consume_}; }

 private:
  void consume_frame();
  Io write_sealed(std::span<const std::uint8_t> bytes, std::size_t& written);
  const link::Frame* take_frame(link::FrameStatus& status);
  const link::Frame* take_sealed_frame(link::FrameStatus& status);

  struct Segment {
    bool active = false;
    std::array<std::uint8_t, link::kSealHeaderBytes> header{};
    link::SealTag tag{};
    std::size_t header_written = 0;
    std::size_t payload_left = 0;
    std::size_t tag_written = 0;
  };

  sockaddr_storage address_{};
  socklen_t address_len_ = 0;
  int fd_ = -1;
  State state_ = State::Disconnected;
  alignas(8) std::array<std::uint8_t, kMaxInboundSegmentBytes> inbound_{};
  std::size_t inbound_size_ = 0;
  std::size_t pending_consume_ = 0;  // bytes of the frame (or segment) handed out last call
  link::SegmentSeal outbound_seal_;
  link::SegmentSeal inbound_seal_;
  Segment segment_;
};

}  // namespace rover_alerts
