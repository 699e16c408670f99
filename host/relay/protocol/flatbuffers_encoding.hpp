#pragma once
// The FlatBuffers encoding of alert changes (schemas/client.fbs), for clients
// that subscribed with `encoding: "flatbuffers"`.
//
// A change is encoded once, as a finished standalone AlertChange buffer (a
// blob, identifier "RVCL"); a frame (ServerFrame holding an Alert or an
// AlertBatch) is built from blobs by copying their bytes, never by encoding
// their fields again. Frames are sent as binary WebSocket messages.

#include "store/alert.hpp"
#include "store/alert_store.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

// One change as a finished AlertChange buffer: the fields of its JSON
// AlertWebSocketMessage (protocol/alert_json.hpp).
std::string encode_change_flatbuffer(ChangeType type, const Alert& alert);
// The AlertChange of a removal, from its tombstone (state "removed").
std::string encode_change_flatbuffer(const Tombstone& tombstone);

// ServerFrame{Alert}: one (critical) change, alone.
std::string flatbuffers_alert_frame(std::string_view change_blob);
// ServerFrame{AlertBatch}: changes in rev order.
std::string flatbuffers_batch_frame(std::uint64_t batch_id, std::span<const std::string_view> change_blobs);

}  // namespace rover_alerts::relay
