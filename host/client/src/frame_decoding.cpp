#include <rover_alerts/ground/frame_decoding.hpp>

#include <rover_alerts/client_generated.h>

#include <boost/json/parse.hpp>
#include <lz4frame.h>

#include <cstdint>
#include <memory>

namespace rover_alerts::ground {

namespace {

namespace fb = rover_alerts::client;
namespace json = boost::json;

constexpr char kLz4Magic[] = {0x04, 0x22, 0x4D, 0x18};

json::object key_values(const flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>* items) {
  json::object out;
  if (items != nullptr)
    for (const fb::KeyValue* item : *items) out[item->key()->string_view()] = item->value()->string_view();
  return out;
}

std::string_view text(const flatbuffers::String* s) { return s != nullptr ? s->string_view() : std::string_view(); }

const char* change_type(fb::ChangeType type) {
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

const char* priority(fb::Priority p) {
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

json::object to_json(const fb::AlertChange& c) {
  json::object data;
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
    data["action"] = json::object{{"label", text(action->label())},
                                  {"actionType", text(action->action_type())},
                                  {"parameters", key_values(action->parameters())}};
  if (c.metadata() != nullptr && c.metadata()->size() > 0) data["metadata"] = key_values(c.metadata());
  if (!text(c.group_id()).empty()) data["groupId"] = text(c.group_id());
  if (c.expires_at() != 0) data["expiresAt"] = c.expires_at();
  if (!text(c.acknowledged_by()).empty()) data["acknowledgedBy"] = text(c.acknowledged_by());
  if (c.acknowledged_at() != 0) data["acknowledgedAt"] = c.acknowledged_at();
  if (!text(c.ack_comment()).empty()) data["ackComment"] = text(c.ack_comment());
  if (const fb::Shelf* s = c.shelved())
    data["shelved"] = json::object{{"by", text(s->by())},       {"reason", text(s->reason())},
                                   {"at", s->at()},             {"until", s->until()},
                                   {"oneShot", s->one_shot()},  {"scope", s->by_key() ? "key" : "alert"}};
  if (const fb::OutOfService* o = c.out_of_service())
    data["outOfService"] = json::object{{"scope", text(o->scope())}, {"value", text(o->value())},
                                        {"by", text(o->by())},       {"reason", text(o->reason())},
                                        {"at", o->at()}};
  return json::object{{"id", text(c.id())},        {"type", change_type(c.type())},
                      {"priority", priority(c.priority())}, {"timestamp", c.timestamp()},
                      {"rev", c.rev()},            {"data", std::move(data)}};
}

// One nested AlertChange: verified on its own, then read.
std::optional<json::object> decode_blob(const fb::ChangeBlob* blob, std::string& error) {
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

struct Lz4ContextDeleter {
  void operator()(LZ4F_dctx* context) const { LZ4F_freeDecompressionContext(context); }
};

}  // namespace

bool is_lz4_frame(std::string_view bytes) {
  return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view(kLz4Magic, 4);
}

bool is_client_frame(std::string_view bytes) {
  return bytes.size() >= 8 && bytes.substr(4, 4) == fb::ServerFrameIdentifier();
}

std::optional<std::string> lz4_frame_decode(std::string_view frame, std::size_t max_bytes) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return std::nullopt;
  const std::unique_ptr<LZ4F_dctx, Lz4ContextDeleter> context(raw);
  std::string out;
  std::size_t offset = 0;
  char chunk[65536];
  while (offset < frame.size()) {
    std::size_t produced = sizeof chunk;
    std::size_t consumed = frame.size() - offset;
    const std::size_t hint = LZ4F_decompress(context.get(), chunk, &produced, frame.data() + offset, &consumed, nullptr);
    if (LZ4F_isError(hint) || out.size() + produced > max_bytes) return std::nullopt;
    out.append(chunk, produced);
    offset += consumed;
    // 0: the frame is complete; it must also be the whole message.
    if (hint == 0) return offset == frame.size() ? std::optional<std::string>(std::move(out)) : std::nullopt;
    if (consumed == 0 && produced == 0) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<DecodedClientFrame> decode_client_frame(std::string_view bytes, std::string& error,
                                                      std::size_t max_changes) {
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
    auto change = decode_blob(alert->change(), error);
    if (!change) return std::nullopt;
    out.changes.push_back(std::move(*change));
  } else if (const fb::AlertBatch* batch = frame->message_as_AlertBatch()) {
    out.batch = true;
    out.batch_id = std::string(text(batch->batch_id()));
    if (batch->changes() != nullptr) {
      for (const fb::ChangeBlob* blob : *batch->changes()) {
        auto change = decode_blob(blob, error);
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

std::optional<json::object> decode_binary_message(std::string_view bytes, std::string& error, std::size_t max_bytes) {
  std::optional<std::string> inflated;
  if (is_lz4_frame(bytes)) {
    inflated = lz4_frame_decode(bytes, max_bytes);
    if (!inflated) {
      error = "an LZ4 frame that does not decode";
      return std::nullopt;
    }
    bytes = *inflated;
  }
  if (is_client_frame(bytes)) {
    auto frame = decode_client_frame(bytes, error);
    if (!frame) return std::nullopt;
    if (!frame->batch) return json::object{{"type", "alert"}, {"data", std::move(frame->changes.front())}};
    json::array data;
    for (auto& change : frame->changes) data.emplace_back(std::move(change));
    return json::object{{"type", "alert_batch"}, {"batchId", frame->batch_id}, {"data", std::move(data)}};
  }
  // lz4 over JSON: the alert_batch text.
  if (!inflated) {
    error = "a binary frame that is neither LZ4 nor FlatBuffers";
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  if (ec || !v.is_object()) {
    error = "an LZ4 frame that does not hold a JSON object";
    return std::nullopt;
  }
  return std::move(v.as_object());
}

}  // namespace rover_alerts::ground
