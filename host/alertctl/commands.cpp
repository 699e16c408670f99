#include "commands.hpp"

#include "output.hpp"
#include "relay_session.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <set>

namespace rover_alerts::alertctl {

namespace json = boost::json;
using ground::ClientEvents;
using ground::Reply;

namespace {

bool listed(const std::vector<std::string>& wanted, std::string_view value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

enum class Kind { Current, Change };

// The filters the relay does not apply itself (rover, state; source for sync;
// acknowledged alerts for a list of the current ones). Removals are changes.
bool wanted(const Options& o, const json::object& message, Kind kind) {
  const json::object& d = data_of(message);
  const std::string_view state = text_of(d, "state");
  if (state == "removed")
    return kind == Kind::Change && listed(o.rovers, text_of(d, "rover")) && listed(o.sources, text_of(d, "source"));
  const json::value* acked = d.if_contains("acknowledged");
  if (kind == Kind::Current && !o.include_acknowledged && acked != nullptr && acked->is_bool() && acked->as_bool())
    return false;
  return listed(o.rovers, text_of(d, "rover")) && listed(o.states, state) && listed(o.sources, text_of(d, "source"));
}

json::array priority_names(const std::vector<ground::Priority>& priorities) {
  json::array out;
  for (const auto p : priorities) out.emplace_back(ground::priority_name(p));
  return out;
}

// A request whose answer ends the command: printed by `on_ok`, or its error reported.
int one_request(const Options& o, bool color, json::object request,
                std::function<void(Printer&, const json::object& result)> on_ok) {
  RelaySession session(o, false, false, {});
  Printer printer(o, std::cout, color);
  session.client().request(std::move(request), [&](const Reply& reply) {
    if (!reply.ok) {
      std::cerr << "alertctl: " << reply.code << ": " << reply.message << '\n';
      return session.finish(session.exit_code_of(reply));
    }
    on_ok(printer, reply.result.is_object() ? reply.result.as_object() : json::object{});
    session.finish(kExitOk);
  });
  return session.run();
}

// What `watch` says of a notice other than a change or an ack; empty: nothing.
std::string notice_line(const json::object& m) {
  const std::string_view type = text_of(m, "type");
  const auto rover_prefix = [&] {
    const std::string_view rover = text_of(m, "rover");
    return rover.empty() ? std::string() : std::string(rover) + ": ";
  };
  if (type == "alarm_flood") {
    const json::value* active = m.if_contains("active");
    const bool started = active != nullptr && active->is_bool() && active->as_bool();
    std::string text = started ? "ALARM FLOOD started" : "alarm flood ended";
    if (const json::value* f = m.if_contains("firstOut"); f != nullptr && f->is_object())
      text += ": first out " + std::string(text_of(f->as_object(), "id")) + " (" +
              std::string(text_of(f->as_object(), "key")) + ")";
    return text;
  }
  if (type == "alert_escalation") {
    const std::string_view title = text_of(m, "title");
    return "ESCALATED, still not acknowledged (level " + std::to_string(number_of(m, "level")) + " of " +
           std::to_string(number_of(m, "maxLevel")) + "): " +
           rover_prefix() + std::string(title.empty() ? text_of(m, "message") : title) + " (" +
           std::string(text_of(m, "priority")) + ") " + std::string(text_of(m, "alertId"));
  }
  if (type == "shelve_expiring") {
    // "shelf of ID ends in N s (KEY, shelved by WHO: WHY)"; a key shelf with no alert held names its key.
    const std::string key = rover_prefix() + std::string(text_of(m, "key"));
    const std::string_view id = text_of(m, "alertId");
    std::string text = id.empty() ? "key shelf of " + key : "shelf of " + std::string(id);
    if (m.contains("until")) {
      const auto left_ms = std::max<std::int64_t>(0, number_of(m, "until") - now_ms());
      text += " ends in " + std::to_string((left_ms + 999) / 1000) + " s";
    } else {
      text += " ends soon";
    }
    text += " (";
    if (!id.empty()) text += key + ", ";
    if (const json::value* s = m.if_contains("shelved"); s != nullptr && s->is_object())
      text += "shelved by " + std::string(text_of(s->as_object(), "by")) + ": " +
              std::string(text_of(s->as_object(), "reason"));
    return text + ")";
  }
  return {};
}

}  // namespace

int run_watch(const Options& o, bool color) {
  Printer printer(o, std::cout, color);
  bool live = false;
  RelaySession* session_ptr = nullptr;
  ClientEvents events;
  events.alert = [&](const ground::AlertChange& change, const ground::Alert*) {
    // The snapshot of the first subscription is not news: only what follows it.
    if (live && wanted(o, change.message, Kind::Change)) printer.change(change.message);
  };
  events.acknowledged = [&](const ground::AckNotice& n) {
    printer.notice("acknowledged " + n.alert_id + " by " + n.acknowledged_by + (n.comment.empty() ? "" : ": " + n.comment),
                   json::object{{"type", "alert_ack"}, {"alertId", n.alert_id}, {"acknowledgedBy", n.acknowledged_by},
                                {"acknowledgedAt", n.acknowledged_at}, {"comment", n.comment}, {"rev", n.rev}});
  };
  events.notice = [&](const json::object& m) {
    if (const std::string text = notice_line(m); !text.empty()) printer.notice(text, m);
  };
  events.sync_complete = [&](const ground::SyncComplete& s) {
    if (!live) std::cerr << "alertctl: watching (" << session_ptr->client().alerts().size() << " alerts now)\n";
    else if (s.recovered > 0) std::cerr << "alertctl: resynced, " << s.recovered << " changes recovered\n";
    live = true;
    session_ptr->synced();
  };
  events.connection_state = [&](ground::ConnectionState state, std::string_view why) {
    if (state == ground::ConnectionState::Reconnecting) std::cerr << "alertctl: reconnecting (" << why << ")\n";
  };
  RelaySession session(o, true, true, std::move(events));
  session_ptr = &session;
  boost::asio::signal_set signals(session.io(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) session.finish(kExitOk);
  });
  return session.run();
}

int run_list(const Options& o, bool color) {
  if (o.since_rev) return run_sync(o, color);
  Printer printer(o, std::cout, color);
  RelaySession* session_ptr = nullptr;
  ClientEvents events;
  events.sync_complete = [&](const ground::SyncComplete&) {
    std::vector<json::object> messages;
    for (const ground::Alert* a : session_ptr->client().alerts().sorted())
      if (wanted(o, a->message_json(), Kind::Current)) messages.push_back(a->message_json());
    printer.alerts(messages, false);
    session_ptr->finish(kExitOk);
  };
  RelaySession session(o, true, false, std::move(events));
  session_ptr = &session;
  return session.run();
}

int run_sync(const Options& o, bool color) {
  Printer printer(o, std::cout, color);
  RelaySession session(o, false, false, {});
  std::vector<json::object> entries;
  // Each answer asks for the next page: the page number is captured by value, the
  // lambda that asked has returned by then.
  std::function<void(std::uint64_t)> page = [&](std::uint64_t since) {
    json::object request{{"type", "alert_sync"}, {"sinceRev", since}, {"maxCount", 1000},
                         {"includeAcknowledged", o.include_acknowledged}};
    if (!o.priorities.empty()) request["priorities"] = priority_names(o.priorities);
    session.client().request(std::move(request), [&, since](const Reply& reply) {
      if (!reply.ok) {
        std::cerr << "alertctl: " << reply.code << ": " << reply.message << '\n';
        return session.finish(session.exit_code_of(reply));
      }
      const json::object& r = reply.result.as_object();
      const json::value* reset = r.if_contains("reset");
      if (reset != nullptr && reset->is_bool() && reset->as_bool() && since == *o.since_rev && since != 0)
        std::cerr << "alertctl: the relay's history does not reach back to rev " << since
                  << ": this is its whole current state\n";
      if (const json::value* alerts = r.if_contains("alerts"); alerts != nullptr && alerts->is_array())
        for (const json::value& entry : alerts->as_array())
          if (entry.is_object() && wanted(o, entry.as_object(), Kind::Change)) entries.push_back(entry.as_object());
      const json::value* more = r.if_contains("more");
      const json::value* rev = r.if_contains("rev");
      if (more != nullptr && more->is_bool() && more->as_bool() && rev != nullptr && rev->is_number())
        return page(rev->to_number<std::uint64_t>());
      printer.alerts(entries, true);
      session.finish(kExitOk);
    });
  };
  page(*o.since_rev);
  return session.run();
}

int run_ack(const Options& o, bool color) {
  std::vector<std::string> ids;
  for (const std::string& arg : o.args) {
    if (arg != "-") {
      ids.push_back(arg);
      continue;
    }
    for (std::string line; std::getline(std::cin, line);)
      if (!line.empty()) ids.push_back(line);
  }
  if (ids.empty()) {
    std::cerr << "alertctl: no alert ids to acknowledge\n";
    return kExitUsage;
  }
  const std::size_t distinct = std::set<std::string>(ids.begin(), ids.end()).size();
  Printer printer(o, std::cout, color);
  std::map<std::string, ground::AckOutcome> outcomes;
  int worst = kExitOk;
  RelaySession* session_ptr = nullptr;
  ClientEvents events;
  events.ack_result = [&](const ground::AckOutcome& outcome) {
    outcomes[outcome.alert_id] = outcome;
    const json::object result{{"alertId", outcome.alert_id}, {"ok", outcome.ok}, {"code", outcome.code},
                              {"message", outcome.message}};
    if (outcome.ok) {
      printer.answer("acknowledged " + outcome.alert_id, result, outcome.alert_id);
    } else {
      std::cerr << "alertctl: " << outcome.alert_id << ": " << outcome.code << ": " << outcome.message << '\n';
      if (o.output == Output::Json || o.output == Output::Ndjson) printer.answer("", result, "");
      const int code = session_ptr->exit_code_of(outcome.code);
      // The worst outcome decides: refused and unreachable before not found, before failed.
      const auto rank = [](int c) { return c == kExitRefused ? 4 : c == kExitConnection ? 3 : c == kExitNotFound ? 2 : c == kExitFailed ? 1 : 0; };
      if (rank(code) > rank(worst)) worst = code;
    }
    if (outcomes.size() == distinct) session_ptr->finish(worst);
  };
  RelaySession session(o, false, false, std::move(events));
  session_ptr = &session;
  for (const std::string& id : ids) session.client().acknowledge(id, o.comment);
  const int code = session.run();
  return outcomes.empty() ? code : worst == kExitOk ? code : worst;
}

int run_create(const Options& o, bool color) {
  json::object request{{"type", "alert_create"},  {"message", o.message}, {"priority", ground::priority_name(*o.priority)},
                       {"source", o.source},      {"persistent", o.persistent}};
  if (!o.title.empty()) request["title"] = o.title;
  if (!o.group.empty()) request["groupId"] = o.group;
  if (!o.action_label.empty())
    request["action"] = json::object{{"label", o.action_label}, {"actionType", o.action_type}, {"parameters", json::object{}}};
  return one_request(o, color, std::move(request), [](Printer& printer, const json::object& result) {
    const std::string id(text_of(result, "alertId"));
    printer.answer("created " + id, result, id);
  });
}

int run_clear(const Options& o, bool color) {
  json::object request{{"type", "alert_clear"}};
  if (!o.ids.empty()) {
    json::array ids;
    for (const auto& id : o.ids) ids.emplace_back(id);
    request["ids"] = std::move(ids);
  }
  if (!o.source.empty()) request["source"] = o.source;
  if (o.priority) request["priority"] = ground::priority_name(*o.priority);
  if (!o.group.empty()) request["groupId"] = o.group;
  return one_request(o, color, std::move(request), [](Printer& printer, const json::object& result) {
    const json::value* n = result.if_contains("cleared");
    const std::string count = n != nullptr && n->is_number() ? std::to_string(n->to_number<std::uint64_t>()) : "0";
    printer.answer("cleared " + count + " alert(s)", result, count);
  });
}

int run_log(const Options& o, bool color) {
  Printer printer(o, std::cout, color);
  RelaySession session(o, false, false, {});
  std::vector<json::object> entries;
  std::int64_t from_ms = 0;
  if (o.since) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    from_ms = std::max<std::int64_t>(0, (now - *o.since).count());
  }
  std::function<void(std::uint64_t)> page = [&](std::uint64_t after) {
    json::object request{{"type", "audit_query"}, {"after", after}, {"maxCount", 500}, {"from", from_ms}};
    if (o.user) request["user"] = *o.user;
    if (o.alert) request["alertId"] = *o.alert;
    if (o.action) request["action"] = *o.action;
    session.client().request(std::move(request), [&, after](const Reply& reply) {
      if (!reply.ok) {
        std::cerr << "alertctl: " << reply.code << ": " << reply.message << '\n';
        return session.finish(session.exit_code_of(reply));
      }
      const json::object& r = reply.result.as_object();
      std::uint64_t last = after;
      if (const json::value* list = r.if_contains("entries"); list != nullptr && list->is_array()) {
        for (const json::value& e : list->as_array()) {
          if (!e.is_object()) continue;
          entries.push_back(e.as_object());
          if (const json::value* seq = e.as_object().if_contains("seq"); seq != nullptr && seq->is_number())
            last = seq->to_number<std::uint64_t>();
        }
      }
      const json::value* more = r.if_contains("more");
      if (more != nullptr && more->is_bool() && more->as_bool() && last > after) return page(last);
      printer.audit(entries);
      session.finish(kExitOk);
    });
  };
  page(0);
  return session.run();
}

