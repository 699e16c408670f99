#pragma once
// Alert and AlertChange as a client holds them: the relay's
// AlertWebSocketMessage (protocol.md, section 3) kept whole as JSON, with
// typed accessors for the fields every client needs.

#include <rover_alerts/ground/client_config.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::ground {

enum class ChangeType { New, Update, Remove, Clear };
std::string_view change_type_name(ChangeType t);

// One change as the relay sent it (a delta is resolved before it reaches
// an AlertChange: `message` is then the whole alert after the change).
struct AlertChange {
  std::string id;
  ChangeType type = ChangeType::New;
  Priority priority = Priority::Info;
  std::uint64_t rev = 0;
  std::int64_t timestamp = 0;
  boost::json::object message;  // the AlertWebSocketMessage: id, type, priority, timestamp, rev, data

  // Parses one AlertWebSocketMessage; nullopt (and `error`) when a required member is
  // missing or of the wrong type. Delta members (`delta`, `baseRev`) are kept in `message`.
  static std::optional<AlertChange> parse(const boost::json::object& message, std::string& error);
  bool is_delta() const;
  std::uint64_t base_rev() const;  // for a delta
  bool gone() const { return type == ChangeType::Remove || type == ChangeType::Clear; }
};

// The current state of one alert, as the client's cache holds it.
class Alert {
 public:
  explicit Alert(AlertChange latest) : latest_(std::move(latest)) {}

  const std::string& id() const { return latest_.id; }
  Priority priority() const { return latest_.priority; }
  std::uint64_t rev() const { return latest_.rev; }
  std::int64_t timestamp() const { return latest_.timestamp; }
  const boost::json::object& data() const;  // the alert's fields (title, message, state, …)

  std::string_view text(std::string_view field) const;  // a string field; empty when absent
  std::int64_t number(std::string_view field) const;    // an integer field; 0 when absent
  bool flag(std::string_view field) const;              // a boolean field; false when absent

  std::string_view state() const { return text("state"); }
  std::string_view title() const { return text("title"); }
  std::string_view message() const { return text("message"); }
  std::string_view source() const { return text("source"); }
  std::string_view rover() const { return text("rover"); }
  std::string_view group_id() const { return text("groupId"); }
  std::string_view acknowledged_by() const { return text("acknowledgedBy"); }
  std::string_view ack_comment() const { return text("ackComment"); }
  bool acknowledged() const { return flag("acknowledged"); }
  // Shelved by an operator, or its rover or source out of service: kept and
  // counted, not announced (no sound, no banner).
  const boost::json::object* shelved() const { return object("shelved"); }
  const boost::json::object* out_of_service() const { return object("outOfService"); }
  bool suppressed() const { return shelved() != nullptr || out_of_service() != nullptr; }
  const boost::json::object* object(std::string_view field) const;  // an object field; null when absent

  // The whole AlertWebSocketMessage of its latest change.
  const boost::json::object& message_json() const { return latest_.message; }
  const AlertChange& latest() const { return latest_; }

 private:
  friend class AlertCache;
  AlertChange latest_;
};

}  // namespace rover_alerts::ground
