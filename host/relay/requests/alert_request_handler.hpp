#pragma once
// AlertRequestHandler: serves the alert requests of authenticated clients
// (alert_ack, alert_sync, alert_create, alert_clear, get_stats). It checks the
// role, applies the request to the store and returns the reply for the
// requester. What everybody must learn goes out through the store's observer
// (every change becomes an `alert` message) and, for acks, an `alert_ack`
// notice through the publisher. It never touches sockets.
//
// A request that changes the store is answered only once the change is
// durable (after the journal's commit): an operator who was told "ok" never
// loses the acknowledgement to a crash. A sync also waits for the commit, so
// it never shows a change that is not durable yet; get_stats is answered at once.

#include "auth/identity.hpp"
#include "delivery/publisher.hpp"
#include "protocol/alert_requests.hpp"
#include "requests/permissions.hpp"
#include "store/alarm_rates.hpp"
#include "store/audit_log.hpp"
#include "store/alert_journal.hpp"
#include "store/alert_store.hpp"
#include "store/rover_link_stats.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rover_alerts::relay {

// The requester's own connection as its session sees it, for get_stats.
struct ConnectionFigures {
  std::optional<std::chrono::microseconds> rtt;  // none: no pong yet
  std::size_t batch_size = 0;                    // routine changes per batch now
  std::chrono::milliseconds batch_timeout{0};
  std::size_t queued_urgent = 0;   // messages
  std::size_t queued_routine = 0;  // changes
  std::string_view address;        // the client's, for the audit trail
};

class AlertRequestHandler {
 public:
  // Sends an operator acknowledgement to the rover that raised `alert`, if it
  // is connected (the link side decides; ground alerts have no rover).
  using AckForwarder = std::function<void(const Alert& alert)>;
  // Runs a callback once everything the store recorded so far is committed.
  using AfterCommit = std::function<void(std::function<void()>)>;
  // Runs a callback as soon as a change with this rev may be shown to clients
  // (before its commit when the journal has the rev reserved, see
  // AlertJournal::reserved_rev(); otherwise after it). Without one: after the commit.
  using WhenShowable = std::function<void(std::uint64_t rev, std::function<void()>)>;
  // Sends the reply to the requester (a `response`, or for a sync without
  // reqId an `alert_sync` message).
  using Reply = std::function<void(std::string)>;

  AlertRequestHandler(AlertStore& store, Publisher& publisher, const RoverLinkStats& links,
                      AckForwarder forward_ack, AfterCommit after_commit, WhenShowable when_showable = nullptr);

  void handle(const Identity& who, const boost::json::value& req_id, const AlertRequest& request,
              std::uint64_t now_ms, const ConnectionFigures& connection, Reply reply);

  // Runs `callback` once the store's pending changes are committed (at once if
  // none are): for anything that shows clients the store's state.
  void after_commit(std::function<void()> callback) { after_commit_(std::move(callback)); }

  // get_stats shows the alarm-management figures once they are given.
  void set_alarm_rates(const AlarmRates* rates) { alarm_rates_ = rates; }

  // Operator and admin actions, and refusals, go to the audit trail once it is given.
  void set_audit_log(AuditLog* audit) { audit_ = audit; }

  // Which roles may acknowledge (the rest of the table is fixed).
  void set_permissions(const Permissions& permissions) { permissions_ = permissions; }
  const Permissions& permissions() const { return permissions_; }

  // Shelving bounds (and the store's suppression counts, set on the store).
  void set_suppression_limits(const SuppressionLimits& limits) { suppression_limits_ = limits; }
  const SuppressionLimits& suppression_limits() const { return suppression_limits_; }

  // get_stats shows the journal's commit latency once it is given.
  void set_journal(const JournalCounters* journal) { journal_ = journal; }

 private:
  void ack(const Identity& who, const boost::json::value& req_id, const AckRequest& request, std::uint64_t now_ms,
           Reply reply);
  std::string sync(const boost::json::value& req_id, const SyncRequest& request) const;
  std::string create(const Identity& who, const boost::json::value& req_id, const CreateRequest& request,
                     std::uint64_t now_ms, std::string& alert_id);
  std::string clear(const Identity& who, const boost::json::value& req_id, const ClearRequest& request,
                    std::uint64_t now_ms, std::size_t& cleared);
  std::string stats(const boost::json::value& req_id, const ConnectionFigures& connection,
                    std::uint64_t now_ms) const;
  std::string audit_page(const boost::json::value& req_id, const AuditQuery& query) const;
  void audit(const Identity& who, const ConnectionFigures& connection, std::uint64_t now_ms, Operation operation,
             std::string alert_id, std::string_view outcome, std::string detail);
  // Shelving and out of service (suppression_requests.cpp): the answer, and
  // `rules_changed` when the key shelves or out-of-service rules changed
  // (every client then gets the `suppressions` list).
  std::string shelve(const Identity& who, const boost::json::value& req_id, const ShelveAlertRequest& request,
                     std::uint64_t now_ms, const ConnectionFigures& connection, bool& rules_changed);
  std::string unshelve(const Identity& who, const boost::json::value& req_id, const UnshelveAlertRequest& request,
                       std::uint64_t now_ms, const ConnectionFigures& connection, bool& rules_changed);
  std::string out_of_service(const Identity& who, const boost::json::value& req_id, const OutOfServiceRequest& request,
                             std::uint64_t now_ms, const ConnectionFigures& connection, bool& rules_changed);
  std::string return_to_service(const Identity& who, const boost::json::value& req_id,
                                const ReturnToServiceRequest& request, std::uint64_t now_ms,
                                const ConnectionFigures& connection, bool& rules_changed);

  AlertStore& store_;
  Publisher& publisher_;
  const RoverLinkStats& links_;
  AckForwarder forward_ack_;
  AfterCommit after_commit_;
  WhenShowable when_showable_;
  const JournalCounters* journal_ = nullptr;
  Permissions permissions_;
  const AlarmRates* alarm_rates_ = nullptr;
  AuditLog* audit_ = nullptr;
  SuppressionLimits suppression_limits_;
};

}  // namespace rover_alerts::relay
