#pragma once
// What the delivery suite needs from a relay message, found by scanning its
// text rather than parsing it: at a million deliveries a second a full JSON
// parse per message would make the client process the ceiling.
//
// The relay writes compact JSON with `type` first, and a quote inside a string
// value is always escaped, so a member such as `"rev":` or
// `"priority":"critical"` found in the text is a member, never string content.

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rover_alerts::bench {

// string_view::find looks for the needle's first character with memchr and
// compares from there: on JSON, whose needles start with a quote, it stops at
// every quote. glibc's memmem skips ahead by the needle's shape.
inline std::size_t find_in(std::string_view text, std::string_view needle, std::size_t from = 0) {
  if (from > text.size()) return std::string_view::npos;
  const void* at = ::memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(at) - text.data());
}

// The value of `"KEY":"..."` (the first such member), without its quotes;
// empty when absent. Values the relay escapes are not unescaped.
inline std::string_view string_member(std::string_view text, std::string_view key, std::size_t from = 0) {
  for (std::size_t at = find_in(text, key, from); at != std::string_view::npos; at = find_in(text, key, at + 1)) {
    if (at == 0 || text[at - 1] != '"') continue;
    const std::size_t colon = at + key.size();
    if (text.substr(colon, 3) != "\":\"") continue;
    const std::size_t begin = colon + 3;
    const std::size_t end = text.find('"', begin);
    if (end == std::string_view::npos) return {};
    return text.substr(begin, end - begin);
  }
  return {};
}

// The message's `type`: the relay writes it first, anything else is searched.
inline std::string_view message_type(std::string_view text) {
  constexpr std::string_view kFirst = R"({"type":")";
  if (text.substr(0, kFirst.size()) == kFirst) {
    const std::size_t end = text.find('"', kFirst.size());
    return end == std::string_view::npos ? std::string_view() : text.substr(kFirst.size(), end - kFirst.size());
  }
  return string_member(text, "type");
}

inline std::size_t count_occurrences(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = find_in(text, needle); at != std::string_view::npos;
       at = find_in(text, needle, at + needle.size()))
    ++n;
  return n;
}

inline std::optional<std::uint64_t> to_u64(std::string_view digits) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Calls on_stamp(t) for every change in an `alert` or `alert_batch` message
// that is a NEW critical alert carrying the sender's `metadata.t`. Only new
// alerts: an update (an ack, say) repeats the stamp of the creation.
// A change is written `{"id":…,"type":"new","priority":"critical",…,"data":{…,
// "metadata":{"t":"…"}}}`; the stamp is looked for before the next change's
// priority, so a critical without one never borrows its neighbour's.
template <class OnStamp>
void for_each_new_critical_stamp(std::string_view text, OnStamp&& on_stamp) {
  constexpr std::string_view kNewCritical = R"("type":"new","priority":"critical")";
  constexpr std::string_view kNextPriority = R"("priority":")";
  constexpr std::string_view kStamp = R"("t":")";
  for (std::size_t at = find_in(text, kNewCritical); at != std::string_view::npos;
       at = find_in(text, kNewCritical, at + kNewCritical.size())) {
    const std::size_t after = at + kNewCritical.size();
    const std::size_t limit = std::min(find_in(text, kNextPriority, after), text.size());
    const std::size_t stamp = find_in(text.substr(0, limit), kStamp, after);
    if (stamp == std::string_view::npos) continue;
    const std::size_t begin = stamp + kStamp.size();
    const std::size_t end = text.find('"', begin);
    if (end == std::string_view::npos || end > limit) continue;
    if (const auto t = to_u64(text.substr(begin, end - begin))) on_stamp(*t);
  }
}

}  // namespace rover_alerts::bench
