#include "protocol/flatbuffers_encoding.hpp"

#include <rover_alerts/client_generated.h>

#include <vector>

namespace rover_alerts::relay {

namespace fb = rover_alerts::client;

namespace {

fb::ChangeType fb_change_type(ChangeType type) {
  switch (type) {
    case ChangeType::New:
      return fb::ChangeType::New;
    case ChangeType::Update:
      return fb::ChangeType::Update;
    case ChangeType::Remove:
      return fb::ChangeType::Remove;
    case ChangeType::Clear:
      break;
  }
  return fb::ChangeType::Clear;
}

fb::Priority fb_priority(Priority priority) { return static_cast<fb::Priority>(static_cast<std::uint8_t>(priority)); }

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>> key_values(
    flatbuffers::FlatBufferBuilder& builder, const std::map<std::string, std::string>& map) {
  std::vector<flatbuffers::Offset<fb::KeyValue>> items;
  items.reserve(map.size());
  for (const auto& [key, value] : map)
    items.push_back(fb::CreateKeyValue(builder, builder.CreateString(key), builder.CreateString(value)));
  return builder.CreateVector(items);
}

flatbuffers::Offset<flatbuffers::String> optional_string(flatbuffers::FlatBufferBuilder& builder,
                                                          const std::string& text) {
  return text.empty() ? flatbuffers::Offset<flatbuffers::String>() : builder.CreateString(text);
}

std::string finished(flatbuffers::FlatBufferBuilder& builder) {
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
}

flatbuffers::Offset<fb::ChangeBlob> blob(flatbuffers::FlatBufferBuilder& builder, std::string_view bytes) {
  // Nested buffers keep their own alignment: align the vector's data like a root.
  builder.ForceVectorAlignment(bytes.size(), sizeof(std::uint8_t), sizeof(flatbuffers::largest_scalar_t));
  const auto data = builder.CreateVector(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return fb::CreateChangeBlob(builder, data);
}

}  // namespace

std::string encode_change_flatbuffer(ChangeType type, const Alert& alert) {
  flatbuffers::FlatBufferBuilder builder(384 + alert.title.size() + alert.message.size());
  const auto id = builder.CreateString(alert.id);
  const auto title = optional_string(builder, alert.title);
  const auto message = builder.CreateString(alert.message);
  const auto source = builder.CreateString(alert.source);
  const auto key = builder.CreateString(alert.key);
  const auto rover = optional_string(builder, alert.rover);
  const auto created_by = optional_string(builder, alert.created_by);
  const bool removed = type == ChangeType::Remove || type == ChangeType::Clear;
  const auto state = builder.CreateString(removed ? std::string_view("removed") : to_string(alert.state()));
  flatbuffers::Offset<fb::Action> action;
  if (alert.action) {
    const auto label = builder.CreateString(alert.action->label);
    const auto action_type = builder.CreateString(alert.action->action_type);
    const auto parameters = key_values(builder, alert.action->parameters);
    action = fb::CreateAction(builder, label, action_type, parameters);
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>> metadata;
  if (!alert.metadata.empty()) metadata = key_values(builder, alert.metadata);
  const auto group_id = optional_string(builder, alert.group_id);
  const auto acknowledged_by = optional_string(builder, alert.acknowledged_by);
  const auto ack_comment = optional_string(builder, alert.ack_comment);
  flatbuffers::Offset<fb::Shelf> shelf;
  if (alert.shelf) {
    const Shelf& s = *alert.shelf;
    shelf = fb::CreateShelf(builder, builder.CreateString(s.by), builder.CreateString(s.reason), s.at_ms, s.until_ms,
                            s.one_shot, s.by_key);
  }
  flatbuffers::Offset<fb::OutOfService> out_of_service;
  if (alert.out_of_service) {
    const OutOfService& o = *alert.out_of_service;
    out_of_service = fb::CreateOutOfService(builder, builder.CreateString(to_string(o.scope)),
                                            builder.CreateString(o.value), builder.CreateString(o.by),
                                            builder.CreateString(o.reason), o.at_ms);
  }

  fb::AlertChangeBuilder change(builder);
  change.add_id(id);
  change.add_type(fb_change_type(type));
  change.add_priority(fb_priority(alert.priority));
  change.add_timestamp(alert.timestamp_ms);
  change.add_rev(alert.rev);
  change.add_title(title);
  change.add_message(message);
  change.add_source(source);
  change.add_key(key);
  change.add_rover(rover);
  change.add_created_by(created_by);
  change.add_state(state);
  change.add_active(alert.active);
  change.add_acknowledged(alert.acknowledged);
  change.add_persistent(alert.persistent);
  change.add_closable(alert.closable);
  change.add_occurrences(alert.occurrences);
  change.add_first_seen(alert.first_seen_ms);
  change.add_last_seen(alert.last_seen_ms);
  change.add_action(action);
  change.add_metadata(metadata);
  change.add_group_id(group_id);
  change.add_expires_at(alert.expires_at_ms);
  change.add_acknowledged_by(acknowledged_by);
  change.add_acknowledged_at(alert.acknowledged_at_ms);
  change.add_ack_comment(ack_comment);
  change.add_shelved(shelf);
  change.add_out_of_service(out_of_service);
  builder.Finish(change.Finish(), fb::ServerFrameIdentifier());
  return finished(builder);
}

std::string encode_change_flatbuffer(const Tombstone& tombstone) {
  flatbuffers::FlatBufferBuilder builder(192);
  const auto id = builder.CreateString(tombstone.id);
  const auto source = builder.CreateString(tombstone.source);
  const auto key = builder.CreateString(tombstone.key);
  const auto rover = optional_string(builder, tombstone.rover);
  const auto state = builder.CreateString("removed");
  fb::AlertChangeBuilder change(builder);
  change.add_id(id);
  change.add_type(fb_change_type(tombstone.type));
  change.add_priority(fb_priority(tombstone.priority));
  change.add_timestamp(tombstone.removed_at_ms);
  change.add_rev(tombstone.rev);
  change.add_source(source);
  change.add_key(key);
  change.add_rover(rover);
  change.add_state(state);
  builder.Finish(change.Finish(), fb::ServerFrameIdentifier());
  return finished(builder);
}

std::string flatbuffers_alert_frame(std::string_view change_blob) {
  flatbuffers::FlatBufferBuilder builder(change_blob.size() + 64);
  const auto change = blob(builder, change_blob);
  const auto alert = fb::CreateAlert(builder, change);
  fb::FinishServerFrameBuffer(builder, fb::CreateServerFrame(builder, fb::Message::Alert, alert.Union()));
  return finished(builder);
}

std::string flatbuffers_batch_frame(std::uint64_t batch_id, std::span<const std::string_view> change_blobs) {
  std::size_t size = 96;
  for (const std::string_view bytes : change_blobs) size += bytes.size() + 24;
  flatbuffers::FlatBufferBuilder builder(size);
  std::vector<flatbuffers::Offset<fb::ChangeBlob>> blobs;
  blobs.reserve(change_blobs.size());
  for (const std::string_view bytes : change_blobs) blobs.push_back(blob(builder, bytes));
  const auto changes = builder.CreateVector(blobs);
  // batch_id is a string, as the JSON alert_batch's batchId.
  const auto id = builder.CreateString(std::to_string(batch_id));
  const auto batch = fb::CreateAlertBatch(builder, id, changes);
  fb::FinishServerFrameBuffer(builder, fb::CreateServerFrame(builder, fb::Message::AlertBatch, batch.Union()));
  return finished(builder);
}

}  // namespace rover_alerts::relay
