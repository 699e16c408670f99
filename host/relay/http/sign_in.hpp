#pragma once
// How a client signs in, whichever way its token comes: a bearer token on the
// WebSocket upgrade (HttpSession) or an `auth {token}` message after it
// (WebsocketSession). One rule for both:
//   1. an address that failed too often is refused without its token being
//      looked at, until its backoff ends (AuthBackoff);
//   2. an unknown token counts against the address, is counted
//      (ws_auth_failures_total) and goes to the audit trail as refused;
//   3. a known token clears the address's failures.
// Whether a known client finds room (--max-clients) is the session's call:
// /metrics takes a token too, and admits no client.
// No I/O and no timers: each session turns the outcome into its own answer
// (an HTTP status, or an error message and a close). Time is passed in. Not
// thread-safe: the relay's io thread only.

#include "auth/identity.hpp"
#include "auth/token_file.hpp"
#include "counters.hpp"
#include "http/auth_backoff.hpp"
#include "store/audit_log.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

class SignIn {
 public:
  using Clock = AuthBackoff::Clock;

  enum class Outcome { Known, Blocked, UnknownToken };
  // The way the token came, as the audit trail says it.
  enum class Via { AuthMessage, BearerHeader };
  struct Result {
    Outcome outcome = Outcome::UnknownToken;
    std::optional<Identity> identity;     // Known: who it is
    std::chrono::seconds retry_after{0};  // Blocked: how long the address still waits
  };

  SignIn(const TokenFile& tokens, const AuthBackoffLimits& backoff, Counters& counters)
      : tokens_(tokens), backoff_(backoff), counters_(counters) {}

  // Refused tokens and sign-ins go to this audit trail. Unset: nowhere.
  void set_audit_log(AuditLog* audit) { audit_ = audit; }

  // `token` from `address`. Counts what it refuses (ws_auth_blocked_total,
  // ws_auth_failures_total).
  Result check(std::string_view token, const std::string& address, Via via, Clock::time_point now);

  // A client signed in (a Known token, and room for it), to the audit trail:
  // `detail` says which client.
  void record_signed_in(std::string_view address, const Identity& who, std::string detail);

  const AuthBackoff& backoff() const { return backoff_; }

 private:
  void audit(std::string_view address, const Identity* who, std::string detail);

  const TokenFile& tokens_;
  AuthBackoff backoff_;
  Counters& counters_;
  AuditLog* audit_ = nullptr;
};

}  // namespace rover_alerts::relay
