#pragma once
// Who an authenticated client is.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

enum class Role : std::uint8_t { Admin, Operator, Viewer };

inline std::string_view to_string(Role role) {
  switch (role) {
    case Role::Admin: return "admin";
    case Role::Operator: return "operator";
    case Role::Viewer: return "viewer";
  }
  return "unknown";
}

inline std::optional<Role> role_from_string(std::string_view name) {
  if (name == "admin") return Role::Admin;
  if (name == "operator") return Role::Operator;
  if (name == "viewer") return Role::Viewer;
  return std::nullopt;
}

struct Identity {
  std::string user;
  Role role = Role::Viewer;
};

}  // namespace rover_alerts::relay
