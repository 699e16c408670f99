#pragma once
// Fans each encoded alert change out to the subscribed sessions whose filters
// match. The message is encoded once by the caller; every session queues the
// same immutable buffer.
//
// Threading: the relay runs one io_context thread, and the broadcaster, the
// store and every session are only touched from it, so nothing here locks.

#include "delivery/subscriber.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rover_alerts::relay {

class Broadcaster {
 public:
  void subscribe(const std::shared_ptr<Subscriber>& subscriber);
  // Safe to call from a subscriber's destructor.
  void unsubscribe(const Subscriber* subscriber);

  void publish(const std::shared_ptr<const std::string>& message, Priority priority, std::string_view source,
               std::uint64_t rev);

  std::size_t size() const { return subscribers_.size(); }

 private:
  std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>> subscribers_;
};

}  // namespace rover_alerts::relay
