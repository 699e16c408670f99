#pragma once
// copy_small: memcpy for the short strings alerts are made of (a few to a few
// hundred bytes), inline: no call, no `rep movs` (whose start-up costs more
// than a 50-byte copy), just fixed-size moves, the last one overlapping.
// Used wherever the emitter copies alert text: staging, records, frames.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rover_alerts {

// Up to 32 bytes: at most four branches, two moves (each pair overlaps when
// n is not a power of two), no loop.
inline void copy_upto32(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<std::uint8_t*>(dst);
  const auto* s = static_cast<const std::uint8_t*>(src);
  if (n >= 16) {
    std::memcpy(d, s, 16);
    std::memcpy(d + n - 16, s + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(d, s, 8);
    std::memcpy(d + n - 8, s + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(d, s, 4);
    std::memcpy(d + n - 4, s + n - 4, 4);
  } else if (n > 0) {  // 1 to 3 bytes: first, middle and last cover them
    d[0] = s[0];
    d[n / 2] = s[n / 2];
    d[n - 1] = s[n - 1];
  }
}

inline void copy_small(void* dst, const void* src, std::size_t n) {
  if (n <= 32) return copy_upto32(dst, src, n);
  auto* d = static_cast<std::uint8_t*>(dst);
  const auto* s = static_cast<const std::uint8_t*>(src);
  for (std::size_t i = 0; i + 32 < n; i += 32) std::memcpy(d + i, s + i, 32);
  std::memcpy(d + n - 32, s + n - 32, 32);
}

}  // namespace rover_alerts
