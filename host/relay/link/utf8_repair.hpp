#pragma once
// Text from a rover link goes to clients in JSON text frames, which must be
// UTF-8: a browser (or Python's websockets) drops the whole connection with
// 1007 on one bad byte. So every string a rover sends is repaired on the
// way in: each invalid sequence becomes U+FFFD (the replacement character,
// as the WHATWG decoder does it: one per maximal invalid subpart), and text
// over its limit is cut at a character boundary. Refusing the frame instead
// would make a real rover replay it for ever; the repair is counted.

#include <cstddef>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

struct Utf8Repair {
  std::string text;
  bool replaced = false;   // an invalid sequence became U+FFFD
  bool truncated = false;  // cut to max_bytes
};

// `in` as valid UTF-8 of at most `max_bytes` bytes.
Utf8Repair repair_utf8(std::string_view in, std::size_t max_bytes);

// The length of the valid UTF-8 character at the start of `in` (1-4), or 0
// when it does not start one. RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF.
std::size_t utf8_char_length(std::string_view in);

}  // namespace rover_alerts::relay
