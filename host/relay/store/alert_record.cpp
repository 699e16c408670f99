#include "store/alert_record.hpp"

#include "store/byte_codec.hpp"

#include <array>
#include <cassert>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace rover_alerts::relay {

// ---- AlertText ------------------------------------------------------------

AlertText::AlertText(const Fields& f) {
  const std::array<std::string_view, kFieldCount> parts{f.key, f.title, f.message, f.group_id, f.extra};
  std::size_t total = kHeaderBytes;
  for (const auto part : parts) {
    assert(part.size() <= std::numeric_limits<std::uint32_t>::max());
    total += part.size();
  }
  block_ = std::make_unique_for_overwrite<char[]>(total);
  char* lengths = block_.get();
  char* out = block_.get() + kHeaderBytes;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const auto length = static_cast<std::uint32_t>(parts[i].size());
    std::memcpy(lengths + i * sizeof(length), &length, sizeof(length));
    if (length > 0) std::memcpy(out, parts[i].data(), length);
    out += length;
  }
}

AlertText::Fields AlertText::fields() const {
  if (block_ == nullptr) return {};
  std::array<std::string_view, kFieldCount> parts;
  const char* in = block_.get() + kHeaderBytes;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    std::uint32_t length = 0;
    std::memcpy(&length, block_.get() + i * sizeof(length), sizeof(length));
    parts[i] = std::string_view(in, length);
    in += length;
  }
  return Fields{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

std::string_view AlertText::key() const {
  if (block_ == nullptr) return {};
  std::uint32_t length = 0;
  std::memcpy(&length, block_.get(), sizeof(length));
  return std::string_view(block_.get() + kHeaderBytes, length);
}

std::string AlertText::encode_extra(const std::optional<AlertAction>& action,
                                    const std::map<std::string, std::string>& metadata) {
  if (!action && metadata.empty()) return {};
  ByteWriter w;
  w.u64(action ? 1 : 0);
  if (action) {
    w.str(action->label);
    w.str(action->action_type);
    w.map(action->parameters);
  }
  w.map(metadata);
  return w.take();
}

bool AlertText::decode_extra(std::string_view extra, std::optional<AlertAction>& action,
                             std::map<std::string, std::string>& metadata) {
  action.reset();
  metadata.clear();
  if (extra.empty()) return true;
  ByteReader r(extra);
  std::uint64_t has_action = 0;
  if (!r.u64(has_action)) return false;
  if (has_action != 0) {
    AlertAction a;
    if (!r.str(a.label) || !r.str(a.action_type) || !r.map(a.parameters)) return false;
    action = std::move(a);
  }
  return r.map(metadata) && r.done();
}

// ---- ids ------------------------------------------------------------------

namespace {
constexpr std::string_view kGroundPrefix = "ground-";
constexpr std::size_t kBootDigits = 16;

bool parse_decimal(std::string_view digits, std::uint64_t& value) {
  if (digits.empty()) return false;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && end == digits.data() + digits.size();
}
}  // namespace

std::string rover_alert_id(std::string_view rover, std::uint64_t boot_id, std::uint64_t seq) {
  std::array<char, kBootDigits + 1> boot_hex{};
  std::snprintf(boot_hex.data(), boot_hex.size(), "%016llx", static_cast<unsigned long long>(boot_id));
  std::array<char, 20> seq_digits{};
  const auto seq_end = std::to_chars(seq_digits.data(), seq_digits.data() + seq_digits.size(), seq).ptr;
  std::string id;
  id.reserve(rover.size() + 2 + kBootDigits + 20);
  id.append(rover).append("-").append(boot_hex.data(), kBootDigits).append("-").append(seq_digits.data(), seq_end);
  return id;
}

std::string ground_alert_id(std::uint64_t seq) { return std::string(kGroundPrefix) + std::to_string(seq); }

bool parse_alert_id(std::string_view id, AlertIdParts& parts) {
  parts = AlertIdParts{};
  if (id.starts_with(kGroundPrefix) && parse_decimal(id.substr(kGroundPrefix.size()), parts.seq)) {
    parts.ground = true;
  } else {
    const std::size_t last_dash = id.rfind('-');
    if (last_dash == std::string_view::npos || last_dash < kBootDigits + 1) return false;
    if (id[last_dash - kBootDigits - 1] != '-') return false;
    if (!parse_decimal(id.substr(last_dash + 1), parts.seq)) return false;
    const std::string_view boot = id.substr(last_dash - kBootDigits, kBootDigits);
    const auto [end, ec] = std::from_chars(boot.data(), boot.data() + boot.size(), parts.boot_id, 16);
    if (ec != std::errc() || end != boot.data() + boot.size()) return false;
    parts.rover = id.substr(0, last_dash - kBootDigits - 1);
  }
  // Only the canonical spelling names an alert (no leading zeros, lowercase hex).
  return (parts.ground ? ground_alert_id(parts.seq) : rover_alert_id(parts.rover, parts.boot_id, parts.seq)) == id;
}

}  // namespace rover_alerts::relay
