#pragma once
// Who may do what (the seed's permission table), enforced by the relay:
//   alert_subscribe, alert_sync, get_stats   every role
//   alert_ack                                 every authenticated user
//   alert_clear                               operator, admin
//   alert_create                              admin

#include "auth/identity.hpp"

#include <cstdint>
#include <string_view>

namespace rover_alerts::relay {

enum class Operation : std::uint8_t { Subscribe, Sync, Stats, Ack, Clear, Create };

constexpr bool role_may(Role role, Operation operation) {
  switch (operation) {
    case Operation::Create: return role == Role::Admin;
    case Operation::Clear: return role == Role::Admin || role == Role::Operator;
    case Operation::Subscribe:
    case Operation::Sync:
    case Operation::Stats:
    case Operation::Ack: return true;
  }
  return false;
}

constexpr std::string_view to_string(Operation operation) {
  switch (operation) {
    case Operation::Subscribe: return "alert_subscribe";
    case Operation::Sync: return "alert_sync";
    case Operation::Stats: return "get_stats";
    case Operation::Ack: return "alert_ack";
    case Operation::Clear: return "alert_clear";
    case Operation::Create: return "alert_create";
  }
  return "unknown";
}

}  // namespace rover_alerts::relay
