#pragma once
// What the broadcaster needs from a subscribed client session.

#include "store/alert.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class Subscriber {
 public:
  virtual ~Subscriber() = default;

  virtual bool wants(Priority priority, std::string_view source) const = 0;
  // Queues one encoded alert change. `message` is shared by every subscriber.
  virtual void deliver(std::shared_ptr<const std::string> message, Priority priority, std::uint64_t rev) = 0;
};

}  // namespace rover_alerts::relay
