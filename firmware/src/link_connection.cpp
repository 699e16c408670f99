#include <rover_alerts/link_connection.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/uio.h>
#include <ctime>
#include <unistd.h>

namespace rover_alerts {

LinkConnection::~LinkConnection() { close(); }

bool LinkConnection::init(const char* host, std::uint16_t port, bool sealing) {
  if (sealing && (!outbound_seal_.init() || !inbound_seal_.init())) return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  char port_text[8];
  std::snprintf(port_text, sizeof port_text, "%u", static_cast<unsigned>(port));
  addrinfo* found = nullptr;
  if (::getaddrinfo(host, port_text, &hints, &found) != 0 || found == nullptr) return false;
  std::memcpy(&address_, found->ai_addr, found->ai_addrlen);
  address_len_ = found->ai_addrlen;
  ::freeaddrinfo(found);
  return true;
}

bool LinkConnection::start_connect() {
  close();
  fd_ = ::socket(address_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  const int one = 1;
  // Alerts are small and latency matters more than packet count.
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_), address_len_) == 0) {
    state_ = State::Connected;
  } else if (errno == EINPROGRESS) {
    state_ = State::Connecting;
  } else {
    close();
    return false;
  }
  return true;
}

LinkConnection::State LinkConnection::finish_connect(int timeout_ms) {
  if (state_ != State::Connecting) return state_;
  pollfd p{fd_, POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return state_;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    close();
  } else {
    state_ = State::Connected;
  }
  return state_;
}

void LinkConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::Disconnected;
  inbound_size_ = 0;
  pending_consume_ = 0;
  outbound_seal_.stop();
  inbound_seal_.stop();
  segment_ = {};
}

bool LinkConnection::start_opening(const std::array<std::uint8_t, 32>& session_key) {
  return inbound_seal_.start(session_key, link::Direction::RelayToRover);
}

bool LinkConnection::start_sealing(const std::array<std::uint8_t, 32>& session_key) {
  segment_ = {};
  return outbound_seal_.start(session_key, link::Direction::RoverToRelay);
}

LinkConnection::Io LinkConnection::write_some(std::span<const std::uint8_t> bytes, std::size_t& written) {
  if (outbound_seal_.active()) return write_sealed(bytes, written);
  while (written < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Io::WouldBlock;
    } else {
      return Io::Closed;
    }
  }
  return Io::Done;
}

// One segment at a time: header, payload (the caller's bytes), tag, in one
// sendmsg where the socket takes it all.
LinkConnection::Io LinkConnection::write_sealed(std::span<const std::uint8_t> bytes, std::size_t& written) {
  for (;;) {
    if (tail_pending()) {
      if (const Io io = flush(); io != Io::Done) return io;
    }
    if (written >= bytes.size()) return Io::Done;
    if (!segment_.active) {
      const auto rest = bytes.subspan(written);
      const std::size_t payload = link::whole_frames_prefix(rest);
      if (payload == 0) return Io::Closed;  // not a whole frame: a caller bug, drop the link
      link::write_seal_header(segment_.header.data(), static_cast<std::uint32_t>(payload));
      if (!outbound_seal_.seal(segment_.header, rest.first(payload), segment_.tag)) return Io::Closed;
      segment_.active = true;
      segment_.header_written = 0;
      segment_.payload_left = payload;
      segment_.tag_written = 0;
    }
    iovec parts[3];
    int count = 0;
    if (segment_.header_written < segment_.header.size())
      parts[count++] = {segment_.header.data() + segment_.header_written, segment_.header.size() - segment_.header_written};
    const std::size_t payload_now = std::min(segment_.payload_left, bytes.size() - written);
    parts[count++] = {const_cast<std::uint8_t*>(bytes.data() + written), payload_now};
    if (payload_now == segment_.payload_left) parts[count++] = {segment_.tag.data(), segment_.tag.size()};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<std::size_t>(count);
    const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::WouldBlock;
    if (n <= 0) return Io::Closed;
    std::size_t sent = static_cast<std::size_t>(n);
    const std::size_t to_header = std::min(sent, segment_.header.size() - segment_.header_written);
    segment_.header_written += to_header;
    sent -= to_header;
    const std::size_t to_payload = std::min(sent, payload_now);
    segment_.payload_left -= to_payload;
    written += to_payload;
    sent -= to_payload;
    segment_.tag_written += sent;
    if (segment_.payload_left == 0 && segment_.tag_written == segment_.tag.size()) segment_.active = false;
  }
}

