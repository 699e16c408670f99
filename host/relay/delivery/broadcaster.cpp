#include "delivery/broadcaster.hpp"

#include <vector>

namespace rover_alerts::relay {

void Broadcaster::subscribe(const std::shared_ptr<Subscriber>& subscriber) {
  subscribers_[subscriber.get()] = subscriber;
}

void Broadcaster::unsubscribe(const Subscriber* subscriber) { subscribers_.erase(subscriber); }

void Broadcaster::publish(const std::shared_ptr<const std::string>& message, Priority priority,
                          std::string_view source, std::uint64_t rev) {
  // deliver() may close a session, which unsubscribes it: iterate over a copy
  // of strong references (as Beast's chat-multi example does).
  std::vector<std::shared_ptr<Subscriber>> targets;
  targets.reserve(subscribers_.size());
  for (const auto& [raw, weak] : subscribers_) {
    if (auto subscriber = weak.lock(); subscriber && subscriber->wants(priority, source))
      targets.push_back(std::move(subscriber));
  }
  for (const auto& subscriber : targets) subscriber->deliver(message, priority, rev);
}

}  // namespace rover_alerts::relay