namespace {

// The alert a shelve or unshelve names: an id, or a key (with its rover).
void add_target(const Options& o, json::object& request) {
  if (!o.args.empty()) {
    request["alertId"] = o.args.front();
    return;
  }
  request["key"] = o.key;
  if (!o.rovers.empty()) request["rover"] = o.rovers.front();
}

std::string target_name(const Options& o) {
  if (!o.args.empty()) return o.args.front();
  return (o.rovers.empty() ? std::string() : o.rovers.front() + "/") + o.key;
}

}  // namespace

int run_shelve(const Options& o, bool color) {
  json::object request{{"type", "alert_shelve"}, {"reason", o.reason}, {"oneShot", o.one_shot}};
  add_target(o, request);
  if (o.by_key || !o.key.empty()) request["scope"] = "key";
  if (o.duration) request["durationSeconds"] = o.duration->count();
  return one_request(o, color, std::move(request), [&o](Printer& printer, const json::object& result) {
    const json::value* shelved = result.if_contains("shelved");
    const json::value* until = shelved != nullptr && shelved->is_object() ? shelved->as_object().if_contains("until") : nullptr;
    const std::string when = until != nullptr && until->is_number() ? clock_time(until->to_number<std::int64_t>()) : "?";
    printer.answer("shelved " + target_name(o) + " until " + when, result, target_name(o));
  });
}

