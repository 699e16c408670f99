#include <rover_alerts/ground/alert.hpp>

#include <boost/json/value.hpp>

namespace rover_alerts::ground {

namespace json = boost::json;

namespace {

constexpr std::string_view kPriorityNames[] = {"critical", "high", "medium", "low", "info"};
constexpr std::string_view kChangeTypeNames[] = {"new", "update", "remove", "clear"};

const json::object& empty_object() {
  static const json::object empty;
  return empty;
}

}  // namespace

std::string_view priority_name(Priority p) { return kPriorityNames[static_cast<int>(p)]; }

std::optional<Priority> parse_priority(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kPriorityNames); ++i)
    if (kPriorityNames[i] == name) return static_cast<Priority>(i);
  return std::nullopt;
}

std::string_view change_type_name(ChangeType t) { return kChangeTypeNames[static_cast<int>(t)]; }

std::optional<AlertChange> AlertChange::parse(const json::object& message, std::string& error) {
  AlertChange out;
  const json::value* id = message.if_contains("id");
  const json::value* type = message.if_contains("type");
  const json::value* priority = message.if_contains("priority");
  const json::value* rev = message.if_contains("rev");
  const json::value* data = message.if_contains("data");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    error = "a change without an `id`";
    return std::nullopt;
  }
  out.id = std::string(id->as_string());
  bool type_known = false;
  if (type != nullptr && type->is_string()) {
    for (std::size_t i = 0; i < std::size(kChangeTypeNames); ++i) {
      if (kChangeTypeNames[i] == type->as_string()) {
        out.type = static_cast<ChangeType>(i);
        type_known = true;
      }
    }
  }
  if (!type_known) {
    error = "change `" + out.id + "` has no known `type`";
    return std::nullopt;
  }
  const std::optional<Priority> p =
      priority != nullptr && priority->is_string() ? parse_priority(priority->as_string()) : std::nullopt;
  if (!p) {
    error = "change `" + out.id + "` has no known `priority`";
    return std::nullopt;
  }
  out.priority = *p;
  if (rev == nullptr || !rev->is_number()) {
    error = "change `" + out.id + "` has no `rev`";
    return std::nullopt;
  }
  boost::system::error_code ec;
  out.rev = rev->to_number<std::uint64_t>(ec);
  if (ec) {
    error = "change `" + out.id + "` has a `rev` that is not a whole number";
    return std::nullopt;
  }
  if (data == nullptr || !data->is_object()) {
    error = "change `" + out.id + "` has no `data` object";
    return std::nullopt;
  }
  if (const json::value* ts = message.if_contains("timestamp"); ts != nullptr && ts->is_number())
    out.timestamp = ts->to_number<std::int64_t>(ec);
  out.message = message;
  return out;
}

bool AlertChange::is_delta() const {
  const json::value* d = message.if_contains("delta");
  return d != nullptr && d->is_bool() && d->get_bool();
}

std::uint64_t AlertChange::base_rev() const {
  const json::value* b = message.if_contains("baseRev");
  boost::system::error_code ec;
  const std::uint64_t base = b != nullptr && b->is_number() ? b->to_number<std::uint64_t>(ec) : 0;
  return ec ? 0 : base;
}

const json::object& Alert::data() const {
  const json::value* d = latest_.message.if_contains("data");
  return d != nullptr && d->is_object() ? d->as_object() : empty_object();
}

std::string_view Alert::text(std::string_view field) const {
  const json::value* v = data().if_contains(field);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::int64_t Alert::number(std::string_view field) const {
  const json::value* v = data().if_contains(field);
  boost::system::error_code ec;
  const std::int64_t n = v != nullptr && v->is_number() ? v->to_number<std::int64_t>(ec) : 0;
  return ec ? 0 : n;
}

const json::object* Alert::object(std::string_view field) const {
  const json::value* v = data().if_contains(field);
  return v != nullptr ? v->if_object() : nullptr;
}

bool Alert::flag(std::string_view field) const {
  const json::value* v = data().if_contains(field);
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace rover_alerts::ground
