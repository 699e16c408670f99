#include <rover_alerts/link_auth.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cerrno>
#include <cstring>
#include <sys/random.h>

namespace rover_alerts::link {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_u32(std::uint8_t* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

bool parse_key_hex(std::string_view hex, LinkKey& key) {
  if (hex.size() != 2 * kKeyBytes) return false;
  LinkKey parsed{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    parsed[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  key = parsed;
  return true;
}

bool fill_random(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

HandshakeMac::~HandshakeMac() {
  EVP_MAC_CTX_free(ctx_);
  EVP_MAC_free(mac_);
}

bool HandshakeMac::init(const LinkKey& key) {
  if (mac_ == nullptr) mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac_ != nullptr && ctx_ == nullptr) ctx_ = EVP_MAC_CTX_new(mac_);
  if (ctx_ == nullptr) return false;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  return EVP_MAC_init(ctx_, key.data(), key.size(), params) == 1;
}

bool HandshakeMac::compute(std::string_view label, std::span<const std::uint8_t> hello,
                           std::span<const std::uint8_t> challenge, std::array<std::uint8_t, 32>& out) {
  std::size_t written = 0;
  // A null key restarts the HMAC under the key init() set.
  return ctx_ != nullptr && EVP_MAC_init(ctx_, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(label.data()), label.size()) == 1 &&
         EVP_MAC_update(ctx_, hello.data(), hello.size()) == 1 &&
         EVP_MAC_update(ctx_, challenge.data(), challenge.size()) == 1 &&
         EVP_MAC_final(ctx_, out.data(), &written, out.size()) == 1 && written == out.size();
}

bool handshake_mac(const LinkKey& key, std::string_view label, std::span<const std::uint8_t> hello,
                   std::span<const std::uint8_t> challenge, std::array<std::uint8_t, 32>& out) {
  HandshakeMac mac;
  return mac.init(key) && mac.compute(label, hello, challenge, out);
}

bool proofs_equal(const LinkProof& a, std::span<const std::uint8_t> b) {
  return b.size() == a.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const char* to_string(SealHeaderStatus s) {
  switch (s) {
    case SealHeaderStatus::Ok: return "ok";
    case SealHeaderStatus::Empty: return "empty sealed segment";
    case SealHeaderStatus::TooLarge: return "sealed segment over size cap";
    case SealHeaderStatus::BadReserved: return "sealed segment header with reserved bits set";
  }
  return "unknown";
}

void write_seal_header(std::uint8_t* at, std::uint32_t payload_bytes) {
  put_u32(at, payload_bytes);
  put_u32(at + 4, 0);
}

SealHeaderStatus read_seal_header(const std::uint8_t* at, std::uint32_t& payload_bytes,
                                  std::size_t max_payload_bytes) {
  payload_bytes = read_length_prefix(at);
  if (read_length_prefix(at + 4) != 0) return SealHeaderStatus::BadReserved;
  if (payload_bytes == 0) return SealHeaderStatus::Empty;
  if (payload_bytes > max_payload_bytes) return SealHeaderStatus::TooLarge;
  return SealHeaderStatus::Ok;
}

std::size_t whole_frames_prefix(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  std::size_t n = 0;
  while (bytes.size() - n >= kPrefixBytes) {
    const std::size_t whole = kPrefixBytes + read_length_prefix(bytes.data() + n);
    if (whole > bytes.size() - n || whole > max_bytes - n) break;
    n += whole;
  }
  return n;
}

SegmentSeal::~SegmentSeal() { EVP_CIPHER_CTX_free(ctx_); }

bool SegmentSeal::init() {
  if (ctx_ == nullptr) ctx_ = EVP_CIPHER_CTX_new();
  return ctx_ != nullptr && EVP_EncryptInit_ex(ctx_, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) == 1;
}

bool SegmentSeal::start(const std::array<std::uint8_t, 32>& session_key, Direction direction) {
  active_ = false;
  if (ctx_ == nullptr) return false;
  // Rekeying a ChaCha20-Poly1305 context allocates nothing (measured: see DESIGN).
  if (EVP_EncryptInit_ex(ctx_, nullptr, nullptr, session_key.data(), nullptr) != 1) return false;
  direction_ = direction;
  counter_ = 0;
  active_ = true;
  return true;
}

bool SegmentSeal::compute(std::span<const std::uint8_t> header, std::span<const std::uint8_t> payload, SealTag& tag) {
  if (!active_) return false;
  std::uint8_t nonce[12];
  put_u32(nonce, static_cast<std::uint32_t>(direction_));
  put_u32(nonce + 4, static_cast<std::uint32_t>(counter_));
  put_u32(nonce + 8, static_cast<std::uint32_t>(counter_ >> 32));
  int len = 0;
  return EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) == 1 &&
         EVP_EncryptUpdate(ctx_, nullptr, &len, header.data(), static_cast<int>(header.size())) == 1 &&
         EVP_EncryptUpdate(ctx_, nullptr, &len, payload.data(), static_cast<int>(payload.size())) == 1 &&
         EVP_EncryptFinal_ex(ctx_, nullptr, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()), tag.data()) == 1;
}

bool SegmentSeal::seal(std::span<const std::uint8_t> header, std::span<const std::uint8_t> payload, SealTag& tag) {
  if (!compute(header, payload, tag)) return false;
  ++counter_;
  return true;
}

bool SegmentSeal::open(std::span<const std::uint8_t> header, std::span<const std::uint8_t> payload,
                       std::span<const std::uint8_t> tag) {
  SealTag expected{};
  if (tag.size() != expected.size() || !compute(header, payload, expected)) return false;
  if (CRYPTO_memcmp(expected.data(), tag.data(), expected.size()) != 0) return false;
  ++counter_;
  return true;
}

}  // namespace rover_alerts::link
