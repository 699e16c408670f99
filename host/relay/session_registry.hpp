#pragma once
// The live sessions of one kind, so that shutdown (and a rover reconnecting)
// can reach them. Sessions add themselves when they start and remove
// themselves in their destructor; the registry holds weak references only.
//
// Not thread-safe: used from the relay's single io thread only.

#include <memory>
#include <unordered_map>
#include <vector>

namespace rover_alerts::relay {

template <class Session>
class SessionRegistry {
 public:
  void add(const std::shared_ptr<Session>& session) { sessions_[session.get()] = session; }
  void remove(Session* session) { sessions_.erase(session); }
  std::size_t size() const { return sessions_.size(); }

  // Calls f(Session&) for each live session. Works on a copy, so f may cause
  // sessions to be added or removed.
  template <class F>
  void for_each(F&& f) {
    std::vector<std::weak_ptr<Session>> copy;
    copy.reserve(sessions_.size());
    for (const auto& [raw, weak] : sessions_) copy.push_back(weak);
    for (const auto& weak : copy) {
      if (auto session = weak.lock()) f(*session);
    }
  }

 private:
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace rover_alerts::relay
