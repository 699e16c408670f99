#include "requests/alert_request_handler.hpp"

#include "protocol/alarm_json.hpp"

#include "protocol/alert_json.hpp"
#include "requests/permissions.hpp"
#include "protocol/response_json.hpp"
#include "protocol/suppression_json.hpp"

#include <boost/json.hpp>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

Operation operation_of(const AlertRequest& request) {
  struct Visitor {
    Operation operator()(const AckRequest&) const { return Operation::Ack; }
    Operation operator()(const SyncRequest&) const { return Operation::Sync; }
    Operation operator()(const CreateRequest&) const { return Operation::Create; }
    Operation operator()(const ClearRequest&) const { return Operation::Clear; }
    Operation operator()(const StatsRequest&) const { return Operation::Stats; }
    Operation operator()(const AuditQueryRequest&) const { return Operation::AuditQuery; }
    Operation operator()(const ShelveAlertRequest&) const { return Operation::Shelve; }
    Operation operator()(const UnshelveAlertRequest&) const { return Operation::Unshelve; }
    Operation operator()(const OutOfServiceRequest&) const { return Operation::OutOfService; }
    Operation operator()(const ReturnToServiceRequest&) const { return Operation::ReturnToService; }
    Operation operator()(const SuppressionListRequest&) const { return Operation::SuppressionList; }
  };
  return std::visit(Visitor{}, request);
}

// alert_clear's criteria as the audit trail shows them: "source=comms, priority=low".
std::string describe(const ClearCriteria& c) {
  std::string out;
  const auto add = [&out](std::string_view name, std::string_view value) {
    out.append(out.empty() ? "" : ", ").append(name).append("=").append(value);
  };
  if (!c.ids.empty()) {
    std::string ids;
    constexpr std::size_t kShown = 10;
    for (std::size_t i = 0; i < std::min(c.ids.size(), kShown); ++i) ids.append(i == 0 ? "" : " ").append(c.ids[i]);
    if (c.ids.size() > kShown) ids.append(" (+" + std::to_string(c.ids.size() - kShown) + ")");
    add("ids", ids);
  }
  if (c.source) add("source", *c.source);
  if (c.priority) add("priority", to_string(*c.priority));
  if (c.group_id) add("groupId", *c.group_id);
  if (c.acknowledged) add("acknowledged", *c.acknowledged ? "true" : "false");
  return out;
}

json::object by_priority(const std::array<std::uint64_t, kPriorityCount>& counts) {
  json::object out;
  for (std::size_t i = 0; i < kPriorityCount; ++i) out.emplace(to_string(static_cast<Priority>(i)), counts[i]);
  return out;
}

json::object by_class(const std::array<std::uint64_t, kDeliveryClassCount>& counts) {
  json::object out;
  for (std::size_t c = 0; c < kDeliveryClassCount; ++c)
    out.emplace(to_string(static_cast<DeliveryClass>(c)), counts[c]);
  return out;
}

// Whole numbers as integers: Boost.JSON writes every double with an exponent.
json::value number(double x) {
  if (x >= 0 && x < 9.0e15 && x == static_cast<double>(static_cast<std::uint64_t>(x)))
    return static_cast<std::uint64_t>(x);
  return x;
}

// As /metrics has it, less the +Inf bucket (its count is `count`): buckets
// are cumulative, `le` is the upper bound.
template <std::size_t N>
json::object histogram(const Histogram<N>& h) {
  json::array buckets;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < N; ++i) {
    cumulative += h.bucket(i);
    buckets.push_back(json::object{{"le", number(h.bounds()[i])}, {"count", cumulative}});
  }
  return json::object{{"count", h.count()}, {"sum", number(h.sum())}, {"buckets", std::move(buckets)}};
}

