#pragma once
// The relay's binary frames, decoded as a client must (protocol.md,
// "Subscribe" and "FlatBuffers"): an LZ4 frame (magic 04 22 4D 18) is
// decompressed whole within a size limit; a FlatBuffers frame (`RVCL` at
// bytes 4..8) is checked by flatbuffers::Verifier, and so is every nested
// AlertChange, before any field is read. Each change comes back as the JSON
// AlertWebSocketMessage a JSON subscriber gets (same members, same omissions).

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::ground {

bool is_lz4_frame(std::string_view bytes);
bool is_client_frame(std::string_view bytes);

// The frame's content, or nullopt when the bytes are not one valid LZ4 frame
// or it would decompress past `max_bytes`.
std::optional<std::string> lz4_frame_decode(std::string_view frame, std::size_t max_bytes = 64u << 20);

struct DecodedClientFrame {
  bool batch = false;    // AlertBatch (else a single Alert)
  std::string batch_id;  // AlertBatch only
  std::vector<boost::json::object> changes;  // AlertWebSocketMessages, in order
};

// `max_changes` bounds the tables the Verifier accepts.
std::optional<DecodedClientFrame> decode_client_frame(std::string_view bytes, std::string& error,
                                                      std::size_t max_changes = 2000);

// One binary WebSocket message as the JSON message it stands for: an
// `alert_batch` or an `alert` (after lz4, if compressed, then FlatBuffers or
// JSON). nullopt and `error` when it is none of these.
std::optional<boost::json::object> decode_binary_message(std::string_view bytes, std::string& error,
                                                         std::size_t max_bytes = 64u << 20);

}  // namespace rover_alerts::ground
