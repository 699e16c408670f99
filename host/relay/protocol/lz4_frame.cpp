#include "protocol/lz4_frame.hpp"

#include <lz4frame.h>

#include <cassert>

namespace rover_alerts::relay {

std::string lz4_frame(std::string_view text) {
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.contentSize = text.size();
  preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  std::string out(LZ4F_compressFrameBound(text.size(), &preferences), '\0');
  const std::size_t size = LZ4F_compressFrame(out.data(), out.size(), text.data(), text.size(), &preferences);
  // Cannot fail: the destination has the bound's capacity and the preferences are valid.
  assert(!LZ4F_isError(size));
  out.resize(size);
  return out;
}

}  // namespace rover_alerts::relay