// The delivery engine's figures: the same ones /metrics renders.
json::object delivery_figures(const Publisher& publisher) {
  const DeliveryMetrics& m = publisher.metrics();
  const Publisher::Depths depths = publisher.depths();
  json::object out;
  out.emplace("subscribers", publisher.size());
  out.emplace("publications", m.publications);
  out.emplace("messages", by_class(m.messages));
  out.emplace("changes", by_class(m.changes));
  out.emplace("bytes", by_class(m.bytes));
  out.emplace("bytesByEncoding", json::object{{"json", m.bytes_by_encoding[0]},
                                              {"lz4", m.bytes_by_encoding[1]},
                                              {"flatbuffers", m.bytes_by_encoding[2]}});
  out.emplace("batchWrites", json::object{{"shared", m.shared_batch_writes}, {"assembled", m.assembled_batch_writes}});
  out.emplace("coalesced", m.coalesced);
  out.emplace("dropped", m.dropped);
  out.emplace("resyncs", m.resyncs);
  out.emplace("slowCloses", m.slow_closes);
  out.emplace("catchUpPages", m.catch_up_pages);
  out.emplace("catchUpChanges", m.catch_up_changes);
  out.emplace("lz4", json::object{{"messages", m.lz4_messages},
                                  {"inputBytes", m.lz4_bytes_in},
                                  {"outputBytes", m.lz4_bytes_out}});
  out.emplace("queued", json::object{{"urgentMessages", depths.urgent_messages},
                                     {"routineChanges", depths.routine_changes},
                                     {"bytes", depths.queued_bytes}});
  out.emplace("batchChanges", histogram(m.batch_changes));
  out.emplace("publishToWriteUs", histogram(m.publish_to_write_us));
  out.emplace("urgentWaitUs", histogram(m.urgent_wait_us));
  return out;
}

json::object connection_figures(const ConnectionFigures& c) {
  json::object out;
  if (c.rtt) out.emplace("rttMs", static_cast<double>(c.rtt->count()) / 1000.0);
  out.emplace("batchSize", c.batch_size);
  out.emplace("batchTimeoutMs", c.batch_timeout.count());
  out.emplace("queuedUrgent", c.queued_urgent);
  out.emplace("queuedRoutine", c.queued_routine);
  return out;
}

}  // namespace

AlertRequestHandler::AlertRequestHandler(AlertStore& store, Publisher& publisher, const RoverLinkStats& links,
                                         AckForwarder forward_ack, AfterCommit after_commit,
                                         WhenShowable when_showable)
    : store_(store),
      publisher_(publisher),
      links_(links),
      forward_ack_(std::move(forward_ack)),
      after_commit_(std::move(after_commit)),
      when_showable_(std::move(when_showable)) {}

