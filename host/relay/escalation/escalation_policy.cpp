#include "escalation/escalation_policy.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace rover_alerts::relay {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxWebhooks = 16;
constexpr std::size_t kMaxHeaders = 16;

// Reads one object's members, each once, and refuses any it was not asked for.
class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path, std::string& error)
      : object_(object), path_(std::move(path)), error_(error) {}

  bool ok() const { return error_.empty(); }
  std::string at(std::string_view name) const { return path_ + "." + std::string(name); }

  const json::value* get(std::string_view name) {
    known_.insert(std::string(name));
    return object_.if_contains(name);
  }
  void integer(std::string_view name, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
    const json::value* v = get(name);
    if (v == nullptr || !ok()) return;
    const bool whole = v->is_uint64() || (v->is_int64() && v->get_int64() >= 0);
    const std::uint64_t n = v->is_uint64() ? v->get_uint64() : whole ? static_cast<std::uint64_t>(v->get_int64()) : 0;
    if (!whole || n < min || n > max)
      fail(at(name) + ": must be an integer " + std::to_string(min) + ".." + std::to_string(max));
    else
      out = n;
  }
  void string(std::string_view name, std::string& out, bool required = false) {
    const json::value* v = get(name);
    if (!ok()) return;
    if (v == nullptr) {
      if (required) fail(at(name) + ": required");
      return;
    }
    if (!v->is_string() || v->as_string().empty()) return fail(at(name) + ": must be a non-empty string");
    out.assign(v->as_string().data(), v->as_string().size());
  }
  const json::object* object(std::string_view name) {
    const json::value* v = get(name);
    if (v == nullptr || !ok()) return nullptr;
    if (!v->is_object()) fail(at(name) + ": must be an object");
    return v->if_object();
  }
  // Call last: every member must have been asked for.
  void no_others() {
    for (const auto& member : object_)
      if (ok() && !known_.contains(std::string(member.key())))
        fail(at(member.key()) + ": unknown (a typo? the relay reads only the documented fields)");
  }
  void fail(std::string message) {
    if (ok()) error_ = std::move(message);
  }

 private:
  const json::object& object_;
  std::string path_;
  std::string& error_;
  std::set<std::string> known_;
};

std::chrono::milliseconds ms(std::uint64_t n) { return std::chrono::milliseconds(static_cast<std::int64_t>(n)); }
std::chrono::seconds s(std::uint64_t n) { return std::chrono::seconds(static_cast<std::int64_t>(n)); }

void read_webhook(const json::value& value, const std::string& path, WebhookTarget& w, std::string& error) {
  if (!value.is_object()) {
    error = path + ": must be an object";
    return;
  }
  ObjectReader r(value.as_object(), path, error);
  r.string("name", w.name, true);
  r.string("url", w.url, true);
  r.string("caFile", w.ca_file, false);
  std::uint64_t timeout = 5000, attempts = 5, backoff = 1000, backoff_max = 60'000;
  r.integer("timeoutMs", 100, 60'000, timeout);
  r.integer("maxAttempts", 1, 20, attempts);
  r.integer("backoffMs", 10, 600'000, backoff);
  r.integer("backoffMaxMs", 10, 3'600'000, backoff_max);
  if (const json::object* headers = r.object("headers")) {
    if (headers->size() > kMaxHeaders) r.fail(r.at("headers") + ": at most " + std::to_string(kMaxHeaders));
    for (const auto& [name, v] : *headers) {
      const std::string field = r.at("headers") + "." + std::string(name);
      // What Beast accepts when the request is built: a bad one must stop the
      // relay here, at start, not throw at the first escalation.
      const auto control = [](std::string_view text, bool tab_ok) {
        return std::any_of(text.begin(), text.end(), [&](char c) {
          const auto u = static_cast<unsigned char>(c);
          return (u < 0x20 && !(tab_ok && c == '\t')) || u == 0x7f;
        });
      };
      const bool token = !name.empty() && name.size() <= 256 && !control(name, false) &&
                         name.find_first_of(" :()<>@,;\\\"/[]?={}") == json::string::npos;
      if (!token) r.fail(field + ": not a header name");
      else if (!v.is_string() || v.as_string().size() > 4096 || control(v.as_string(), true))
        r.fail(field + ": must be a string of at most 4096 bytes without line breaks or control characters");
      if (r.ok()) w.headers.emplace(std::string(name), std::string(v.as_string()));
    }
  }
  r.no_others();
  if (!r.ok()) return;
  std::string why;
  if (!parse_webhook_url(w.url, w.endpoint, why)) return r.fail(r.at("url") + ": " + why);
  if (!w.ca_file.empty() && !w.endpoint.tls) return r.fail(r.at("caFile") + ": only for an https url");
  if (backoff_max < backoff) return r.fail(r.at("backoffMaxMs") + ": must be at least backoffMs");
  w.timeout = ms(timeout);
  w.max_attempts = static_cast<unsigned>(attempts);
  w.backoff_base = ms(backoff);
  w.backoff_max = ms(backoff_max);
}

void read_policy(const json::value& value, const std::string& path, const EscalationConfig& config,
                 PriorityPolicy& p, std::string& error) {
  if (!value.is_object()) {
    error = path + ": must be an object";
    return;
  }
  ObjectReader r(value.as_object(), path, error);
  std::uint64_t after = 0, repeat = 0, max = 1, ack_timeout = 0;
  if (r.get("afterSeconds") == nullptr) r.fail(r.at("afterSeconds") + ": required");
  r.integer("afterSeconds", 1, 86'400, after);
  r.integer("repeatSeconds", 1, 86'400, repeat);
  r.integer("maxEscalations", 1, 100, max);
  r.integer("ackTimeoutSeconds", 1, 7 * 86'400, ack_timeout);
  r.string("webhook", p.webhook);
  r.no_others();
  if (!r.ok()) return;
  if (!p.webhook.empty() && config.webhook(p.webhook) == nullptr)
    return r.fail(r.at("webhook") + ": no webhook named `" + p.webhook + "`");
  p.enabled = true;
  p.after = s(after);
  p.repeat_every = s(repeat == 0 ? after : repeat);
  p.max_escalations = static_cast<unsigned>(max);
  p.ack_timeout = s(ack_timeout);
}

}  // namespace

bool parse_webhook_url(std::string_view url, WebhookUrl& out, std::string& error) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  out.tls = url.substr(0, kHttps.size()) == kHttps;
  if (!out.tls && url.substr(0, kHttp.size()) != kHttp) {
    error = "must start with http:// or https://";
    return false;
  }
  std::string_view rest = url.substr(out.tls ? kHttps.size() : kHttp.size());
  // A fragment is the receiver's browser's business: never sent in HTTP.
  rest = rest.substr(0, rest.find('#'));
  const std::size_t path = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path);
  out.target = path == std::string_view::npos ? "/"
               : rest[path] == '?'            ? "/" + std::string(rest.substr(path))
                                              : std::string(rest.substr(path));
  if (authority.find('@') != std::string_view::npos) {
    error = "credentials in the URL are not accepted: use a header";
    return false;
  }
  out.port = out.tls ? 443 : 80;
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || end != port.data() + port.size() || n == 0 || n > 65535) {
      error = "bad port";
      return false;
    }
    out.port = static_cast<std::uint16_t>(n);
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty() || authority.find_first_of(" \t\r\n/?#") != std::string_view::npos ||
      out.target.find_first_of(" \t\r\n") != std::string::npos) {
    error = "needs a host";
    return false;
  }
  out.host = std::string(authority);
  return true;
}

