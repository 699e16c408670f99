#pragma once
// Framing of the rover <-> relay link, shared by both ends.
//
// A frame on the wire is a 4-byte little-endian length followed by that many
// bytes of FlatBuffer whose root is rover_alerts::link::Frame (schemas/link.fbs),
// as FlatBufferBuilder::FinishSizePrefixed writes it. The reader checks the
// length against its cap before buffering the body, then runs
// flatbuffers::Verifier with tight limits, and only then touches a field.
//
// Header-only and allocation-free: used on the firmware path too.

#include <rover_alerts/link_generated.h>

#include <cstddef>
#include <cstdint>

namespace rover_alerts::link {

inline constexpr std::size_t kPrefixBytes = sizeof(flatbuffers::uoffset_t);
static_assert(kPrefixBytes == 4, "frames are prefixed by a 32-bit length");

// Largest frame either side will accept unless configured lower. An alert event
// with every field at its firmware bound is well under this (see limits.hpp).
inline constexpr std::size_t kMaxFrameBytes = 64 * 1024;

// Verifier limits: depth and table count bound the work one frame can cause.
inline constexpr flatbuffers::uoffset_t kVerifierMaxDepth = 16;
inline constexpr flatbuffers::uoffset_t kVerifierMaxTables = 512;

enum class FrameStatus : std::uint8_t {
  Ok,
  Empty,          // length prefix of zero
  TooLarge,       // length prefix over the cap
  Truncated,      // fewer bytes than the prefix announced
  BadIdentifier,  // not an "RVAL" buffer
  Invalid,        // flatbuffers::Verifier rejected the buffer
  Unauthentic,    // a sealed segment's header or tag is wrong (link_auth.hpp)
};

inline const char* to_string(FrameStatus s) {
  switch (s) {
    case FrameStatus::Ok: return "ok";
    case FrameStatus::Empty: return "empty frame";
    case FrameStatus::TooLarge: return "frame over size cap";
    case FrameStatus::Truncated: return "truncated frame";
    case FrameStatus::BadIdentifier: return "bad file identifier";
    case FrameStatus::Invalid: return "frame failed verification";
    case FrameStatus::Unauthentic: return "sealed segment failed authentication";
  }
  return "unknown";
}

// Reads the length prefix at `p` (at least kPrefixBytes readable).
inline std::uint32_t read_length_prefix(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// Checks a length prefix before any body byte is read or buffered.
inline FrameStatus check_length(std::uint32_t length, std::size_t max_frame_bytes = kMaxFrameBytes) {
  if (length == 0) return FrameStatus::Empty;
  if (length > max_frame_bytes) return FrameStatus::TooLarge;
  return FrameStatus::Ok;
}

struct DecodedFrame {
  FrameStatus status = FrameStatus::Invalid;
  const Frame* frame = nullptr;  // valid only when status == Ok, points into the input
};

// Verifies one whole frame, length prefix included, as it sits in a buffer.
// The prefix stays in front of the body on purpose: the builder aligned every
// field relative to the prefixed buffer, so verifying (and reading) the body on
// its own would see 8-byte fields misaligned. `data` should be 8-byte aligned.
// Never reads outside [data, data + size).
inline DecodedFrame verify_prefixed_frame(const std::uint8_t* data, std::size_t size,
                                          std::size_t max_frame_bytes = kMaxFrameBytes) {
  if (size < kPrefixBytes) return {FrameStatus::Truncated, nullptr};
  const std::uint32_t length = read_length_prefix(data);
  if (const auto s = check_length(length, max_frame_bytes); s != FrameStatus::Ok) return {s, nullptr};
  if (size - kPrefixBytes < length) return {FrameStatus::Truncated, nullptr};
  if (length < sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength)
    return {FrameStatus::Truncated, nullptr};
  if (!flatbuffers::BufferHasIdentifier(data, FrameIdentifier(), true)) return {FrameStatus::BadIdentifier, nullptr};
  flatbuffers::Verifier verifier(data, kPrefixBytes + length, kVerifierMaxDepth, kVerifierMaxTables);
  if (!VerifySizePrefixedFrameBuffer(verifier)) return {FrameStatus::Invalid, nullptr};
  const Frame* frame = GetSizePrefixedFrame(data);
  // The Verifier (2.0.8) checks where a vector starts but not that its 8-byte
  // elements are aligned: a crafted frame could make a reader do a misaligned
  // 64-bit load (undefined behaviour; a fault on some ARM cores). Check the
  // one vector of 8-byte scalars in the schema, relative to the buffer start
  // as the Verifier does.
  if (const auto* heartbeat = frame->payload_as_Heartbeat()) {
    const auto* lost = heartbeat->lost_by_priority();
    if (lost != nullptr &&
        static_cast<std::size_t>(reinterpret_cast<const std::uint8_t*>(lost->Data()) - data) % alignof(std::uint64_t) != 0)
      return {FrameStatus::Invalid, nullptr};
  }
  return {FrameStatus::Ok, frame};
}

// Calls on_frame for each frame of a run of whole size-prefixed frames (an
// lz4 batch's contents, a sealed segment's payload), each verified first and
// 8-byte aligned relative to `raw`; stops early when on_frame returns false.
// Not Ok: a frame is malformed or the run does not end on a frame boundary.
template <class OnFrame>
FrameStatus for_each_prefixed_frame(const std::uint8_t* raw, std::size_t size, std::size_t max_frame_bytes,
                                    OnFrame&& on_frame) {
  if (size == 0) return FrameStatus::Empty;
  for (std::size_t at = 0; at < size;) {
    if (at % alignof(std::uint64_t) != 0) return FrameStatus::Invalid;
    const auto decoded = verify_prefixed_frame(raw + at, size - at, max_frame_bytes);
    if (decoded.status != FrameStatus::Ok) return decoded.status;
    at += kPrefixBytes + read_length_prefix(raw + at);
    if (!on_frame(*decoded.frame)) break;
  }
  return FrameStatus::Ok;
}

}  // namespace rover_alerts::link