void AlertRequestHandler::handle(const Identity& who, const json::value& req_id, const AlertRequest& request,
                                 std::uint64_t now_ms, const ConnectionFigures& connection, Reply reply) {
  const Operation operation = operation_of(request);
  if (!role_may(who.role, operation, permissions_)) {
    const std::string why = std::string(to_string(operation)) + " is not allowed for role " +
                            std::string(to_string(who.role));
    // The alert it was about, when there is one, so that the alert's history shows the refusal.
    std::string alert_id, what = why;
    if (const auto* a = std::get_if<AckRequest>(&request)) alert_id = a->alert_id;
    if (const auto* a = std::get_if<ShelveAlertRequest>(&request)) alert_id = a->alert_id;
    if (const auto* a = std::get_if<UnshelveAlertRequest>(&request)) alert_id = a->alert_id;
    if (const auto* c = std::get_if<ClearRequest>(&request)) {
      if (c->criteria.ids.size() == 1) alert_id = c->criteria.ids.front();
      what += " (" + describe(c->criteria) + ")";
    }
    audit(who, connection, now_ms, operation, std::move(alert_id), "refused", std::move(what));
    // Answered once the refusal's audit entry is committed: a client that was
    // told FORBIDDEN finds the refusal in the trail, whatever happens next.
    return after_commit_([reply = std::move(reply), answer = error_message(req_id, ErrorCode::Forbidden, why)]() mutable {
      reply(std::move(answer));
    });
  }
  if (const auto* r = std::get_if<AckRequest>(&request)) {
    const bool known = store_.find_by_id(r->alert_id).has_value();
    audit(who, connection, now_ms, operation, r->alert_id, known ? "ok" : "not_found", r->comment);
    return ack(who, req_id, *r, now_ms, std::move(reply));
  }
  if (const auto* r = std::get_if<AuditQueryRequest>(&request)) {
    // Entries are shown once durable, as changes are.
    return after_commit_([this, req_id, query = r->query, reply = std::move(reply)]() mutable {
      reply(audit_page(req_id, query));
    });
  }
  if (const auto* r = std::get_if<SyncRequest>(&request)) {
    // Clients see only committed changes (a rev they saw is never reused after
    // a crash), so the page is read once the pending batch is committed, and
    // within the relay's read budget (shared with catch-up pages).
    return after_commit_([this, req_id, query = *r, reply = std::move(reply)]() mutable {
      auto read = [this, req_id, query, reply] { reply(sync(req_id, query)); };
      if (!publisher_.when_read_budget_allows(std::move(read)))
        reply(error_message(req_id, ErrorCode::RateLimited, "the relay's read budget is spent; retry shortly"));
    });
  }
  if (std::holds_alternative<StatsRequest>(request)) return reply(stats(req_id, connection, now_ms));
  if (std::holds_alternative<SuppressionListRequest>(request))
    return after_commit_([this, req_id, reply = std::move(reply)] {
      reply(ok_response(req_id, json::parse(suppressions_json(store_, false))));
    });
  // Changes: answered once durable.
  std::string answer;
  bool rules_changed = false;
  if (const auto* r = std::get_if<ShelveAlertRequest>(&request))
    answer = shelve(who, req_id, *r, now_ms, connection, rules_changed);
  if (const auto* r = std::get_if<UnshelveAlertRequest>(&request))
    answer = unshelve(who, req_id, *r, now_ms, connection, rules_changed);
  if (const auto* r = std::get_if<OutOfServiceRequest>(&request))
    answer = out_of_service(who, req_id, *r, now_ms, connection, rules_changed);
  if (const auto* r = std::get_if<ReturnToServiceRequest>(&request))
    answer = return_to_service(who, req_id, *r, now_ms, connection, rules_changed);
  if (rules_changed) {
    // Every screen holds the same list of key shelves and rules.
    after_commit_([this, notice = std::make_shared<const std::string>(suppressions_json(store_, true))] {
      publisher_.broadcast_notice(notice);
    });
  }
  if (const auto* r = std::get_if<CreateRequest>(&request)) {
    std::string alert_id;
    answer = create(who, req_id, *r, now_ms, alert_id);
    audit(who, connection, now_ms, operation, std::move(alert_id), "ok",
          std::string(to_string(r->spec.priority)) + " " + r->spec.source + ": " +
              (r->spec.title.empty() ? r->spec.message : r->spec.title));
  }
  if (const auto* r = std::get_if<ClearRequest>(&request)) {
    std::size_t cleared = 0;
    answer = clear(who, req_id, *r, now_ms, cleared);
    audit(who, connection, now_ms, operation, {}, "ok", describe(r->criteria) + ": " + std::to_string(cleared) + " cleared");
  }
  after_commit_([reply = std::move(reply), answer = std::move(answer)]() mutable { reply(std::move(answer)); });
}

