#include "delivery/outbound_queue.hpp"

namespace rover_alerts::relay {

OutboundQueue::PushResult OutboundQueue::push(std::shared_ptr<const std::string> message, bool droppable) {
  const std::size_t messages_after = messages_.size() + 1;
  const std::size_t bytes_after = bytes_ + message->size();
  if (droppable && (messages_after > limits_.soft_messages || bytes_after > limits_.soft_bytes))
    return PushResult::Dropped;
  if (messages_after > limits_.hard_messages || bytes_after > limits_.hard_bytes) return PushResult::Overflow;
  bytes_ = bytes_after;
  messages_.push_back(std::move(message));
  return PushResult::Queued;
}

void OutboundQueue::pop_front() {
  bytes_ -= messages_.front()->size();
  messages_.pop_front();
}

void OutboundQueue::drop_all_but_front() {
  while (messages_.size() > 1) {
    bytes_ -= messages_.back()->size();
    messages_.pop_back();
  }
}

}  // namespace rover_alerts::relay
