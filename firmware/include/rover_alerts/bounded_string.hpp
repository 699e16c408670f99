#pragma once
// A string with a fixed capacity stored inline (no heap). Assigning a longer
// value keeps the longest prefix that ends on a UTF-8 character boundary and
// reports the truncation to the caller, who counts it.

#include <rover_alerts/small_copy.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rover_alerts {

// Length of the longest prefix of `s` no longer than `max_bytes` that does not
// split a UTF-8 sequence. Bytes that are not valid UTF-8 are treated as single
// characters: truncation never makes a string less valid than it was.
constexpr std::size_t utf8_prefix_length(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t n = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character
  // that straddles the cut, at most 3 steps (a UTF-8 sequence is <= 4 bytes).
  std::size_t back = 0;
  while (n > 0 && back < 3 && (static_cast<std::uint8_t>(s[n]) & 0xC0u) == 0x80u) {
    --n;
    ++back;
  }
  if (back == 3 && (static_cast<std::uint8_t>(s[n]) & 0xC0u) == 0x80u) return max_bytes;  // not UTF-8
  return n;
}

template <std::size_t Capacity>
class BoundedString {
 public:
  static_assert(Capacity > 0 && Capacity < 65536, "capacity must fit a uint16 length");

  static constexpr std::size_t capacity() { return Capacity; }

  // Returns true when `value` had to be truncated.
  bool assign(std::string_view value) {
    const std::size_t n = utf8_prefix_length(value, Capacity);
    copy_small(data_.data(), value.data(), n);
    size_ = static_cast<std::uint16_t>(n);
    return n != value.size();
  }

  // Copies only the bytes in use (cheaper than copying the whole array).
  void copy_from(const BoundedString& other) {
    copy_small(data_.data(), other.data_.data(), other.size_);
    size_ = other.size_;
  }

  void clear() { size_ = 0; }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  bool full() const { return size_ == Capacity; }
  std::string_view view() const { return {data_.data(), size_}; }

  friend bool operator==(const BoundedString& a, std::string_view b) { return a.view() == b; }

 private:
  // The length first: a short string's length and bytes then share a cache
  // line (a record has a dozen fields; with the length after a 384-byte array
  // each field cost two lines to read or write).
  std::uint16_t size_ = 0;
  std::array<char, Capacity> data_{};
};

}  // namespace rover_alerts
