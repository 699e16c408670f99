#pragma once
// Writes JSON text straight into a string, for the messages the relay sends
// most (alert changes, sync pages): building a boost::json::object first
// costs an allocation per member and a second pass to serialize, several
// times the cost of the text itself. Output is what boost::json::serialize
// gives for the same members in the same order (tests compare the two).
//
// The caller writes a well-formed sequence (a key before each member value,
// balanced begin/end); the writer places the commas.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view name) {
    separate();
    quoted(name);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view text) {
    separate();
    quoted(text);
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(bool b) {
    separate();
    out_.append(b ? "true" : "false");
    return *this;
  }
  JsonWriter& value(std::uint64_t n) {
    separate();
    std::array<char, 20> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
    out_.append(digits.data(), end);
    return *this;
  }
  JsonWriter& value(std::uint32_t n) { return value(static_cast<std::uint64_t>(n)); }
  // A value that is already JSON (a client's reqId, echoed back).
  JsonWriter& value(const boost::json::value& v) {
    separate();
    out_.append(boost::json::serialize(v));
    return *this;
  }

  // A value that is already JSON text (an encoded change inside a batch).
  JsonWriter& raw(std::string_view json) {
    separate();
    out_.append(json);
    return *this;
  }

  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    return key(name).value(v);
  }

 private:
  JsonWriter& open(char bracket) {
    separate();
    out_.push_back(bracket);
    first_ = true;
    return *this;
  }
  JsonWriter& close(char bracket) {
    out_.push_back(bracket);
    first_ = false;
    return *this;
  }
  // A comma before every element but the first of its container, and none
  // between a key and its value.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  void quoted(std::string_view text) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    out_.push_back('"');
    std::size_t run = 0;  // start of the run of characters that need no escape
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(text.substr(run, i - run));
      run = i + 1;
      switch (c) {
        case '"': out_.append("\\\""); break;
        case '\\': out_.append("\\\\"); break;
        case '\b': out_.append("\\b"); break;
        case '\f': out_.append("\\f"); break;
        case '\n': out_.append("\\n"); break;
        case '\r': out_.append("\\r"); break;
        case '\t': out_.append("\\t"); break;
        default:
          out_.append("\\u00");
          out_.push_back(kHex[c >> 4]);
          out_.push_back(kHex[c & 0xF]);
      }
    }
    out_.append(text.substr(run));
    out_.push_back('"');
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace rover_alerts::relay
