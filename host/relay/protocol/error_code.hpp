#pragma once
// Stable error codes of the JSON protocol.

#include <cstdint>
#include <string_view>

namespace rover_alerts::relay {

enum class ErrorCode : std::uint8_t {
  BadRequest,       // malformed, wrong types, unknown request type
  Unauthenticated,  // no or bad token
  Forbidden,        // the role may not do this
  NotFound,
  RateLimited,
  TooLarge,  // over a size limit (bytes or nesting depth)
  Internal,
};

inline std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest: return "BAD_REQUEST";
    case ErrorCode::Unauthenticated: return "UNAUTHENTICATED";
    case ErrorCode::Forbidden: return "FORBIDDEN";
    case ErrorCode::NotFound: return "NOT_FOUND";
    case ErrorCode::RateLimited: return "RATE_LIMITED";
    case ErrorCode::TooLarge: return "TOO_LARGE";
    case ErrorCode::Internal: return "INTERNAL";
  }
  return "INTERNAL";
}

}  // namespace rover_alerts::relay
