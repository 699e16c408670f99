#include "output.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>

namespace rover_alerts::alertctl {

namespace json = boost::json;

std::string_view text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::int64_t number_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

const json::object& data_of(const json::object& message) {
  static const json::object empty;
  const json::value* d = message.if_contains("data");
  return d != nullptr && d->is_object() ? d->as_object() : empty;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

std::string age(std::int64_t since_ms) {
  if (since_ms <= 0) return "";
  const std::int64_t s = std::max<std::int64_t>(0, (now_ms() - since_ms) / 1000);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}


// Display width, counting code points (close enough for a terminal table).
std::size_t width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string cut(std::string s, std::size_t max) {
  if (width(s) <= max) return s;
  std::size_t points = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80 && ++points == max) break;
  }
  s.resize(i);
  return s + "…";
}

using Row = std::vector<std::string>;

// Columns padded to their widest cell; `paint` colours each row's line.
void print_table(std::ostream& out, const Row& header, const std::vector<Row>& rows,
                 const std::function<std::string(std::size_t, const std::string&)>& paint) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    widths[c] = width(header[c]);
    for (const Row& r : rows) widths[c] = std::max(widths[c], width(r[c]));
  }
  const auto line = [&](const Row& r, std::size_t index, bool is_header) {
    std::string text;
    for (std::size_t c = 0; c < r.size(); ++c) {
      std::string cell = r[c];
      if (c + 1 < r.size()) cell.append(widths[c] - width(r[c]) + 2, ' ');
      text += cell;
    }
    out << (is_header ? text : paint(index, text)) << '\n';
  };
  line(header, 0, true);
  for (std::size_t i = 0; i < rows.size(); ++i) line(rows[i], i, false);
}

}  // namespace

