#pragma once
// Decoding of the relay's FlatBuffers client frames (schemas/client.fbs), as
// a client must do it: the frame and every nested AlertChange are checked by
// flatbuffers::Verifier, with tight limits, before any field is read. Each
// change is turned back into the JSON AlertWebSocketMessage the relay sends
// a JSON subscriber (same members, same omissions), so tests can compare the
// two encodings.

#include <rover_alerts/client_generated.h>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::testing {

struct DecodedClientFrame {
  bool batch = false;     // AlertBatch (else a single Alert)
  std::string batch_id;   // AlertBatch only
  std::vector<boost::json::object> changes;  // AlertWebSocketMessages, in order
};

namespace client_frame_detail {

namespace fb = rover_alerts::client;

inline boost::json::object key_values(const flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>* items) {
  boost::json::object out;
  if (items != nullptr)
    for (const fb::KeyValue* item : *items) out[item->key()->string_view()] = item->value()->string_view();
  return out;
}

inline std::string_view text(const flatbuffers::String* s) { return s != nullptr ? s->string_view() : std::string_view(); }

inline const char* change_type(fb::ChangeType type) {
  switch (type) {
    case fb::ChangeType::New:
      return "new";
    case fb::ChangeType::Update:
      return "update";
    case fb::ChangeType::Remove:
      return "remove";
    case fb::ChangeType::Clear:
      break;
  }
  return "clear";
}

inline const char* priority(fb::Priority p) {
  switch (p) {
    case fb::Priority::Critical:
      return "critical";
    case fb::Priority::High:
      return "high";
    case fb::Priority::Medium:
      return "medium";
    case fb::Priority::Low:
      return "low";
    case fb::Priority::Info:
      break;
  }
  return "info";
}

// The JSON AlertWebSocketMessage of a change that is not a tombstone.
inline boost::json::object to_json(const fb::AlertChange& c) {
  boost::json::object data;
  if (!text(c.title()).empty()) data["title"] = text(c.title());
  data["message"] = text(c.message());
  data["source"] = text(c.source());
  data["key"] = text(c.key());
  if (!text(c.rover()).empty()) data["rover"] = text(c.rover());
  if (!text(c.created_by()).empty()) data["createdBy"] = text(c.created_by());
  data["state"] = text(c.state());
  data["active"] = c.active();
  data["acknowledged"] = c.acknowledged();
  data["persistent"] = c.persistent();
  data["closable"] = c.closable();
  data["occurrences"] = c.occurrences();
  data["firstSeen"] = c.first_seen();
  data["lastSeen"] = c.last_seen();
  if (const fb::Action* action = c.action())
    data["action"] = boost::json::object{{"label", text(action->label())},
                                         {"actionType", text(action->action_type())},
                                         {"parameters", key_values(action->parameters())}};
  if (c.metadata() != nullptr && c.metadata()->size() > 0) data["metadata"] = key_values(c.metadata());
  if (!text(c.group_id()).empty()) data["groupId"] = text(c.group_id());
  if (c.expires_at() != 0) data["expiresAt"] = c.expires_at();
  if (!text(c.acknowledged_by()).empty()) data["acknowledgedBy"] = text(c.acknowledged_by());
  if (c.acknowledged_at() != 0) data["acknowledgedAt"] = c.acknowledged_at();
  return boost::json::object{{"id", text(c.id())},         {"type", change_type(c.type())},
                             {"priority", priority(c.priority())}, {"timestamp", c.timestamp()},
                             {"rev", c.rev()},             {"data", std::move(data)}};
}

// One nested AlertChange: verified on its own, then read.
inline std::optional<boost::json::object> decode_blob(const fb::ChangeBlob* blob, std::string& error) {
  if (blob == nullptr || blob->change() == nullptr) {
    error = "a ChangeBlob without its change";
    return std::nullopt;
  }
  const flatbuffers::Vector<std::uint8_t>& bytes = *blob->change();
  // AlertChange > Action > KeyValue; one table per metadata or parameter entry.
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/3, /*max_tables=*/64);
  if (!verifier.VerifyBuffer<fb::AlertChange>(fb::ServerFrameIdentifier())) {
    error = "a nested AlertChange that fails verification";
    return std::nullopt;
  }
  return to_json(*flatbuffers::GetRoot<fb::AlertChange>(bytes.data()));
}

}  // namespace client_frame_detail

// True when `bytes` carry the client schema's identifier ("RVCL" at 4..8).
inline bool is_client_frame(std::string_view bytes) {
  return bytes.size() >= 8 && bytes.substr(4, 4) == rover_alerts::client::ServerFrameIdentifier();
}

// The frame's changes, or nullopt with `error` set when it fails verification.
// `max_changes` bounds the tables the Verifier accepts (ServerFrame, its
// message, one ChangeBlob per change).
inline std::optional<DecodedClientFrame> decode_client_frame(std::string_view bytes, std::string& error,
                                                             std::size_t max_changes = 2000) {
  namespace fb = rover_alerts::client;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  // ServerFrame > AlertBatch > ChangeBlob (the nested buffer is verified on its own).
  flatbuffers::Verifier verifier(data, bytes.size(), /*max_depth=*/3,
                                 /*max_tables=*/static_cast<flatbuffers::uoffset_t>(max_changes + 2));
  if (!fb::VerifyServerFrameBuffer(verifier)) {
    error = "a frame that fails verification";
    return std::nullopt;
  }
  const fb::ServerFrame* frame = fb::GetServerFrame(data);
  DecodedClientFrame out;
  if (const fb::Alert* alert = frame->message_as_Alert()) {
    auto change = client_frame_detail::decode_blob(alert->change(), error);
    if (!change) return std::nullopt;
    out.changes.push_back(std::move(*change));
  } else if (const fb::AlertBatch* batch = frame->message_as_AlertBatch()) {
    out.batch = true;
    out.batch_id = std::string(client_frame_detail::text(batch->batch_id()));
    if (batch->changes() != nullptr) {
      for (const fb::ChangeBlob* blob : *batch->changes()) {
        auto change = client_frame_detail::decode_blob(blob, error);
        if (!change) return std::nullopt;
        out.changes.push_back(std::move(*change));
      }
    }
  } else {
    error = "a frame without a message";
    return std::nullopt;
  }
  return out;
}

}  // namespace rover_alerts::testing
