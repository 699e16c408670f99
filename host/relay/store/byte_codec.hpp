#pragma once
// The store's compact binary encoding: LEB128 varints and length-prefixed
// strings. Used by the journal's row bodies and by the in-memory alert text
// (action and metadata), so both read and write the same way.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class ByteWriter {
 public:
  void u64(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void map(const std::map<std::string, std::string>& m) {
    u64(m.size());
    for (const auto& [k, v] : m) {
      str(k);
      str(v);
    }
  }
  void append(std::string_view encoded) { out_.append(encoded); }
  // Starts over, keeping the buffer's capacity (one writer reused per batch).
  void clear() { out_.clear(); }
  std::string_view bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every read checks the bounds and returns false on malformed input.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool u64(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      const auto byte = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  template <class T>
  bool num(T& v) {
    std::uint64_t x = 0;
    if (!u64(x)) return false;
    v = static_cast<T>(x);
    return true;
  }
  bool str(std::string_view& s) {
    std::uint64_t n = 0;
    if (!u64(n) || n > in_.size() - pos_) return false;
    s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool str(std::string& s) {
    std::string_view view;
    if (!str(view)) return false;
    s.assign(view);
    return true;
  }
  bool map(std::map<std::string, std::string>& m) {
    std::uint64_t n = 0;
    if (!u64(n)) return false;
    m.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string_view k;
      std::string_view v;
      if (!str(k) || !str(v)) return false;
      m.emplace(k, v);
    }
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace rover_alerts::relay