const WebhookTarget* EscalationConfig::webhook(std::string_view name) const {
  for (const auto& w : webhooks)
    if (w.name == name) return &w;
  return nullptr;
}

bool parse_escalation_config(std::string_view json_text, EscalationConfig& out, std::string& error) {
  error.clear();
  boost::system::error_code ec;
  const json::value root = json::parse(json_text, ec);
  if (ec) {
    error = "not JSON: " + ec.message();
    return false;
  }
  if (!root.is_object()) {
    error = "the config file must hold a JSON object";
    return false;
  }
  EscalationConfig config;
  ObjectReader top(root.as_object(), "", error);
  const json::object* escalation = top.object("escalation");
  top.no_others();
  if (!error.empty()) {
    error = error.substr(1);  // no leading dot at the top level
    return false;
  }
  if (escalation != nullptr) {
    ObjectReader r(*escalation, "escalation", error);
    std::uint64_t pending = config.max_pending_notifications;
    r.integer("maxPendingNotifications", 1, 100'000, pending);
    config.max_pending_notifications = pending;
    if (const json::value* hooks = r.get("webhooks"); hooks != nullptr && r.ok()) {
      if (!hooks->is_array() || hooks->as_array().size() > kMaxWebhooks) {
        r.fail("escalation.webhooks: must be an array of at most " + std::to_string(kMaxWebhooks));
      } else {
        for (std::size_t i = 0; i < hooks->as_array().size() && r.ok(); ++i) {
          WebhookTarget w;
          read_webhook(hooks->as_array()[i], "escalation.webhooks[" + std::to_string(i) + "]", w, error);
          if (r.ok() && config.webhook(w.name) != nullptr)
            r.fail("escalation.webhooks[" + std::to_string(i) + "].name: `" + w.name + "` is used twice");
          config.webhooks.push_back(std::move(w));
        }
      }
    }
    if (const json::object* policies = r.object("policies")) {
      for (const auto& [name, value] : *policies) {
        if (!r.ok()) break;
        const auto priority = priority_from_string(name);
        if (!priority) {
          r.fail("escalation.policies." + std::string(name) + ": not a priority (critical, high, medium, low, info)");
          break;
        }
        read_policy(value, "escalation.policies." + std::string(name), config,
                    config.by_priority[static_cast<std::size_t>(*priority)], error);
      }
    }
    r.no_others();
  }
  if (!error.empty()) return false;
  out = std::move(config);
  return true;
}

}  // namespace rover_alerts::relay
