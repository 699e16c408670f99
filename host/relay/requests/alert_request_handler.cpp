#include "requests/alert_request_handler.hpp"

#include "protocol/alarm_json.hpp"

#include "protocol/alert_json.hpp"
#include "requests/permissions.hpp"
#include "protocol/response_json.hpp"

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
  };
  return std::visit(Visitor{}, request);
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
  if (!role_may(who.role, operation, permissions_))
    return reply(error_message(req_id, ErrorCode::Forbidden,
                               std::string(to_string(operation)) + " is not allowed for role " +
                                   std::string(to_string(who.role))));
  if (const auto* r = std::get_if<AckRequest>(&request)) return ack(who, req_id, *r, now_ms, std::move(reply));
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
  // Changes: answered once durable.
  std::string answer;
  if (const auto* r = std::get_if<CreateRequest>(&request)) answer = create(who, req_id, *r, now_ms);
  if (const auto* r = std::get_if<ClearRequest>(&request)) answer = clear(who, req_id, *r, now_ms);
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
                                        const CreateRequest& request, std::uint64_t now_ms) {
  const Alert alert = store_.create(request.spec, who.user, now_ms);
  json::object result;
  result.emplace("alertId", alert.id);
  result.emplace("rev", alert.rev);
  return ok_response(req_id, std::move(result));
}

std::string AlertRequestHandler::clear(const Identity& who, const json::value& req_id, const ClearRequest& request,
                                       std::uint64_t now_ms) {
  ClearCriteria criteria = request.criteria;
  // Alerts that must stay while their condition holds (closable: false, e.g.
  // an emergency stop) yield only to an admin.
  criteria.force = who.role == Role::Admin;
  const std::size_t cleared = store_.clear(criteria, now_ms);
  json::object result;
  result.emplace("cleared", cleared);
  result.emplace("rev", store_.rev());
  return ok_response(req_id, std::move(result));
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
