#pragma once
// What rover link sessions share, owned by the relay server.

#include "counters.hpp"
#include "link/rover_keys.hpp"
#include "relay_config.hpp"
#include "session_registry.hpp"
#include "store/alert_journal.hpp"
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
  // The store's journal. A rover is acknowledged only up to what it has
  // committed; without a journal (tests), up to what the store applied.
  AlertJournal* journal = nullptr;
  // The rovers and their keys (--rovers); null: none configured. Replaced
  // whole on reload; a session keeps the key it authenticated with.
  std::shared_ptr<const RoverKeys> rover_keys;
  // Rovers that are not configured may connect without authentication
  // (--insecure-links); a configured rover must always authenticate.
  bool insecure_links = false;
  // Whether the relay agrees to lz4 batches when a rover offers them.
  bool accept_lz4 = true;
  // Open link connections per peer address (LinkLimits::max_connections_per_address).
  std::map<std::string, std::size_t> connections_by_address;

  // Highest seq of (rover, boot) that may be acknowledged.
  std::uint64_t durable_seq(const std::string& rover, std::uint64_t boot_id) const {
    return journal != nullptr ? journal->committed_seq(rover, boot_id) : store.applied_seq(rover, boot_id);
  }
};

// Sends an OperatorAck frame for `alert` (its rover, key, id, acknowledgedBy/At)
// on that rover's current link. Returns false, counting
// link_operator_acks_skipped_total{reason}, when the alert is a ground alert,
// the rover is not connected, or its outbound queue is full: the ack is
// already durable in the store, the rover only misses the courtesy copy.
bool forward_operator_ack(LinkContext& context, const Alert& alert);

}  // namespace rover_alerts::relay
