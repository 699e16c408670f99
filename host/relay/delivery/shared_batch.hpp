#pragma once
// The routine changes of one publication (one journal commit), in rev order,
// shared by every client that receives them. A client that takes exactly one
// whole batch is sent the batch's `alert_batch` message, encoded once per
// subscription filter and then reused for every client with that filter (and
// likewise its FlatBuffers frame, for clients that asked for that encoding).

#include "delivery/encoded_change.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rover_alerts::relay {

class SubscriptionFilter;

class SharedBatch {
 public:
  SharedBatch(std::uint64_t batch_id, std::vector<SharedChange> changes)
      : batch_id_(batch_id), changes_(std::move(changes)) {}

  std::uint64_t batch_id() const { return batch_id_; }
  const std::vector<SharedChange>& changes() const { return changes_; }

  // How many of this batch's changes `filter` lets through (memoised per filter).
  std::size_t count_for(const SubscriptionFilter& filter) const;
  // The `alert_batch` message of the changes `filter` lets through, encoded
  // on first use and shared afterwards.
  std::shared_ptr<const std::string> message_for(const SubscriptionFilter& filter) const;
  // The same message in the LZ4 frame format, compressed on first use.
  std::shared_ptr<const std::string> lz4_message_for(const SubscriptionFilter& filter) const;
  // The same changes as a FlatBuffers ServerFrame{AlertBatch}, built from the
  // changes' blobs on first use (every change must carry its `flatbuffer`).
  std::shared_ptr<const std::string> flatbuffers_message_for(const SubscriptionFilter& filter) const;
  // That frame in the LZ4 frame format, compressed on first use.
  std::shared_ptr<const std::string> flatbuffers_lz4_message_for(const SubscriptionFilter& filter) const;
  // For `delta: true` subscribers: the `alert_batch` with each change's delta
  // form where it has one, and its LZ4 frame.
  std::shared_ptr<const std::string> delta_message_for(const SubscriptionFilter& filter) const;
  std::shared_ptr<const std::string> delta_lz4_message_for(const SubscriptionFilter& filter) const;

 private:
  struct PerFilter {
    std::string key;
    std::size_t count = 0;
    std::shared_ptr<const std::string> message;
    std::shared_ptr<const std::string> lz4_message;
    std::shared_ptr<const std::string> flatbuffers_message;
    std::shared_ptr<const std::string> flatbuffers_lz4_message;
    std::shared_ptr<const std::string> delta_message;
    std::shared_ptr<const std::string> delta_lz4_message;
  };
  std::shared_ptr<const std::string> encode_json(const SubscriptionFilter& filter, bool delta) const;
  PerFilter& per_filter(const SubscriptionFilter& filter) const;

  std::uint64_t batch_id_;
  std::vector<SharedChange> changes_;
  // Few distinct filters in practice (most screens subscribe to everything).
  mutable std::vector<PerFilter> per_filter_;
};

using SharedBatchPtr = std::shared_ptr<const SharedBatch>;

}  // namespace rover_alerts::relay
