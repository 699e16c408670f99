#pragma once
// How alertctl prints: tables (table, wide) for people, JSON (json, ndjson)
// for programs, ids only (-q) for pipes. Every field that came from a rover
// or a user is printed with its control characters escaped, so an alert
// cannot drive the operator's terminal.

#include "options.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::alertctl {

// A message's fields, whatever the relay sent: a string member or empty, an
// integer member or 0, the `data` object or an empty one.
std::string_view text_of(const boost::json::object& o, std::string_view key);
std::int64_t number_of(const boost::json::object& o, std::string_view key);
const boost::json::object& data_of(const boost::json::object& message);
// Unix ms, now.
std::int64_t now_ms();
// `text` with C0/C1 control characters and DEL as \n, \t, \xNN or \u00NN.
std::string printable(std::string_view text);
// An alert's state, marked /shelved or /out-of-service when it is suppressed.
std::string state_label(const boost::json::object& data);
// Unix ms as 2026-12-04T10:00:00Z (empty for 0).
std::string clock_time(std::int64_t ms);

class Printer {
 public:
  Printer(const Options& options, std::ostream& out, bool color);

  // AlertWebSocketMessages (protocol.md section 3): current alerts (list) or
  // changes with their type (sync).
  void alerts(const std::vector<boost::json::object>& messages, bool show_change_type);
  // One live change (watch): a line, a JSON line, or its id.
  void change(const boost::json::object& message);
  // A live notice other than a change (an acknowledgement, an alarm flood, an
  // escalation, a shelf about to end): a line, or JSON.
  void notice(std::string_view what, const boost::json::object& message);
  // get_stats' result.
  void stats(const boost::json::object& result);
  // Audit trail entries (audit_query), oldest first.
  void audit(const std::vector<boost::json::object>& entries);
  // An answer: `text` for a table, `result` as JSON, `id` with -q.
  void answer(const std::string& text, const boost::json::value& result, const std::string& id);

 private:
  std::string paint(std::string_view priority, std::string_view text) const;
  void json_line(const boost::json::value& v);

  const Options& options_;
  std::ostream& out_;
  bool color_;
};

}  // namespace rover_alerts::alertctl