LinkConnection::Io LinkConnection::flush() {
  while (tail_pending()) {
    const ssize_t n = ::send(fd_, segment_.tag.data() + segment_.tag_written, segment_.tag.size() - segment_.tag_written,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::WouldBlock;
    if (n <= 0) return Io::Closed;
    segment_.tag_written += static_cast<std::size_t>(n);
    if (segment_.tag_written == segment_.tag.size()) segment_.active = false;
  }
  return Io::Done;
}

namespace {
timespec from_us(std::uint64_t us) {
  return {static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
}
}  // namespace

bool LinkConnection::wait_us(std::uint64_t timeout_us, bool want_write) {
  if (fd_ < 0) return false;
  pollfd p{fd_, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
  const timespec timeout = from_us(timeout_us);
  if (::ppoll(&p, 1, &timeout, nullptr) <= 0) return false;
  return (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

void LinkConnection::sleep_us(std::uint64_t us) {
  const timespec timeout = from_us(us);
  ::ppoll(nullptr, 0, &timeout, nullptr);
}

void LinkConnection::consume_frame() {
  if (pending_consume_ == 0) return;
  std::memmove(inbound_.data(), inbound_.data() + pending_consume_, inbound_size_ - pending_consume_);
  inbound_size_ -= pending_consume_;
  pending_consume_ = 0;
}

// The frame at the front of the buffer, if whole; status says why not otherwise.
const link::Frame* LinkConnection::take_frame(link::FrameStatus& status) {
  if (inbound_size_ < link::kPrefixBytes) return nullptr;
  const std::uint32_t length = link::read_length_prefix(inbound_.data());
  status = link::check_length(length, kMaxInboundFrameBytes);
  if (status != link::FrameStatus::Ok) return nullptr;
  const std::size_t whole = link::kPrefixBytes + length;
  if (inbound_size_ < whole) return nullptr;
  const auto decoded = link::verify_prefixed_frame(inbound_.data(), whole, kMaxInboundFrameBytes);
  status = decoded.status;
  if (decoded.status != link::FrameStatus::Ok) return nullptr;
  pending_consume_ = whole;
  return decoded.frame;
}

// The frame in the segment at the front of the buffer, once the segment is
// whole and its tag checked; the segment must hold exactly one frame.
const link::Frame* LinkConnection::take_sealed_frame(link::FrameStatus& status) {
  if (inbound_size_ < link::kSealHeaderBytes) return nullptr;
  std::uint32_t payload = 0;
  if (link::read_seal_header(inbound_.data(), payload, link::kPrefixBytes + kMaxInboundFrameBytes) !=
      link::SealHeaderStatus::Ok) {
    status = link::FrameStatus::Unauthentic;
    return nullptr;
  }
  const std::size_t whole = link::kSealHeaderBytes + payload + link::kSealTagBytes;
  if (inbound_size_ < whole) return nullptr;
  const std::span<const std::uint8_t> bytes(inbound_.data(), whole);
  if (!inbound_seal_.open(bytes.first(link::kSealHeaderBytes), bytes.subspan(link::kSealHeaderBytes, payload),
                          bytes.last(link::kSealTagBytes))) {
    status = link::FrameStatus::Unauthentic;
    return nullptr;
  }
  const std::uint8_t* frame = inbound_.data() + link::kSealHeaderBytes;
  if (payload < link::kPrefixBytes || link::kPrefixBytes + link::read_length_prefix(frame) != payload) {
    status = link::FrameStatus::Invalid;  // authentic, but not one whole frame
    return nullptr;
  }
  const auto decoded = link::verify_prefixed_frame(frame, payload, kMaxInboundFrameBytes);
  status = decoded.status;
  if (decoded.status != link::FrameStatus::Ok) return nullptr;
  pending_consume_ = whole;
  return decoded.frame;
}

const link::Frame* LinkConnection::next_frame(link::FrameStatus& status, bool& closed) {
  status = link::FrameStatus::Ok;
  closed = false;
  consume_frame();  // the previous frame's view is no longer used
  for (;;) {
    const link::Frame* frame = inbound_seal_.active() ? take_sealed_frame(status) : take_frame(status);
    if (frame != nullptr || status != link::FrameStatus::Ok) return frame;
    if (fd_ < 0) return nullptr;
    const ssize_t n = ::recv(fd_, inbound_.data() + inbound_size_, inbound_.size() - inbound_size_, MSG_DONTWAIT);
    if (n > 0) {
      inbound_size_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return nullptr;
    } else {
      closed = true;
      return nullptr;
    }
  }
}

}  // namespace rover_alerts
