#pragma once
// Escalation of unacknowledged alerts: per priority, after `after` seconds
// unacknowledged an alert is announced again to every client
// (`alert_escalation`) and, with a webhook, notified outward by an HTTP
// POST; this repeats every `repeat_every` up to `max_escalations` times. An
// acknowledged alert whose condition still holds `ack_timeout` after the
// acknowledgement becomes unacknowledged again and the cycle starts afresh.
//
// The policies live in the relay's config file (`--config FILE`, JSON),
// validated at start: the relay does not start on a file it cannot follow.
//
//   {"escalation": {
//      "webhooks": [{"name": "ops", "url": "http://10.0.0.5:9000/hook", "timeoutMs": 5000,
//                    "maxAttempts": 5, "backoffMs": 1000, "backoffMaxMs": 60000,
//                    "headers": {"Authorization": "Bearer …"}},
//                   {"name": "pager", "url": "https://pager.example/v2/enqueue",
//                    "caFile": "/etc/alert-relay/pager-ca.pem"}],
//      "maxPendingNotifications": 1000,
//      "policies": {
//        "critical": {"afterSeconds": 60, "repeatSeconds": 300, "maxEscalations": 3,
//                     "webhook": "ops", "ackTimeoutSeconds": 1800},
//        "high": {"afterSeconds": 600}}}}

#include "store/alert.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

// http://host[:port]/path or https://host[:port]/path. Over https the
// receiver's certificate must chain to a trusted CA and name the host.
struct WebhookUrl {
  bool tls = false;  // https
  std::string host;
  std::uint16_t port = 80;   // 443 for https unless given
  std::string target = "/";  // path and query
};

// False (and `error`) for anything but an http or https URL with a host.
bool parse_webhook_url(std::string_view url, WebhookUrl& out, std::string& error);

struct WebhookTarget {
  std::string name;
  std::string url;
  WebhookUrl endpoint;
  std::chrono::milliseconds timeout{5000};      // one attempt, connect to answer
  unsigned max_attempts = 5;
  std::chrono::milliseconds backoff_base{1000};  // before the 2nd attempt; doubles, with jitter
  std::chrono::milliseconds backoff_max{60'000};
  std::map<std::string, std::string> headers;
  // https only: PEM file of the CAs that may sign the receiver's certificate
  // (`caFile`); empty: the system's trust store.
  std::string ca_file;
};

struct PriorityPolicy {
  bool enabled = false;
  std::chrono::seconds after{0};         // unacknowledged this long: the first escalation
  std::chrono::seconds repeat_every{0};  // then again this often (0: = after)
  unsigned max_escalations = 1;
  std::string webhook;                   // the target's name; empty: clients only
  std::chrono::seconds ack_timeout{0};   // 0: an acknowledgement never times out
};

struct EscalationConfig {
  std::array<PriorityPolicy, kPriorityCount> by_priority{};
  std::vector<WebhookTarget> webhooks;
  std::size_t max_pending_notifications = 1000;  // queued and retrying; past it the oldest goes

  bool any() const {
    for (const auto& p : by_priority)
      if (p.enabled) return true;
    return false;
  }
  const WebhookTarget* webhook(std::string_view name) const;
};

// Reads the `escalation` section of the relay's config file. A file without
// one is valid (nothing escalates). False, with a one-line `error` naming
// the field, for anything malformed, unknown or out of bounds.
bool parse_escalation_config(std::string_view json_text, EscalationConfig& out, std::string& error);

}  // namespace rover_alerts::relay
