#pragma once
// Authentication of the rover <-> relay link, shared by both ends.
//
// Handshake (schemas/link.fbs): the rover's Hello carries a fresh 32-byte
// nonce, the relay's Challenge another; the rover answers Proof =
// HMAC-SHA-256(key, kRoverProofLabel || Hello || Challenge), both frames as
// they went on the wire (length prefix included). Both sides derive the
// session key HMAC-SHA-256(key, kSessionKeyLabel || Hello || Challenge). The
// relay's first sealed segment (its HelloReply) proves it holds the key too.
//
// After the handshake every byte goes in sealed segments:
//
//   [u32 LE payload length][u32 zero][payload: whole frames][16-byte tag]
//
// The tag is ChaCha20-Poly1305's over header and payload as associated data
// (nothing is encrypted: alerts are not secret, they must be authentic),
// under the session key, with the nonce (direction, segment counter): a
// segment cannot be forged, replayed, reordered, dropped or moved to the
// other direction or to another connection without its tag failing. The
// 8-byte header keeps the payload 8-byte aligned for the frames inside.
//
// Costs and the choice against TLS: firmware/DESIGN.md "Rover authentication".
// Sealing and opening allocate nothing (the cipher context is made once in
// init()); the handshake's two HMACs allocate in libcrypto, once per connection.

#include <rover_alerts/link_framing.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_mac_st EVP_MAC;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace rover_alerts::link {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kNonceBytes = 32;
inline constexpr std::size_t kProofBytes = 32;
inline constexpr std::size_t kSealHeaderBytes = 8;
inline constexpr std::size_t kSealTagBytes = 16;
// A sealed segment carries whole frames: at least one, at most one largest frame's worth.
inline constexpr std::size_t kMaxSealedPayloadBytes = kPrefixBytes + kMaxFrameBytes;
static_assert(kSealHeaderBytes % alignof(std::uint64_t) == 0, "the payload must stay 8-byte aligned");

inline constexpr std::string_view kRoverProofLabel = "rover-alerts link v1 rover proof";
inline constexpr std::string_view kSessionKeyLabel = "rover-alerts link v1 session key";

using LinkKey = std::array<std::uint8_t, kKeyBytes>;
using LinkNonce = std::array<std::uint8_t, kNonceBytes>;
using LinkProof = std::array<std::uint8_t, kProofBytes>;
using SealTag = std::array<std::uint8_t, kSealTagBytes>;

// Exactly 64 hex digits (either case); false otherwise, `key` untouched.
bool parse_key_hex(std::string_view hex, LinkKey& key);

// Fills `out` from the kernel's random source (getrandom); false if it failed.
bool fill_random(std::span<std::uint8_t> out);

// HMAC-SHA-256(key, label || hello || challenge) under one key, with the
// keyed context made once by init(). Each compute() makes libcrypto allocate
// (and free) two blocks: OpenSSL 3 duplicates the digest state per HMAC.
class HandshakeMac {
 public:
  HandshakeMac() = default;
  ~HandshakeMac();
  HandshakeMac(const HandshakeMac&) = delete;
  HandshakeMac& operator=(const HandshakeMac&) = delete;

  bool init(const LinkKey& key);
  bool compute(std::string_view label, std::span<const std::uint8_t> hello, std::span<const std::uint8_t> challenge,
               std::array<std::uint8_t, 32>& out);

 private:
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
};

// The same, one-shot (where allocating per call does not matter); false if libcrypto failed.
bool handshake_mac(const LinkKey& key, std::string_view label, std::span<const std::uint8_t> hello,
                   std::span<const std::uint8_t> challenge, std::array<std::uint8_t, 32>& out);

// Constant-time comparison of two proofs.
bool proofs_equal(const LinkProof& a, std::span<const std::uint8_t> b);

enum class Direction : std::uint32_t { RoverToRelay = 1, RelayToRover = 2 };

enum class SealHeaderStatus : std::uint8_t { Ok, Empty, TooLarge, BadReserved };
const char* to_string(SealHeaderStatus s);

void write_seal_header(std::uint8_t* at, std::uint32_t payload_bytes);
// Reads and checks a header (kSealHeaderBytes readable at `at`).
SealHeaderStatus read_seal_header(const std::uint8_t* at, std::uint32_t& payload_bytes,
                                  std::size_t max_payload_bytes = kMaxSealedPayloadBytes);

// The longest run of whole frames at the start of `bytes` that fits one
// segment; 0 when the first frame is incomplete or does not fit.
std::size_t whole_frames_prefix(std::span<const std::uint8_t> bytes, std::size_t max_bytes = kMaxSealedPayloadBytes);

// The tags of one direction of one connection: segment n's nonce is
// (direction, n). One per direction; the sender seals, the receiver opens.
class SegmentSeal {
 public:
  SegmentSeal() = default;
  ~SegmentSeal();
  SegmentSeal(const SegmentSeal&) = delete;
  SegmentSeal& operator=(const SegmentSeal&) = delete;

  // Makes the cipher context (the only allocation). Idempotent.
  bool init();
  bool initialized() const { return ctx_ != nullptr; }
  // Keys the context for a new connection; the counter starts at 0.
  bool start(const std::array<std::uint8_t, 32>& session_key, Direction direction);
  void stop() { active_ = false; }
  bool active() const { return active_; }
  std::uint64_t segments() const { return counter_; }

  // The tag of the next segment (`header` + `payload`); advances the counter.
  bool seal(std::span<const std::uint8_t> header, std::span<const std::uint8_t> payload, SealTag& tag);
  // Whether `tag` is the next segment's; advances the counter only then.
  bool open(std::span<const std::uint8_t> header, std::span<const std::uint8_t> payload,
            std::span<const std::uint8_t> tag);

 private:
  bool compute(std::span<const std::uint8_t> header, std::span<const std::uint8_t> payload, SealTag& tag);

  EVP_CIPHER_CTX* ctx_ = nullptr;
  Direction direction_ = Direction::RoverToRelay;
  std::uint64_t counter_ = 0;
  bool active_ = false;
};

}  // namespace rover_alerts::link
