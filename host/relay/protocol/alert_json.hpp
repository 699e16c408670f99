#pragma once
// The JSON `alert` message for one alert change:
//
//   {"type":"alert","data":{"id","type","priority","timestamp","rev","data":{...}}}
//
// where the outer `data` is the seed's AlertWebSocketMessage and the inner one
// its AlertMessageData plus the relay's lifecycle fields. Encoded once per
// change; every session sends the same buffer.

#include "protocol/json_writer.hpp"
#include "store/alert.hpp"
#include "store/alert_store.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

std::shared_ptr<const std::string> encode_alert_message(const AlertChange& change);
std::shared_ptr<const std::string> encode_alert_message(ChangeType type, const Alert& alert);
// The `alert` message of a removal, from its tombstone.
std::shared_ptr<const std::string> encode_alert_message(const Tombstone& tombstone);

// The AlertWebSocketMessage of one change, alone: what a batch carries.
std::string encode_change_json(ChangeType type, const Alert& alert);
std::string encode_change_json(const Tombstone& tombstone);
// The change as a delta update for subscribers that asked for `delta: true`:
// the AlertWebSocketMessage shape with `"delta":true`, `baseRev` (the rev
// of the alert the delta applies to) and in `data` only the fields that
// changed since then (null: the field was removed). nullopt when the change
// must go whole: not an update, its base unknown, or its priority changed.
std::optional<std::string> encode_change_delta_json(const AlertChange& change);
// {"type":"alert","data":<change_json>}
std::string alert_message(std::string_view change_json);
// {"type":"alert_batch","batchId":N,"data":[<change_json>...]}
std::string alert_batch_message(std::uint64_t batch_id, std::span<const std::string_view> change_jsons);

// A page of the store's changes (SyncPage) as AlertWebSocketMessages in rev
// order, into an open array: current alerts as `present`, removals as theirs.
void write_page_entries(JsonWriter& out, const SyncPage& page, ChangeType present);

// The AlertWebSocketMessage (the `data` of an `alert` message) of one change
// (the alert's rev is the change's).
void write_alert_change(JsonWriter& out, ChangeType type, const Alert& alert);
// The AlertWebSocketMessage of a removed alert, from its tombstone: type
// remove/clear, state "removed", and only what identifies it.
void write_tombstone(JsonWriter& out, const Tombstone& tombstone);

}  // namespace rover_alerts::relay
