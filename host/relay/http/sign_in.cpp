#include "http/sign_in.hpp"

#include "unix_time.hpp"

namespace rover_alerts::relay {

SignIn::Result SignIn::check(std::string_view token, const std::string& address, Via via, Clock::time_point now) {
  if (const auto wait = backoff_.blocked_for(address, now); wait.count() > 0) {
    counters_.increment("ws_auth_blocked_total");
    return Result{Outcome::Blocked, std::nullopt, std::chrono::ceil<std::chrono::seconds>(wait)};
  }
  std::optional<Identity> identity = tokens_.lookup(token);
  if (!identity) {
    counters_.increment("ws_auth_failures_total");
    backoff_.on_failure(address, now);
    audit(address, nullptr, via == Via::BearerHeader ? "unknown bearer token" : "unknown token");
    return Result{Outcome::UnknownToken, std::nullopt, {}};
  }
  backoff_.on_success(address);
  return Result{Outcome::Known, std::move(identity), {}};
}

void SignIn::record_signed_in(std::string_view address, const Identity& who, std::string detail) {
  audit(address, &who, std::move(detail));
}

void SignIn::audit(std::string_view address, const Identity* who, std::string detail) {
  if (audit_ == nullptr) return;
  audit_->append(AuditEntry{0, unix_ms_now(), who != nullptr ? who->user : std::string(),
                            who != nullptr ? std::string(to_string(who->role)) : std::string(), std::string(address),
                            "auth", {}, who != nullptr ? "ok" : "refused", std::move(detail)});
}

}  // namespace rover_alerts::relay
