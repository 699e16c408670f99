#include <rover_alerts/alert_frame_writer.hpp>
#include <rover_alerts/link_framing.hpp>
#include <rover_alerts/small_copy.hpp>

#include <bit>
#include <cassert>
#include <cstring>
#include <string_view>

namespace rover_alerts {

static_assert(std::endian::native == std::endian::little, "FlatBuffers scalars are little-endian");

namespace {

// Field slots of the tables in schemas/link.fbs, in field-id order (a union
// takes two ids: its type, then its value).
namespace frame_field {
enum : std::uint16_t { kSeq, kSentAt, kPayloadType, kPayload, kCount };
}
namespace event_field {
enum : std::uint16_t {
  kKind, kKey, kPriority, kSource, kTitle, kMessage, kAction, kMetadata, kGroupId,
  kPersistent, kClosable, kExpiresAt, kRaisedAt, kLastSeen, kOccurrences, kTruncated, kCount
};
}

// Where each AlertEvent field sits in its table (bytes from the table start,
// whose first 4 bytes are the vtable offset): offsets, then 8-, 4-, 1-byte scalars.
namespace event_at {
constexpr std::uint16_t kKey = 4, kSource = 8, kTitle = 12, kMessage = 16, kAction = 20, kMetadata = 24,
                        kGroupId = 28, kExpiresAt = 32, kRaisedAt = 40, kLastSeen = 48, kOccurrences = 56,
                        kKind = 60, kPriority = 61, kPersistent = 62, kClosable = 63, kTruncated = 64, kSize = 65;
}

// Fixed positions from the size prefix. The AlertEvent table starts at 88, so
// its 8-byte scalars (table + 32..48) sit at multiples of 8.
constexpr std::size_t kRootAt = 4;
constexpr std::size_t kIdentifierAt = 8;
constexpr std::size_t kFrameVtableAt = 12;
constexpr std::size_t kFrameTableAt = 24;
constexpr std::uint16_t kFramePayloadAt = 4, kFrameSeqAt = 8, kFrameSentAt = 16, kFrameTypeAt = 24,
                        kFrameTableSize = 25;
constexpr std::size_t kEventVtableAt = 52;
constexpr std::size_t kEventTableAt = 88;
static_assert(kFrameVtableAt + 4 + 2 * frame_field::kCount == kFrameTableAt);
static_assert(kEventVtableAt + 4 + 2 * event_field::kCount == kEventTableAt);
static_assert((kEventTableAt + event_at::kExpiresAt) % 8 == 0 && (kFrameTableAt + kFrameSeqAt) % 8 == 0);
static_assert(kEventTableAt + event_at::kSize + 3 <= alert_frame::kFixedBytes);

class Writer {
 public:
  explicit Writer(std::uint8_t* out) : out_(out) {}

  template <typename T>
  void put(std::size_t at, T value) {
    std::memcpy(out_ + at, &value, sizeof value);
  }
  void put_u16s(std::size_t at, std::initializer_list<std::uint16_t> values) {
    for (const std::uint16_t v : values) {
      put(at, v);
      at += 2;
    }
  }
  // Zero padding up to a multiple of `n` (n a power of two).
  void align(std::size_t n) {
    while (at_ & (n - 1)) out_[at_++] = 0;
  }
  // A forward offset stored at `ref` to the object at `target`.
  void link(std::size_t ref, std::size_t target) {
    assert(target > ref);
    put(ref, static_cast<std::uint32_t>(target - ref));
  }
  // A string object, linked from `ref`: length, bytes, terminator, padding
  // to 4 (so the next object usually needs no alignment).
  void string(std::size_t ref, std::string_view s) {
    align(4);
    const std::size_t end = at_ + alert_frame::string_bytes(s.size());
    // Terminator and padding in one store, made before the bytes that may
    // share its word (a string's object is 8 bytes or more, so this never
    // touches the length).
    put(end - 4, std::uint32_t{0});
    link(ref, at_);
    put(at_, static_cast<std::uint32_t>(s.size()));
    copy_small(out_ + at_ + 4, s.data(), s.size());
    at_ = end;
  }
  // A KeyValue table (its own vtable first), linked from `ref`; strings follow.
  void key_value(std::size_t ref, std::string_view key, std::string_view value) {
    align(4);
    put_u16s(at_, {8, 12, 4, 8});  // vtable: size, table size, key, value
    const std::size_t table = at_ + 8;
    put(table, std::int32_t{8});
    link(ref, table);
    at_ = table + 12;
    string(table + 4, key);
    string(table + 8, value);
  }
  // A vector of `n` KeyValue tables, linked from `ref`.
  template <std::size_t N>
  void key_values(std::size_t ref, const std::array<KeyValueText, N>& kvs, std::size_t n) {
    align(4);
    link(ref, at_);
    put(at_, static_cast<std::uint32_t>(n));
    const std::size_t slots = at_ + 4;
    at_ = slots + 4 * n;
    for (std::size_t i = 0; i < n; ++i) key_value(slots + 4 * i, kvs[i].key, kvs[i].value);
  }

