#include "link/utf8_repair.hpp"

namespace rover_alerts::relay {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// How many bytes of `in` form the longest prefix of some valid character
// (at least 1): one U+FFFD stands for all of them.
std::size_t invalid_subpart(std::string_view in) {
  const auto lead = static_cast<unsigned char>(in[0]);
  std::size_t want = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    want = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    want = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    want = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 1;
  }
  std::size_t n = 1;
  if (n < in.size() && n < want) {
    const auto c = static_cast<unsigned char>(in[n]);
    if (c < low || c > high) return n;
    ++n;
  }
  while (n < in.size() && n < want && continuation(static_cast<unsigned char>(in[n]))) ++n;
  return n;
}

}  // namespace

std::size_t utf8_char_length(std::string_view in) {
  if (in.empty()) return 0;
  const auto lead = static_cast<unsigned char>(in[0]);
  if (lead < 0x80) return 1;
  const std::size_t n = invalid_subpart(in);
  const std::size_t want = lead <= 0xDF ? 2 : lead <= 0xEF ? 3 : 4;
  return n == want ? n : 0;
}

Utf8Repair repair_utf8(std::string_view in, std::size_t max_bytes) {
  Utf8Repair out;
  out.text.reserve(std::min(in.size(), max_bytes));
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t length = utf8_char_length(in.substr(i));
    std::string_view piece = in.substr(i, length);
    if (length == 0) {
      length = invalid_subpart(in.substr(i));
      piece = kReplacement;
      out.replaced = true;
    }
    if (out.text.size() + piece.size() > max_bytes) {
      out.truncated = true;
      break;
    }
    out.text.append(piece);
    i += length;
  }
  return out;
}

}  // namespace rover_alerts::relay
