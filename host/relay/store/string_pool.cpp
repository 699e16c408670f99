#include "store/string_pool.hpp"

#include <cassert>
#include <limits>

namespace rover_alerts::relay {

StringPool::StringPool() { clear(); }

void StringPool::clear() {
  entries_.clear();
  free_.clear();
  index_.clear();
  entries_.push_back(Entry{});  // kEmpty
}

StringPool::Id StringPool::acquire(std::string_view text) {
  if (text.empty()) return kEmpty;
  if (const auto it = index_.find(text); it != index_.end()) {
    ++entries_[it->second].references;
    return it->second;
  }
  Id id = 0;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    assert(entries_.size() < std::numeric_limits<Id>::max());
    id = static_cast<Id>(entries_.size());
    entries_.emplace_back();
  }
  // std::string moves keep a heap buffer in place, but a short string lives
  // inside the Entry, which moves when entries_ grows: the index must view
  // the text through a stable pointer, so short strings are given a heap
  // buffer too (reserve past the small-string capacity).
  Entry& entry = entries_[id];
  entry.text.reserve(std::max<std::size_t>(text.size(), sizeof(std::string)));
  entry.text.assign(text);
  entry.references = 1;
  index_.emplace(std::string_view(entry.text), id);
  return id;
}

void StringPool::retain(Id id) {
  if (id == kEmpty) return;
  assert(id < entries_.size() && entries_[id].references > 0);
  ++entries_[id].references;
}

void StringPool::release(Id id) {
  if (id == kEmpty) return;
  assert(id < entries_.size() && entries_[id].references > 0);
  Entry& entry = entries_[id];
  if (--entry.references > 0) return;
  index_.erase(std::string_view(entry.text));
  entry.text = std::string();
  free_.push_back(id);
}

bool StringPool::find(std::string_view text, Id& id) const {
  if (text.empty()) {
    id = kEmpty;
    return true;
  }
  const auto it = index_.find(text);
  if (it == index_.end()) return false;
  id = it->second;
  return true;
}

}  // namespace rover_alerts::relay