  std::size_t at() const { return at_; }
  void skip_to(std::size_t at) { at_ = at; }

 private:
  std::uint8_t* out_;
  std::size_t at_ = 0;
};

}  // namespace

std::size_t write_alert_frame(const AlertView& a, std::uint64_t seq, std::uint64_t sent_at_ms, std::uint8_t* out) {
  Writer w(out);
  w.put(kRootAt, static_cast<std::uint32_t>(kFrameTableAt - kRootAt));
  std::memcpy(out + kIdentifierAt, link::FrameIdentifier(), 4);

  // Frame: vtable, then the table with the payload offset first.
  w.put_u16s(kFrameVtableAt,
             {4 + 2 * frame_field::kCount, kFrameTableSize, kFrameSeqAt, kFrameSentAt, kFrameTypeAt, kFramePayloadAt});
  w.put(kFrameTableAt, static_cast<std::int32_t>(kFrameTableAt - kFrameVtableAt));
  w.link(kFrameTableAt + kFramePayloadAt, kEventTableAt);
  w.put(kFrameTableAt + kFrameSeqAt, seq);
  w.put(kFrameTableAt + kFrameSentAt, sent_at_ms);
  w.put(kFrameTableAt + kFrameTypeAt, static_cast<std::uint8_t>(link::Payload::AlertEvent));
  w.put(kFrameTableAt + kFrameTableSize, std::uint8_t{0});  // padding up to the event vtable
  w.put(kFrameTableAt + kFrameTableSize + 1, std::uint16_t{0});

  // AlertEvent: vtable (0: the optional field is absent), then the table.
  using namespace event_at;
  const std::uint16_t title = a.title.empty() ? 0 : kTitle;
  const std::uint16_t action = a.has_action ? kAction : 0;
  const std::uint16_t metadata = a.metadata_count > 0 ? kMetadata : 0;
  const std::uint16_t group = a.group_id.empty() ? 0 : kGroupId;
  w.put_u16s(kEventVtableAt, {4 + 2 * event_field::kCount, kSize, kKind, kKey, kPriority, kSource, title, kMessage,
                              action, metadata, group, kPersistent, kClosable, kExpiresAt, kRaisedAt, kLastSeen,
                              kOccurrences, kTruncated});
  constexpr std::size_t t = kEventTableAt;
  w.put(t, static_cast<std::int32_t>(kEventTableAt - kEventVtableAt));
  for (std::size_t field = kKey; field < kExpiresAt; field += 4) w.put(t + field, std::uint32_t{0});
  w.put(t + kExpiresAt, a.expires_at_ms);
  w.put(t + kRaisedAt, a.raised_at_ms);
  w.put(t + kLastSeen, a.last_seen_ms);
  w.put(t + kOccurrences, a.occurrences);
  w.put(t + kKind, static_cast<std::uint8_t>(a.kind));
  w.put(t + kPriority, static_cast<std::uint8_t>(a.priority));
  w.put(t + kPersistent, static_cast<std::uint8_t>(a.persistent));
  w.put(t + kClosable, static_cast<std::uint8_t>(a.closable));
  w.put(t + kTruncated, static_cast<std::uint8_t>(a.truncated));
  w.skip_to(t + kSize);

  if (a.has_action) {
    w.align(4);
    const std::size_t vtable = w.at();
    w.put_u16s(vtable, {10, 16, 4, 8, static_cast<std::uint16_t>(a.action_param_count > 0 ? 12 : 0), 0});
    const std::size_t table = vtable + 12;
    w.put(table, std::int32_t{12});
    w.put(table + 12, std::uint32_t{0});
    w.link(t + kAction, table);
    w.skip_to(table + 16);
    if (a.action_param_count > 0) w.key_values(table + 12, a.action_params, a.action_param_count);
    w.string(table + 4, a.action_label);
    w.string(table + 8, a.action_type);
  }
  if (a.metadata_count > 0) w.key_values(t + kMetadata, a.metadata, a.metadata_count);
  w.string(t + kKey, a.key);
  w.string(t + kSource, a.source);
  if (title) w.string(t + kTitle, a.title);
  w.string(t + kMessage, a.message);
  if (group) w.string(t + kGroupId, a.group_id);

  w.align(8);
  const std::size_t size = w.at();
  assert(size <= alert_frame::kMaxBytes);
  w.put(0, static_cast<std::uint32_t>(size - link::kPrefixBytes));
  return size;
}

}  // namespace rover_alerts
