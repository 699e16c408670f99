#include "escalation/escalation_message.hpp"

#include "protocol/alert_json.hpp"
#include "protocol/json_writer.hpp"

namespace rover_alerts::relay {

std::string escalation_notice(const Alert& alert, const EscalationDue& due, std::uint64_t now_ms) {
  std::string text;
  JsonWriter out(text);
  out.begin_object();
  out.member("type", "alert_escalation");
  out.member("alertId", alert.id);
  out.member("priority", to_string(alert.priority));
  out.member("level", due.level);
  out.member("maxLevel", due.max_level);
  out.member("at", now_ms);
  if (!alert.title.empty()) out.member("title", alert.title);
  out.member("message", alert.message);
  if (!alert.rover.empty()) out.member("rover", alert.rover);
  out.member("source", alert.source);
  out.member("since", alert.first_seen_ms);
  out.end_object();
  return text;
}

std::string escalation_webhook_body(const Alert& alert, const EscalationDue& due, std::uint64_t now_ms,
                                    std::string_view epoch) {
  std::string text;
  JsonWriter out(text);
  out.begin_object();
  out.member("type", "alert_escalation");
  out.member("level", due.level);
  out.member("maxLevel", due.max_level);
  out.member("at", now_ms);
  out.member("epoch", epoch);
  out.key("alert").raw(encode_change_json(ChangeType::Update, alert));
  out.end_object();
  return text;
}

}  // namespace rover_alerts::relay
