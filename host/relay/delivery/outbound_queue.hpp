#pragma once
// A client's bounded queue of encoded messages waiting to be written.
//
// Two limits, each in messages and in bytes:
//  - soft: past it, droppable messages (alerts below critical) are refused and
//    the caller owes the client a resync;
//  - hard: past it, nothing is accepted and the client is too slow to keep;
//    critical alerts and protocol replies can only be refused this way.
// The front message stays queued (and counted) while it is being written.

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace rover_alerts::relay {

struct OutboundLimits {
  std::size_t soft_messages = 1024;
  std::size_t soft_bytes = 4 * 1024 * 1024;
  std::size_t hard_messages = 8192;
  std::size_t hard_bytes = 32 * 1024 * 1024;
};

class OutboundQueue {
 public:
  enum class PushResult { Queued, Dropped, Overflow };

  explicit OutboundQueue(OutboundLimits limits) : limits_(limits) {}

  PushResult push(std::shared_ptr<const std::string> message, bool droppable);

  bool empty() const { return messages_.empty(); }
  std::size_t size() const { return messages_.size(); }
  std::size_t bytes() const { return bytes_; }
  const std::string& front() const { return *messages_.front(); }
  void pop_front();
  // Drops everything but the front message, which may be in flight.
  void drop_all_but_front();

 private:
  OutboundLimits limits_;
  std::deque<std::shared_ptr<const std::string>> messages_;
  std::size_t bytes_ = 0;
};

}  // namespace rover_alerts::relay
