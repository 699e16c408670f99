#pragma once
// What a client does with an lz4-compressed batch: decode the LZ4 frame
// format (lz4frame.h) whole. nullopt when the bytes are not a valid frame.

#include <lz4frame.h>

#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::testing {

inline std::optional<std::string> lz4_frame_decode(std::string_view frame) {
  LZ4F_dctx* context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&context, LZ4F_VERSION))) return std::nullopt;
  std::string out;
  std::size_t offset = 0;
  char chunk[65536];
  bool complete = false;
  while (offset < frame.size()) {
    std::size_t produced = sizeof chunk;
    std::size_t consumed = frame.size() - offset;
    const std::size_t hint = LZ4F_decompress(context, chunk, &produced, frame.data() + offset, &consumed, nullptr);
    if (LZ4F_isError(hint)) break;
    out.append(chunk, produced);
    offset += consumed;
    if (hint == 0) {
      complete = true;
      break;
    }
  }
  LZ4F_freeDecompressionContext(context);
  if (!complete || offset != frame.size()) return std::nullopt;
  return out;
}

}  // namespace rover_alerts::testing
