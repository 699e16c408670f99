#pragma once
// One committed alert change, encoded once for every client that receives it,
// and the delivery class its priority puts it in.

#include "store/alert.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

// Urgent: critical changes, ack notices, responses, resync notices: written
//   ahead of anything queued, alone, never dropped.
// Kept: high and medium: batched, never dropped (a client that cannot take
//   them in time is closed).
// Droppable: low and info: batched, dropped first under pressure (the client
//   is told to resync).
enum class DeliveryClass : std::uint8_t { Urgent, Kept, Droppable };

constexpr DeliveryClass delivery_class(Priority priority) {
  switch (priority) {
    case Priority::Critical:
      return DeliveryClass::Urgent;
    case Priority::High:
    case Priority::Medium:
      return DeliveryClass::Kept;
    case Priority::Low:
    case Priority::Info:
      break;
  }
  return DeliveryClass::Droppable;
}

constexpr std::string_view to_string(DeliveryClass cls) {
  switch (cls) {
    case DeliveryClass::Urgent:
      return "urgent";
    case DeliveryClass::Kept:
      return "kept";
    case DeliveryClass::Droppable:
      break;
  }
  return "droppable";
}

struct EncodedChange {
  std::string alert_id;
  std::string source;
  Priority priority = Priority::Info;
  std::uint64_t rev = 0;
  // The change as an AlertWebSocketMessage JSON object (protocol/alert_json.hpp).
  std::string json;
  // The change as a standalone FlatBuffers AlertChange (schemas/client.fbs,
  // protocol/flatbuffers_encoding.hpp); encoded only while some subscriber
  // asked for encoding "flatbuffers".
  std::optional<std::string> flatbuffer;
  // The change as a delta update (protocol/alert_json.hpp), encoded only while
  // some subscriber asked for `delta: true`, and only for updates that can go
  // as one.
  std::optional<std::string> delta_json;
  // When it was published (after its commit), for the publish-to-write latency.
  std::chrono::steady_clock::time_point published_at;
};

using SharedChange = std::shared_ptr<const EncodedChange>;

}  // namespace rover_alerts::relay
