#include <rover_alerts/link_connection.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <ctime>
#include <unistd.h>

namespace rover_alerts {

LinkConnection::~LinkConnection() { close(); }

bool LinkConnection::init(const char* host, std::uint16_t port) {
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
}

LinkConnection::Io LinkConnection::write_some(std::span<const std::uint8_t> bytes, std::size_t& written) {
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

const link::Frame* LinkConnection::next_frame(link::FrameStatus& status, bool& closed) {
  status = link::FrameStatus::Ok;
  closed = false;
  consume_frame();  // the previous frame's view is no longer used
  for (;;) {
    if (inbound_size_ >= link::kPrefixBytes) {
      const std::uint32_t length = link::read_length_prefix(inbound_.data());
      status = link::check_length(length, kMaxInboundFrameBytes);
      if (status != link::FrameStatus::Ok) return nullptr;
      const std::size_t whole = link::kPrefixBytes + length;
      if (inbound_size_ >= whole) {
        const auto decoded = link::verify_prefixed_frame(inbound_.data(), whole, kMaxInboundFrameBytes);
        status = decoded.status;
        if (decoded.status != link::FrameStatus::Ok) return nullptr;
        pending_consume_ = whole;
        return decoded.frame;
      }
    }
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
