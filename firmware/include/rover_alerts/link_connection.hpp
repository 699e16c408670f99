#pragma once
// LinkConnection: the emitter's TCP connection to the relay. Non-blocking POSIX
// socket; the destination address is resolved once in init() (name resolution
// allocates), so connecting and reconnecting later never touches the heap.
//
// Outbound: one frame at a time, written by write_some() until done (partial
// writes resume where they stopped). Inbound: bytes accumulate in a fixed buffer
// and complete frames are verified before they are handed out.

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

  LinkConnection() = default;
  ~LinkConnection();
  LinkConnection(const LinkConnection&) = delete;
  LinkConnection& operator=(const LinkConnection&) = delete;

  // Resolves `host` (numeric address or name) and `port` once.
  bool init(const char* host, std::uint16_t port);

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

 private:
  void consume_frame();

  sockaddr_storage address_{};
  socklen_t address_len_ = 0;
  int fd_ = -1;
  State state_ = State::Disconnected;
  alignas(8) std::array<std::uint8_t, kMaxInboundFrameBytes + link::kPrefixBytes> inbound_{};
  std::size_t inbound_size_ = 0;
  std::size_t pending_consume_ = 0;  // bytes of the frame handed out last call
};

}  // namespace rover_alerts