void AlertRequestHandler::ack(const Identity& who, const json::value& req_id, const AckRequest& request,
                              std::uint64_t now_ms, Reply reply) {
  const AckResult result = store_.acknowledge(request.alert_id, who.user, now_ms, request.comment);
  if (!result.ok()) return reply(error_message(req_id, ErrorCode::NotFound, "no alert with this id"));

  json::object ack;
  ack.emplace("alertId", result.alert.id);
  ack.emplace("acknowledgedBy", result.alert.acknowledged_by);
  ack.emplace("acknowledgedAt", result.alert.acknowledged_at_ms);
  if (!result.alert.ack_comment.empty()) ack.emplace("comment", result.alert.ack_comment);
  ack.emplace("rev", result.rev);
  std::shared_ptr<const std::string> notice;
  if (request.sync_across_clients) {
    json::object message;
    message.emplace("type", "alert_ack");
    for (const auto& field : ack) message.emplace(field.key(), field.value());
    notice = std::make_shared<const std::string>(json::serialize(message));
  }
  // The notice goes to everyone as soon as the change may be shown (after the
  // store's change itself); the frame to the rover and the answer only once
  // the ack is durable.
  if (notice && when_showable_) {
    when_showable_(result.rev, [this, notice = std::move(notice), priority = result.alert.priority,
                                source = result.alert.source] { publisher_.publish_notice(notice, priority, source); });
  }
  after_commit_([this, notice = std::move(notice), alert = result.alert,
                 answer = ok_response(req_id, std::move(ack)), reply = std::move(reply)]() mutable {
    if (notice) publisher_.publish_notice(notice, alert.priority, alert.source);
    if (forward_ack_ && !alert.rover.empty()) forward_ack_(alert);
    reply(std::move(answer));
  });
}

std::string AlertRequestHandler::sync(const json::value& req_id, const SyncRequest& request) const {
  const SyncPage page = store_.changes_since(request.query);
  publisher_.charge_read(page.alerts.size() + page.removed.size() + 1);
  // Written straight to text: a page may hold thousands of alerts.
  std::string text;
  text.reserve(256 + 400 * (page.alerts.size() + page.removed.size()));
  JsonWriter out(text);
  out.begin_object();
  if (!req_id.is_null()) {
    out.member("type", "response").member("reqId", req_id).member("ok", true).key("result").begin_object();
  } else {
    out.member("type", "alert_sync");
  }
  // Alerts and removals merged in rev order: the client applies them in turn.
  out.key("alerts").begin_array();
  write_page_entries(out, page, page.reset ? ChangeType::New : ChangeType::Update);
  out.end_array();
  out.member("more", page.more).member("rev", page.rev).member("reset", page.reset).member("epoch", page.epoch);
  if (!req_id.is_null()) out.end_object();
  out.end_object();
  return text;
}

std::string AlertRequestHandler::create(const Identity& who, const json::value& req_id,
                                        const CreateRequest& request, std::uint64_t now_ms, std::string& alert_id) {
  const Alert alert = store_.create(request.spec, who.user, now_ms);
  alert_id = alert.id;
  json::object result;
  result.emplace("alertId", alert.id);
  result.emplace("rev", alert.rev);
  return ok_response(req_id, std::move(result));
}

std::string AlertRequestHandler::clear(const Identity& who, const json::value& req_id, const ClearRequest& request,
                                       std::uint64_t now_ms, std::size_t& cleared_out) {
  ClearCriteria criteria = request.criteria;
  // Alerts that must stay while their condition holds (closable: false, e.g.
  // an emergency stop) yield only to an admin.
  criteria.force = who.role == Role::Admin;
  const std::size_t cleared = store_.clear(criteria, now_ms);
  cleared_out = cleared;
  json::object result;
  result.emplace("cleared", cleared);
  result.emplace("rev", store_.rev());
  return ok_response(req_id, std::move(result));
}

void AlertRequestHandler::audit(const Identity& who, const ConnectionFigures& connection, std::uint64_t now_ms,
                                Operation operation, std::string alert_id, std::string_view outcome,
                                std::string detail) {
  if (audit_ == nullptr) return;
  // An entry says why, not everything: a message of kilobytes stays in the alert.
  constexpr std::size_t kMaxDetailBytes = 300;
  if (detail.size() > kMaxDetailBytes) {
    std::size_t cut = kMaxDetailBytes;
    while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0) == 0x80) --cut;  // a character boundary
    detail.resize(cut);
    detail += "…";
  }
  audit_->append(AuditEntry{0, now_ms, who.user, std::string(to_string(who.role)), std::string(connection.address),
                            std::string(to_string(operation)), std::move(alert_id), std::string(outcome),
                            std::move(detail)});
}

