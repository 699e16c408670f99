#pragma once
// Who may do what (the seed's permission table), enforced by the relay:
//   alert_subscribe, alert_sync, get_stats   every role
//   alert_ack                                 every authenticated user (configurable:
//                                             ISA-18.2 sites allow operator and admin only)
//   alert_clear                               operator, admin
//   alert_create                              admin
//   audit_query                               operator, admin
//   alert_shelve, alert_unshelve              operator, admin
//   out_of_service, return_to_service         admin
//   suppression_list                          every role

#include "auth/identity.hpp"

#include <cstdint>
#include <string_view>

namespace rover_alerts::relay {

enum class Operation : std::uint8_t {
  Subscribe, Sync, Stats, Ack, Clear, Create, AuditQuery,
  Shelve, Unshelve, OutOfService, ReturnToService, SuppressionList,
};
inline constexpr Operation kOperations[] = {
    Operation::Subscribe,    Operation::Sync,    Operation::Stats,           Operation::Ack,
    Operation::Clear,        Operation::Create,  Operation::AuditQuery,      Operation::Shelve,
    Operation::Unshelve,     Operation::OutOfService, Operation::ReturnToService, Operation::SuppressionList};

// A set of roles, a bit each.
class RoleSet {
 public:
  static constexpr RoleSet all() { return RoleSet(kAll); }
  constexpr RoleSet() = default;
  constexpr bool has(Role role) const { return (bits_ & bit(role)) != 0; }
  constexpr void add(Role role) { bits_ = static_cast<std::uint8_t>(bits_ | bit(role)); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const RoleSet&) const = default;

 private:
  static constexpr std::uint8_t kAll = 0b111;
  static constexpr std::uint8_t bit(Role role) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(role)); }
  constexpr explicit RoleSet(std::uint8_t bits) : bits_(bits) {}
  std::uint8_t bits_ = 0;
};

// What a site configures of the table above.
struct Permissions {
  RoleSet ack = RoleSet::all();  // --ack-roles
};

constexpr bool role_may(Role role, Operation operation, const Permissions& permissions = {}) {
  switch (operation) {
    case Operation::Create:
    case Operation::OutOfService:
    case Operation::ReturnToService: return role == Role::Admin;
    case Operation::Clear:
    case Operation::AuditQuery:
    case Operation::Shelve:
    case Operation::Unshelve: return role == Role::Admin || role == Role::Operator;
    case Operation::Ack: return permissions.ack.has(role);
    case Operation::Subscribe:
    case Operation::Sync:
    case Operation::Stats:
    case Operation::SuppressionList: return true;
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
    case Operation::AuditQuery: return "audit_query";
    case Operation::Shelve: return "alert_shelve";
    case Operation::Unshelve: return "alert_unshelve";
    case Operation::OutOfService: return "out_of_service";
    case Operation::ReturnToService: return "return_to_service";
    case Operation::SuppressionList: return "suppression_list";
  }
  return "unknown";
}

}  // namespace rover_alerts::relay