int run_unshelve(const Options& o, bool color) {
  json::object request{{"type", "alert_unshelve"}};
  add_target(o, request);
  return one_request(o, color, std::move(request), [&o](Printer& printer, const json::object& result) {
    printer.answer("unshelved " + target_name(o), result, target_name(o));
  });
}

int run_service(const Options& o, bool color) {
  const bool out = o.command == "out-of-service";
  const bool rover = !o.rovers.empty();
  const std::string value = rover ? o.rovers.front() : o.source;
  json::object request{{"type", out ? "out_of_service" : "return_to_service"},
                       {"scope", rover ? "rover" : "source"},
                       {"value", value}};
  if (out) request["reason"] = o.reason;
  return one_request(o, color, std::move(request), [&](Printer& printer, const json::object& result) {
    const json::value* n = result.if_contains("alerts");
    const std::string count = n != nullptr && n->is_number() ? std::to_string(n->to_number<std::uint64_t>()) : "0";
    printer.answer(std::string(rover ? "rover " : "source ") + value + (out ? " out of service" : " back in service") +
                       " (" + count + " alert(s))",
                   result, value);
  });
}

int run_stats(const Options& o, bool color) {
  return one_request(o, color, json::object{{"type", "get_stats"}},
                     [](Printer& printer, const json::object& result) { printer.stats(result); });
}

}  // namespace rover_alerts::alertctl
