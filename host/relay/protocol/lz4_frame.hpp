#pragma once
// The LZ4 frame format (lz4frame.h) for batches a client asked to have
// compressed (`alert_subscribe {compression:"lz4"}`): what any LZ4 library,
// or the `lz4` command, decompresses. Sent as binary WebSocket frames.

#include <string>
#include <string_view>

namespace rover_alerts::relay {

// `text` as one LZ4 frame (content size recorded, content checksum on).
std::string lz4_frame(std::string_view text);

}  // namespace rover_alerts::relay
