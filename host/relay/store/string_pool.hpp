#pragma once
// Interned strings with reference counts, for the few distinct values that
// very many alerts share: rover names, sources, user names. An alert then
// holds a 4-byte id instead of a 32-byte std::string (plus its heap block).
//
// Bounded by what is referenced: a string is forgotten when its last
// reference is released, so a rover inventing a new source per alert costs
// one entry per live alert, never more. Id 0 is the empty string and is not
// counted.
//
// Not thread-safe (the store's io thread only).

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rover_alerts::relay {

class StringPool {
 public:
  using Id = std::uint32_t;
  static constexpr Id kEmpty = 0;

  StringPool();

  // The id of `text`, adding it if new; takes one reference (none for "").
  Id acquire(std::string_view text);
  // Takes one more reference to an id the caller holds.
  void retain(Id id);
  // Drops one reference; the last one forgets the string.
  void release(Id id);
  // The id of `text` if interned, without taking a reference.
  bool find(std::string_view text, Id& id) const;

  std::string_view view(Id id) const { return entries_[id].text; }
  // Distinct strings held (the empty string included).
  std::size_t size() const { return entries_.size() - free_.size(); }
  std::uint32_t references(Id id) const { return entries_[id].references; }
  void clear();

 private:
  struct Entry {
    std::string text;
    std::uint32_t references = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::vector<Entry> entries_;
  std::vector<Id> free_;
  // Keys view the entries' strings: an entry's text never changes while indexed.
  std::unordered_map<std::string_view, Id, Hash, std::equal_to<>> index_;
};

}  // namespace rover_alerts::relay
