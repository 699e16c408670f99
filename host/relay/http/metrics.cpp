#include "http/metrics.hpp"

#include <charconv>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

namespace rover_alerts::relay {

namespace {

// The table of metric families: name, type and help. A counter of Counters
// that is not listed here still renders, with a generic help text, which
// metrics_test fails on for every family its traffic raises: list them all.
struct MetricInfo {
  std::string_view name;
  std::string_view type;
  std::string_view help;
};

constexpr MetricInfo kMetrics[] = {
    {"alerts", "gauge", "Alerts in the store, by priority and state."},
    {"store_rev", "gauge", "The store's latest revision."},
    {"http_connections", "gauge", "HTTP connections not (yet) upgraded."},
    {"ws_sessions", "gauge", "Authenticated WebSocket sessions (what --max-clients caps)."},
    {"ws_unauthenticated_sessions", "gauge", "WebSocket sessions that have not authenticated yet (a pool of their own)."},
    {"http_connections_refused_total", "counter",
     "Client connections closed at once: over_capacity (all connections), address_cap (one address's)."},
    {"ws_upgrades_refused_total", "counter",
     "WebSocket upgrades (or authentications) refused: origin, over_capacity (--max-clients), unauthenticated_cap."},
    {"alarm_rate", "gauge", "Alarms (new alerts and re-raises, info excluded) in the last alarm window (10 min by default)."},
    {"alarm_rate_by_rover", "gauge", "Alarms in the last alarm window, by rover."},
    {"alarm_flood_active", "gauge", "1 while the alarm rate is in flood (ISA-18.2: over 10 per 10 min by default)."},
    {"alarm_floods_started_total", "counter", "Alarm floods that started."},
    {"alarm_floods_ended_total", "counter", "Alarm floods that ended."},
    {"alarm_chattering_keys", "gauge", "Alert keys raised 3 times or more within a minute."},
    {"alarm_standing", "gauge", "Alarms (info excluded) whose condition has held longer than --standing-after (24 h)."},
    {"alarm_annunciations_kpi", "gauge", "Alarms over the KPI window (24 h), by priority."},
    {"alarm_escalations_total", "counter", "Unacknowledged alerts announced again by their escalation policy, by priority."},
    {"alarm_acks_expired_total", "counter",
     "Acknowledgements taken back: the alert stayed active past its policy's acknowledgement timeout, by priority."},
    {"webhook_attempts_total", "counter",
     "Escalation webhook attempts, by outcome: delivered, retrying, failed (no attempts left), dropped (queue full)."},
    {"alarm_shelved", "gauge", "Alerts shelved by an operator (kept and counted, not announced)."},
    {"alarm_out_of_service", "gauge", "Alerts whose rover or source an admin took out of service."},
    {"alarm_shelves_expired_total", "counter", "Shelves that ended by their time (the alert is announced again)."},
    {"delivery_subscribers", "gauge", "Subscribed WebSocket clients."},
    {"delivery_messages_total", "counter", "Messages written to clients, by delivery class."},
    {"delivery_changes_total", "counter", "Alert changes written to clients (deliveries), by delivery class."},
    {"delivery_bytes_total", "counter", "Bytes of messages written to clients, by delivery class."},
    {"delivery_encoded_bytes_total", "counter",
     "Bytes of messages written to clients, by encoding: JSON text, LZ4 frames, FlatBuffers frames."},
    {"delivery_batch_writes_total", "counter",
     "Routine writes: a shared batch's own bytes, or a batch assembled for one client that was behind."},
    {"delivery_coalesced_total", "counter", "Queued changes replaced by a newer change of the same alert."},
    {"delivery_dropped_total", "counter", "Low and info changes dropped for clients past their high-water mark."},
    {"delivery_resyncs_total", "counter", "resync_required notices sent."},
    {"delivery_slow_closes_total", "counter", "Clients closed as too slow (urgent or kept queue full, or stalled)."},
    {"delivery_catch_up_pages_total", "counter", "Snapshot and sinceRev pages sent."},
    {"delivery_catch_up_changes_total", "counter", "Changes sent in snapshot and sinceRev pages."},
    {"delivery_read_budget_waits_total", "counter",
     "Reads that waited for the relay's read budget, by kind: sync (alert_sync pages), catch_up (a feed's pages)."},
    {"delivery_read_budget_refused_total", "counter", "alert_sync requests answered RATE_LIMITED: too many waited for the read budget."},
    {"delivery_publications_total", "counter", "Commits whose changes were published."},
    {"delivery_lz4_messages_total", "counter", "Batches sent lz4-compressed (binary frames)."},
    {"delivery_lz4_input_bytes_total", "counter", "Bytes of batches before lz4 compression."},
    {"delivery_lz4_output_bytes_total", "counter", "Bytes of batches after lz4 compression."},
    {"delivery_queued_urgent_messages", "gauge", "Urgent messages queued over all clients."},
    {"delivery_queued_routine_changes", "gauge", "Routine changes queued over all clients."},
    {"delivery_queued_bytes", "gauge", "Bytes queued over all clients (shared buffers counted per client)."},
    {"delivery_batch_changes", "histogram", "Alert changes per routine write."},
    {"delivery_urgent_wait_seconds", "histogram",
     "Seconds a critical change or a notice (ack, flood) waited in a client's queue for its write to start."},
    {"delivery_publish_to_write_seconds", "histogram",
     "Seconds from a routine change's publication (after its commit) to the start of the write carrying it."},
    {"journal_commit_seconds", "histogram",
     "Seconds from handing a batch of changes to the journal's writer to seeing it committed (fsync included)."},
    {"ws_auth_blocked_total", "counter",
     "Authentications refused unread: the address failed too often and waits (exponential back-off)."},
    {"ws_auth_failures_total", "counter", "Authentications refused: an unknown token (auth message or bearer header)."},
    {"ws_auth_timeouts_total", "counter", "WebSocket sessions closed for not authenticating within the auth timeout."},
    {"ws_ping_timeouts_total", "counter",
     "WebSocket connections cut as half-open: no pong within the ping timeout."},
    {"ws_requests_rejected_total", "counter", "Client requests answered with an error, by error code."},
    {"ws_protocol_errors_total", "counter",
     "WebSocket connections failed for a protocol violation, by reason: invalid_utf8 (1007), bad_frame (1002)."},
    {"ws_sessions_closed_rate_total", "counter", "WebSocket sessions closed for a sustained flood over the rate limit."},
    {"ws_sessions_closed_slow_total", "counter",
     "WebSocket sessions closed as too slow to take their messages (the delivery limits)."},
    {"http_requests_rejected_total", "counter",
     "HTTP requests refused before any handler, by reason: timeout, too_large, malformed."},
    {"http_plain_refused_total", "counter", "Plain HTTP requests answered 403 by a relay that requires TLS."},
    {"tls_handshake_failures_total", "counter", "Client connections whose TLS handshake failed."},
    {"alerts_expired_total", "counter", "Alerts removed because their expiresAt passed."},
    {"journal_commits_total", "counter", "Batches of changes the journal committed (fsync included)."},
    {"journal_commit_failures_total", "counter",
     "Journal commits that failed (disk full, I/O error); /healthz answers 503 until one succeeds."},
    {"link_frames_rejected_total", "counter", "Link frames refused (the link is closed), by reason."},
    {"link_fields_repaired_total", "counter",
     "Text fields from rovers repaired: invalid UTF-8 replaced by U+FFFD, or cut to the field's limit."},
    {"link_events_ignored_total", "counter",
     "Rover events acknowledged but not applied: an update or clear of an alert another boot holds."},
    {"link_connections_refused_total", "counter", "Link connections closed at once, by the cap they hit."},
    {"link_alerts_refused_total", "counter", "New rover alerts acknowledged but not stored: past the per-rover cap."},
    {"link_hello_timeouts_total", "counter", "Link connections closed for not saying Hello in time."},
    {"link_authenticated_total", "counter", "Rover links that proved their rover's key (handshake complete)."},
    {"link_auth_failures_total", "counter",
     "Rover links refused before touching any state: unknown_rover, unauthenticated (a configured rover without a "
     "nonce), no_proof, bad_proof, bad_seal."},
    {"relay_reloads_total", "counter", "SIGHUP rereads of the tokens and rovers files, by result (ok, failed)."},
    {"link_read_buffer_bytes", "gauge",
     "Bytes the rover link sessions hold to read frames (grows only as a frame's bytes arrive)."},
    {"rover_link_connected", "gauge", "1 while the rover's link is connected."},
    {"rover_link_connections_total", "counter", "Link connections the rover opened."},
    {"rover_events_applied_total", "counter", "Alert events from the rover applied to the store (ingest)."},
    {"rover_events_duplicate_total", "counter", "Alert events from the rover already applied (resent)."},
    {"rover_heartbeats_total", "counter", "Heartbeats from the rover."},
    {"rover_alerts_refused_total", "counter",
     "New alerts from the rover acknowledged but not stored: past the relay's per-rover cap."},
    {"link_reads_paused_total", "counter",
     "Times a rover link was not read while the journal's backlog was full (until a commit)."},
    {"link_operator_acks_sent_total", "counter", "Operator acknowledgements forwarded to the rover over its link."},
    {"link_operator_acks_skipped_total", "counter",
     "Operator acknowledgements not forwarded, by reason: ground_alert, not_connected, queue_full."},
    {"link_reads_throttled_total", "counter",
     "Times a rover link was not read until its frame or byte quota refilled (TCP pushes back)."},
    {"rover_lost_alerts", "gauge",
     "Alerts the rover reports it could not deliver since its boot (its latest heartbeat), by priority."},
};

// The shortest text that reads back as the same double (an ostream's default
// six digits would round large counts and sums), without an exponent as long
// as that fits: `le="0.00005"`, as Prometheus' own clients write it.
std::string number(double value) {
  char text[64];
  auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  if (result.ec != std::errc{}) result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

std::string_view help_of(std::string_view name) {
  for (const MetricInfo& info : kMetrics)
    if (info.name == name) return info.help;
  return {};
}

void family(std::ostream& out, std::string_view name, std::string_view type) {
  const std::string_view help = help_of(name);
  out << "# HELP " << name << ' ' << (help.empty() ? "Count of events of this kind." : help) << '\n';
  out << "# TYPE " << name << ' ' << type << '\n';
}

// `per_unit`: observed units in one of the metric's (Prometheus wants base
// units: 1e6 for a histogram of microseconds shown in seconds). Dividing keeps
// 50 µs at exactly 0.00005, where multiplying by 1e-6 would not.
template <std::size_t N>
void histogram(std::ostream& out, std::string_view name, const Histogram<N>& h, double per_unit = 1) {
  family(out, name, "histogram");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < N; ++i) {
    cumulative += h.bucket(i);
    out << name << "_bucket{le=\"" << number(h.bounds()[i] / per_unit) << "\"} " << cumulative << '\n';
  }
  out << name << "_bucket{le=\"+Inf\"} " << h.count() << '\n';
  out << name << "_sum " << number(h.sum() / per_unit) << '\n' << name << "_count " << h.count() << '\n';
}

// A label value as the exposition format wants it: backslash, quote and
// newline escaped (rover ids come from the link).
std::string label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_metrics(const Counters& counters, std::span<const Gauge> gauges) {
  // Series of one name must be contiguous; the map's own order would put
  // `a_total_x` between `a_total` and `a_total{...}`.
  std::map<std::string_view, std::vector<std::pair<std::string_view, std::uint64_t>>> families;
  for (const auto& [series, value] : counters.all()) {
    const std::string_view s = series;
    families[s.substr(0, s.find('{'))].emplace_back(s, value);
  }
  std::ostringstream out;
  for (const auto& [name, series] : families) {
    family(out, name, "counter");
    for (const auto& [text, value] : series) out << text << ' ' << value << '\n';
  }
  for (const Gauge& gauge : gauges) {
    family(out, gauge.name, "gauge");
    out << gauge.name << ' ' << number(gauge.value) << '\n';
  }
  return out.str();
}

std::string render_delivery_metrics(const DeliveryMetrics& m, const Publisher::Depths& depths,
                                    std::size_t subscribers, const StoreStats& store) {
  std::ostringstream out;
  family(out, "alerts", "gauge");
  for (std::size_t p = 0; p < kPriorityCount; ++p)
    out << "alerts{priority=\"" << to_string(static_cast<Priority>(p)) << "\"} " << store.by_priority[p] << '\n';
  for (std::size_t s = 0; s < store.by_state.size(); ++s)
    out << "alerts{state=\"" << to_string(static_cast<AlertState>(s)) << "\"} " << store.by_state[s] << '\n';
  family(out, "store_rev", "gauge");
  out << "store_rev " << store.rev << '\n';
  family(out, "delivery_subscribers", "gauge");
  out << "delivery_subscribers " << subscribers << '\n';

  const auto by_class = [&](std::string_view name, const std::array<std::uint64_t, kDeliveryClassCount>& values) {
    family(out, name, "counter");
    for (std::size_t c = 0; c < kDeliveryClassCount; ++c) {
      out << name << "{class=\"" << to_string(static_cast<DeliveryClass>(c)) << '"';
      out << "} " << values[c] << '\n';
    }
  };
  by_class("delivery_messages_total", m.messages);
  by_class("delivery_changes_total", m.changes);
  by_class("delivery_bytes_total", m.bytes);
  family(out, "delivery_encoded_bytes_total", "counter");
  out << "delivery_encoded_bytes_total{encoding=\"json\"} " << m.bytes_by_encoding[0] << '\n';
  out << "delivery_encoded_bytes_total{encoding=\"lz4\"} " << m.bytes_by_encoding[1] << '\n';
  out << "delivery_encoded_bytes_total{encoding=\"flatbuffers\"} " << m.bytes_by_encoding[2] << '\n';
  family(out, "delivery_read_budget_waits_total", "counter");
  out << "delivery_read_budget_waits_total{kind=\"sync\"} " << m.read_budget_waits_sync << '\n';
  out << "delivery_read_budget_waits_total{kind=\"catch_up\"} " << m.read_budget_waits_catch_up << '\n';
  family(out, "delivery_batch_writes_total", "counter");
  out << "delivery_batch_writes_total{kind=\"shared\"} " << m.shared_batch_writes << '\n';
  out << "delivery_batch_writes_total{kind=\"assembled\"} " << m.assembled_batch_writes << '\n';
  const std::pair<std::string_view, std::uint64_t> counters[] = {
      {"delivery_coalesced_total", m.coalesced},         {"delivery_dropped_total", m.dropped},
      {"delivery_resyncs_total", m.resyncs},             {"delivery_slow_closes_total", m.slow_closes},
      {"delivery_catch_up_pages_total", m.catch_up_pages}, {"delivery_catch_up_changes_total", m.catch_up_changes},
      {"delivery_read_budget_refused_total", m.read_budget_refused},
      {"delivery_publications_total", m.publications},
      {"delivery_lz4_messages_total", m.lz4_messages},
      {"delivery_lz4_input_bytes_total", m.lz4_bytes_in},
      {"delivery_lz4_output_bytes_total", m.lz4_bytes_out},
  };
  for (const auto& [name, value] : counters) {
    family(out, name, "counter");
    out << name << ' ' << value << '\n';
  }
  const std::pair<std::string_view, std::size_t> gauges[] = {
      {"delivery_queued_urgent_messages", depths.urgent_messages},
      {"delivery_queued_routine_changes", depths.routine_changes},
      {"delivery_queued_bytes", depths.queued_bytes},
  };
  for (const auto& [name, value] : gauges) {
    family(out, name, "gauge");
    out << name << ' ' << value << '\n';
  }
  histogram(out, "delivery_batch_changes", m.batch_changes);
  histogram(out, "delivery_publish_to_write_seconds", m.publish_to_write_us, 1e6);
  histogram(out, "delivery_urgent_wait_seconds", m.urgent_wait_us, 1e6);
  return out.str();
}

std::string render_alarm_metrics(const AlarmRates& rates, const AlertStore& store, std::uint64_t now_ms) {
  std::ostringstream out;
  family(out, "alarm_rate", "gauge");
  out << "alarm_rate " << rates.rate(now_ms) << '\n';
  const auto by_rover = rates.rate_by_rover(now_ms);
  if (!by_rover.empty()) {
    family(out, "alarm_rate_by_rover", "gauge");
    for (const auto& [rover, rate] : by_rover) out << "alarm_rate_by_rover{rover=\"" << label_value(rover) << "\"} " << rate << '\n';
  }
  family(out, "alarm_flood_active", "gauge");
  out << "alarm_flood_active " << (rates.in_flood() ? 1 : 0) << '\n';
  const std::uint64_t standing_after = rates.limits().standing_after_ms;
  const StoreStats stats = store.stats(now_ms > standing_after ? now_ms - standing_after : 0);
  family(out, "alarm_standing", "gauge");
  out << "alarm_standing " << stats.standing << '\n';
  family(out, "alarm_shelved", "gauge");
  out << "alarm_shelved " << stats.shelved << '\n';
  family(out, "alarm_out_of_service", "gauge");
  out << "alarm_out_of_service " << stats.out_of_service << '\n';
  family(out, "alarm_chattering_keys", "gauge");
  out << "alarm_chattering_keys " << rates.chattering(now_ms).size() << '\n';
  family(out, "alarm_annunciations_kpi", "gauge");
  const auto counts = rates.by_priority(now_ms);
  for (std::size_t p = 0; p + 1 < kPriorityCount; ++p)
    out << "alarm_annunciations_kpi{priority=\"" << to_string(static_cast<Priority>(p)) << "\"} " << counts[p] << '\n';
  return out.str();
}

std::string render_link_metrics(const RoverLinkStats& links, const JournalCounters* journal) {
  std::ostringstream out;
  family(out, "link_read_buffer_bytes", "gauge");
  out << "link_read_buffer_bytes " << links.read_buffer_bytes() << '\n';
  const auto per_rover = [&](std::string_view name, std::string_view type, auto value_of) {
    if (links.all().empty()) return;
    family(out, name, type);
    for (const auto& [rover, link] : links.all())
      out << name << "{rover=\"" << label_value(rover) << "\"} " << value_of(link) << '\n';
  };
  per_rover("rover_link_connected", "gauge", [](const RoverLinkCounters& l) { return l.connected ? 1 : 0; });
  per_rover("rover_link_connections_total", "counter", [](const RoverLinkCounters& l) { return l.connections_total; });
  per_rover("rover_events_applied_total", "counter", [](const RoverLinkCounters& l) { return l.events_applied; });
  per_rover("rover_events_duplicate_total", "counter", [](const RoverLinkCounters& l) { return l.events_duplicate; });
  per_rover("rover_alerts_refused_total", "counter", [](const RoverLinkCounters& l) { return l.events_refused; });
  per_rover("rover_heartbeats_total", "counter", [](const RoverLinkCounters& l) { return l.heartbeats; });
  if (!links.all().empty()) {
    family(out, "rover_lost_alerts", "gauge");
    for (const auto& [rover, link] : links.all())
      for (std::size_t p = 0; p < kPriorityCount; ++p)
        out << "rover_lost_alerts{rover=\"" << label_value(rover) << "\",priority=\""
            << to_string(static_cast<Priority>(p)) << "\"} " << link.last_heartbeat.lost_by_priority[p] << '\n';
  }
  if (journal != nullptr) histogram(out, "journal_commit_seconds", journal->commit_us, 1e6);
  return out.str();
}

}  // namespace rover_alerts::relay
