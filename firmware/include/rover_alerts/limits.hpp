#pragma once
// Compile-time bounds of every alert field on the firmware path. Fields longer
// than their bound are truncated at a UTF-8 boundary and counted (see
// BoundedString); they are never rejected silently and never overrun.
//
// Changing a bound changes the RAM of every queue slot (sizeof(AlertRecord));
// the worst-case encoded frame must still fit the encoder's arena, which
// frame_encoder.hpp checks with static_assert.

#include <cstddef>

namespace rover_alerts::limits {

inline constexpr std::size_t kKeyBytes = 64;
inline constexpr std::size_t kSourceBytes = 48;
inline constexpr std::size_t kTitleBytes = 96;
inline constexpr std::size_t kMessageBytes = 384;
inline constexpr std::size_t kGroupIdBytes = 48;
inline constexpr std::size_t kActionLabelBytes = 48;
inline constexpr std::size_t kActionTypeBytes = 64;
inline constexpr std::size_t kActionParams = 4;
inline constexpr std::size_t kMetadataPairs = 8;
inline constexpr std::size_t kKvKeyBytes = 32;
inline constexpr std::size_t kKvValueBytes = 96;
inline constexpr std::size_t kRoverIdBytes = 32;

static_assert(kKeyBytes >= 8 && kMessageBytes >= 64, "bounds too small to be useful");

}  // namespace rover_alerts::limits