std::string clock_time(std::int64_t ms) {
  if (ms <= 0) return "";
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string state_label(const json::object& data) {
  std::string state = printable(text_of(data, "state"));
  if (data.contains("shelved")) state += "/shelved";
  if (data.contains("outOfService")) state += "/out-of-service";
  return state;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    char hex[8];
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      // C1 controls (U+0080..U+009F): CSI (U+009B) would start an escape sequence too.
      std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned char>(text[++i]));
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Printer::Printer(const Options& options, std::ostream& out, bool color)
    : options_(options), out_(out), color_(color) {}

std::string Printer::paint(std::string_view priority, std::string_view text) const {
  if (!color_) return std::string(text);
  std::string_view code = "";
  if (priority == "critical") code = "\x1b[1;31m";
  else if (priority == "high") code = "\x1b[31m";
  else if (priority == "medium") code = "\x1b[33m";
  else if (priority == "low") code = "\x1b[36m";
  else if (priority == "info") code = "\x1b[2m";
  if (code.empty()) return std::string(text);
  return std::string(code) + std::string(text) + "\x1b[0m";
}

void Printer::json_line(const json::value& v) { out_ << json::serialize(v) << '\n'; }

void Printer::alerts(const std::vector<json::object>& messages, bool show_change_type) {
  if (options_.quiet) {
    for (const auto& m : messages) out_ << printable(text_of(m, "id")) << '\n';
    return;
  }
  if (options_.output == Output::Json) {
    json::array all;
    for (const auto& m : messages) all.push_back(m);
    out_ << json::serialize(all) << '\n';
    return;
  }
  if (options_.output == Output::Ndjson) {
    for (const auto& m : messages) json_line(m);
    return;
  }
  const bool wide = options_.output == Output::Wide;
  Row header;
  if (show_change_type) header.insert(header.end(), {"REV", "CHANGE"});
  header.insert(header.end(), {"ID", "PRIORITY", "STATE", "ROVER", "SOURCE", "TITLE", "AGE"});
  if (wide) header.insert(header.end(), {"MESSAGE", "OCC", "FIRST SEEN", "LAST SEEN", "ACTION", "ACKED BY", "ACKED AT", "COMMENT"});
  std::vector<Row> rows;
  std::vector<std::string> priorities;
  for (const auto& m : messages) {
    const json::object& d = data_of(m);
    Row r;
    if (show_change_type) r.insert(r.end(), {std::to_string(number_of(m, "rev")), std::string(text_of(m, "type"))});
    std::string title(text_of(d, "title"));
    if (title.empty()) title = text_of(d, "message");
    r.insert(r.end(), {printable(text_of(m, "id")), std::string(text_of(m, "priority")), state_label(d),
                       printable(text_of(d, "rover")), printable(text_of(d, "source")),
                       wide ? printable(title) : cut(printable(title), 48), age(number_of(d, "lastSeen"))});
    if (wide) {
      std::string action;
      if (const json::value* a = d.if_contains("action"); a != nullptr && a->is_object())
        action = printable(text_of(a->as_object(), "label")) + " (" + printable(text_of(a->as_object(), "actionType")) + ")";
      r.insert(r.end(), {printable(text_of(d, "message")), std::to_string(number_of(d, "occurrences")),
                         clock_time(number_of(d, "firstSeen")), clock_time(number_of(d, "lastSeen")), action,
                         printable(text_of(d, "acknowledgedBy")), clock_time(number_of(d, "acknowledgedAt")),
                         printable(text_of(d, "ackComment"))});
    }
    rows.push_back(std::move(r));
    priorities.emplace_back(text_of(m, "priority"));
  }
  print_table(out_, header, rows,
              [&](std::size_t i, const std::string& line) { return paint(priorities[i], line); });
  if (rows.empty() && !show_change_type) out_ << "(no alerts)\n";
}

void Printer::change(const json::object& message) {
  if (options_.quiet) {
    out_ << printable(text_of(message, "id")) << '\n' << std::flush;
    return;
  }
  if (options_.output == Output::Json || options_.output == Output::Ndjson) {
    json_line(json::object{{"type", "alert"}, {"data", message}});
    out_ << std::flush;
    return;
  }
  const json::object& d = data_of(message);
  std::string title(text_of(d, "title"));
  if (title.empty()) title = text_of(d, "message");
  std::string line = clock_time(number_of(message, "timestamp")).substr(11, 8);
  char head[64];
  std::snprintf(head, sizeof head, "  %-8s  %-6s  ", std::string(text_of(message, "priority")).c_str(),
                std::string(text_of(message, "type")).c_str());
  line += head;
  line += printable(text_of(d, "rover")) + "  " + printable(text_of(d, "source")) + "  " + printable(title) + "  [" +
          state_label(d) + "]  " + printable(text_of(message, "id"));
  if (options_.output == Output::Wide) line += "  " + printable(text_of(d, "message"));
  out_ << paint(text_of(message, "priority"), line) << '\n' << std::flush;
}

void Printer::notice(std::string_view what, const json::object& message) {
  if (options_.quiet) return;
  if (options_.output == Output::Json || options_.output == Output::Ndjson) {
    json_line(message);
    out_ << std::flush;
    return;
  }
  out_ << printable(what) << '\n' << std::flush;
}

void Printer::stats(const json::object& r) {
  if (options_.output == Output::Json || options_.output == Output::Ndjson) return json_line(r);
  const auto count = [&](const json::object& o, std::string_view k) { return std::to_string(number_of(o, k)); };
  out_ << "alerts      " << count(r, "active_alerts") << "   rev " << count(r, "rev") << "   clients "
       << count(r, "subscribed_clients") << '\n';
  const auto line_of = [&](std::string_view label, std::string_view key) {
    const json::value* v = r.if_contains(key);
    if (v == nullptr || !v->is_object()) return;
    out_ << label;
    for (const auto& kv : v->as_object()) out_ << "  " << std::string(kv.key()) << ' ' << count(v->as_object(), kv.key());
    out_ << '\n';
  };
  line_of("priority   ", "alerts_by_priority");
  line_of("state      ", "alerts_by_state");
  line_of("lost       ", "lost_by_priority");
  if (const json::value* rovers = r.if_contains("rovers"); rovers != nullptr && rovers->is_object()) {
    for (const auto& [id, v] : rovers->as_object()) {
      if (!v.is_object()) continue;
      const json::object& o = v.as_object();
      const json::value* connected = o.if_contains("connected");
      out_ << "rover       " << printable(id) << "  "
           << (connected != nullptr && connected->is_bool() && connected->as_bool() ? "connected" : "disconnected")
           << "  applied " << count(o, "eventsApplied") << "  heartbeats " << count(o, "heartbeats") << '\n';
    }
  }
  if (const json::value* a = r.if_contains("alarms"); a != nullptr && a->is_object()) {
    const json::object& alarms = a->as_object();
    out_ << "alarm rate  " << count(alarms, "rate") << " per " << number_of(alarms, "windowMs") / 60000 << " min";
    if (const json::value* f = alarms.if_contains("flood"); f != nullptr && f->is_object()) {
      const json::value* active = f->as_object().if_contains("active");
      if (active != nullptr && active->is_bool() && active->as_bool()) out_ << "   FLOOD";
    }
    if (const json::value* s = alarms.if_contains("standing"); s != nullptr && s->is_object())
      out_ << "   standing " << count(s->as_object(), "count");
    out_ << "   shelved " << count(alarms, "shelved") << "   out of service " << count(alarms, "outOfService");
    out_ << '\n';
    if (const json::value* top = alarms.if_contains("topKeys"); top != nullptr && top->is_array()) {
      for (const json::value& k : top->as_array()) {
        if (!k.is_object()) continue;
        out_ << "top key     " << printable(text_of(k.as_object(), "rover")) << ' '
             << printable(text_of(k.as_object(), "key")) << "  " << count(k.as_object(), "count") << '\n';
      }
    }
  }
}

void Printer::audit(const std::vector<json::object>& entries) {
  if (options_.quiet) {
    for (const auto& e : entries) out_ << number_of(e, "seq") << '\n';
    return;
  }
  if (options_.output == Output::Json) {
    json::array all;
    for (const auto& e : entries) all.push_back(e);
    return json_line(all);
  }
  if (options_.output == Output::Ndjson) {
    for (const auto& e : entries) json_line(e);
    return;
  }
  const bool wide = options_.output == Output::Wide;
  Row header{"SEQ", "TIME", "USER", "ROLE", "ADDRESS", "ACTION", "ALERT", "OUTCOME", "DETAIL"};
  std::vector<Row> rows;
  std::vector<std::string> outcomes;
  for (const auto& e : entries) {
    const std::string detail = printable(text_of(e, "detail"));
    rows.push_back(Row{std::to_string(number_of(e, "seq")), clock_time(number_of(e, "at")),
                       printable(text_of(e, "user")), printable(text_of(e, "role")), printable(text_of(e, "address")),
                       printable(text_of(e, "action")), printable(text_of(e, "alertId")),
                       printable(text_of(e, "outcome")), wide ? detail : cut(detail, 48)});
    outcomes.emplace_back(text_of(e, "outcome"));
  }
  // Refusals stand out as a high alert would.
  print_table(out_, header, rows, [&](std::size_t i, const std::string& line) {
    return outcomes[i] == "ok" ? line : paint("high", line);
  });
  if (rows.empty()) out_ << "(no entries)\n";
}

void Printer::answer(const std::string& text, const json::value& result, const std::string& id) {
  if (options_.quiet) {
    if (!id.empty()) out_ << printable(id) << '\n';
    return;
  }
  if (options_.output == Output::Json || options_.output == Output::Ndjson) return json_line(result);
  out_ << printable(text) << '\n';
}

}  // namespace rover_alerts::alertctl
