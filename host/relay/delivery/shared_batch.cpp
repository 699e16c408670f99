#include "delivery/shared_batch.hpp"

#include "delivery/subscription_filter.hpp"
#include "protocol/alert_json.hpp"
#include "protocol/flatbuffers_encoding.hpp"
#include "protocol/lz4_frame.hpp"

namespace rover_alerts::relay {

SharedBatch::PerFilter& SharedBatch::per_filter(const SubscriptionFilter& filter) const {
  const std::string& key = filter.key();
  for (PerFilter& entry : per_filter_)
    if (entry.key == key) return entry;
  PerFilter entry;
  entry.key = key;
  for (const SharedChange& change : changes_)
    if (filter.matches(change->priority, change->source)) ++entry.count;
  per_filter_.push_back(std::move(entry));
  return per_filter_.back();
}

std::size_t SharedBatch::count_for(const SubscriptionFilter& filter) const { return per_filter(filter).count; }

std::shared_ptr<const std::string> SharedBatch::encode_json(const SubscriptionFilter& filter, bool delta) const {
  std::vector<std::string_view> items;
  items.reserve(per_filter(filter).count);
  for (const SharedChange& change : changes_)
    if (filter.matches(change->priority, change->source))
      items.push_back(delta && change->delta_json ? *change->delta_json : change->json);
  return std::make_shared<const std::string>(alert_batch_message(batch_id_, items));
}

std::shared_ptr<const std::string> SharedBatch::message_for(const SubscriptionFilter& filter) const {
  PerFilter& entry = per_filter(filter);
  if (!entry.message) entry.message = encode_json(filter, false);
  return entry.message;
}

std::shared_ptr<const std::string> SharedBatch::delta_message_for(const SubscriptionFilter& filter) const {
  PerFilter& entry = per_filter(filter);
  if (!entry.delta_message) entry.delta_message = encode_json(filter, true);
  return entry.delta_message;
}

std::shared_ptr<const std::string> SharedBatch::delta_lz4_message_for(const SubscriptionFilter& filter) const {
  PerFilter& entry = per_filter(filter);
  if (!entry.delta_lz4_message)
    entry.delta_lz4_message = std::make_shared<const std::string>(lz4_frame(*delta_message_for(filter)));
  return entry.delta_lz4_message;
}

std::shared_ptr<const std::string> SharedBatch::lz4_message_for(const SubscriptionFilter& filter) const {
  PerFilter& entry = per_filter(filter);
  if (!entry.lz4_message) entry.lz4_message = std::make_shared<const std::string>(lz4_frame(*message_for(filter)));
  return entry.lz4_message;
}

std::shared_ptr<const std::string> SharedBatch::flatbuffers_message_for(const SubscriptionFilter& filter) const {
  PerFilter& entry = per_filter(filter);
  if (!entry.flatbuffers_message) {
    std::vector<std::string_view> blobs;
    blobs.reserve(entry.count);
    for (const SharedChange& change : changes_)
      if (filter.matches(change->priority, change->source) && change->flatbuffer) blobs.push_back(*change->flatbuffer);
    entry.flatbuffers_message = std::make_shared<const std::string>(flatbuffers_batch_frame(batch_id_, blobs));
  }
  return entry.flatbuffers_message;
}

std::shared_ptr<const std::string> SharedBatch::flatbuffers_lz4_message_for(const SubscriptionFilter& filter) const {
  PerFilter& entry = per_filter(filter);
  if (!entry.flatbuffers_lz4_message)
    entry.flatbuffers_lz4_message = std::make_shared<const std::string>(lz4_frame(*flatbuffers_message_for(filter)));
  return entry.flatbuffers_lz4_message;
}

}  // namespace rover_alerts::relay