std::string AlertRequestHandler::audit_page(const json::value& req_id, const AuditQuery& query) const {
  if (audit_ == nullptr) return error_message(req_id, ErrorCode::Internal, "no audit trail");
  const AuditPage page = audit_->query(query);
  json::array entries;
  for (const AuditEntry& e : page.entries) {
    json::object entry{{"seq", e.seq},       {"at", e.at_ms},        {"user", e.user},     {"role", e.role},
                       {"address", e.address}, {"action", e.action}, {"outcome", e.outcome}};
    if (!e.alert_id.empty()) entry.emplace("alertId", e.alert_id);
    if (!e.detail.empty()) entry.emplace("detail", e.detail);
    entries.push_back(std::move(entry));
  }
  return ok_response(req_id, json::object{{"entries", std::move(entries)}, {"more", page.more}});
}

std::string AlertRequestHandler::stats(const json::value& req_id, const ConnectionFigures& connection,
                                       std::uint64_t now_ms) const {
  const StoreStats s = store_.stats();
  json::object result;
  // The seed's names first.
  result.emplace("active_alerts", s.alerts);
  result.emplace("subscribed_clients", publisher_.size());
  std::array<std::uint64_t, kPriorityCount> priorities{};
  for (std::size_t i = 0; i < kPriorityCount; ++i) priorities[i] = s.by_priority[i];
  result.emplace("alerts_by_priority", by_priority(priorities));
  json::object states;
  for (std::size_t i = 0; i < s.by_state.size(); ++i)
    states.emplace(to_string(static_cast<AlertState>(i)), s.by_state[i]);
  result.emplace("alerts_by_state", std::move(states));
  result.emplace("rev", s.rev);
  result.emplace("epoch", s.epoch);
  result.emplace("tombstones", s.tombstones);

  // Links and losses: what each rover reported it could not deliver.
  json::object rovers;
  std::array<std::uint64_t, kPriorityCount> lost_total{};
  for (const auto& [rover, link] : links_.all()) {
    const RoverHeartbeat& hb = link.last_heartbeat;
    json::object r;
    r.emplace("connected", link.connected);
    r.emplace("bootId", link.boot_id);
    r.emplace("connections", link.connections_total);
    r.emplace("eventsApplied", link.events_applied);
    r.emplace("eventsDuplicate", link.events_duplicate);
    r.emplace("alertsRefused", link.events_refused);
    r.emplace("heartbeats", link.heartbeats);
    r.emplace("latestSeq", hb.latest_seq);
    r.emplace("lostByPriority", by_priority(hb.lost_by_priority));
    r.emplace("truncatedFields", hb.truncated_fields);
    r.emplace("ringGapFrames", hb.ring_gap_frames);
    rovers.emplace(rover, std::move(r));
    for (std::size_t i = 0; i < kPriorityCount; ++i) lost_total[i] += hb.lost_by_priority[i];
  }
  result.emplace("rovers", std::move(rovers));
  result.emplace("lost_by_priority", by_priority(lost_total));
  result.emplace("delivery", delivery_figures(publisher_));
  if (journal_ != nullptr)
    result.emplace("journal", json::object{{"commits", journal_->commits}, {"commitUs", histogram(journal_->commit_us)}});
  result.emplace("connection", connection_figures(connection));
  if (alarm_rates_ != nullptr) {
    const std::uint64_t standing_after = alarm_rates_->limits().standing_after_ms;
    const StoreStats with_standing = store_.stats(now_ms > standing_after ? now_ms - standing_after : 0);
    result.emplace("alarms", alarm_figures(*alarm_rates_, with_standing, now_ms));
  }
  return ok_response(req_id, std::move(result));
}

}  // namespace rover_alerts::relay
