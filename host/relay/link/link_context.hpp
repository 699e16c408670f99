#pragma once
// What rover link sessions share, owned by the relay server.

#include "counters.hpp"
#include "relay_config.hpp"
#include "session_registry.hpp"
#include "store/alert_store.hpp"
#include "store/rover_link_stats.hpp"

#include <map>
#include <memory>
#include <string>

namespace rover_alerts::relay {

class LinkSession;

struct LinkContext {
  const LinkLimits& limits;
  AlertStore& store;
  RoverLinkStats& stats;
  Counters& counters;
  SessionRegistry<LinkSession>& sessions;
  // The session that said Hello for each rover; a newer connection replaces
  // (and closes) an older one, so a half-open link does not linger.
  std::map<std::string, std::weak_ptr<LinkSession>> by_rover;
};

}  // namespace rover_alerts::relay
