// Link frames as the relay reads them: built with FinishSizePrefixed like the
// rover does, then checked with link_framing.hpp and copied out with
// read_rover_event(). Damaged input must be rejected without a crash.

#include "link/rover_event_reader.hpp"
#include "link/utf8_repair.hpp"

#include <rover_alerts/link_framing.hpp>

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <ostream>
#include <random>
#include <vector>

namespace rover_alerts::link {
// Lets BOOST_TEST print a FrameStatus when a comparison fails.
inline std::ostream& boost_test_print_type(std::ostream& out, FrameStatus status) { return out << to_string(status); }
}  // namespace rover_alerts::link

using namespace rover_alerts;
using relay::read_rover_event;

namespace {

std::vector<std::uint8_t> to_bytes(const flatbuffers::FlatBufferBuilder& builder) {
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

void write_length_prefix(std::vector<std::uint8_t>& bytes, std::size_t length) {
  for (std::size_t i = 0; i < link::kPrefixBytes; ++i) bytes[i] = static_cast<std::uint8_t>(length >> (8 * i));
}

std::vector<std::uint8_t> hello_frame() {
  flatbuffers::FlatBufferBuilder b;
  const auto hello = link::CreateHelloDirect(b, 1, "R1", 0xab, 3, 9, false);
  b.FinishSizePrefixed(link::CreateFrame(b, 0, 1234, link::Payload::Hello, hello.Union()), link::FrameIdentifier());
  return to_bytes(b);
}

std::vector<std::uint8_t> alert_frame(const char* identifier = link::FrameIdentifier()) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<link::KeyValue>> params{link::CreateKeyValueDirect(b, "reason", "low_battery")};
  const auto action = link::CreateActionDirect(b, "Return to base", "navigation.return_to_base", &params);
  std::vector<flatbuffers::Offset<link::KeyValue>> metadata{link::CreateKeyValueDirect(b, "cell", "3"),
                                                            link::CreateKeyValueDirect(b, "volts", "3.1")};
  const auto event = link::CreateAlertEventDirect(b, link::EventKind::Raise, "power.low", link::Priority::High, "power",
                                                  "Battery low", "Return to base recommended", action, &metadata,
                                                  "power-group", true, false, 1700000099000, 1700000000000,
                                                  1700000000500, 4, false);
  b.FinishSizePrefixed(link::CreateFrame(b, 7, 1700000000600, link::Payload::AlertEvent, event.Union()), identifier);
  return to_bytes(b);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_frame)

BOOST_AUTO_TEST_CASE(hello_round_trips) {
  const auto bytes = hello_frame();
  BOOST_TEST(link::read_length_prefix(bytes.data()) == bytes.size() - link::kPrefixBytes);
  const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
  BOOST_TEST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  const auto* hello = decoded.frame->payload_as_Hello();
  BOOST_TEST_REQUIRE(hello != nullptr);
  BOOST_TEST(hello->rover_id()->str() == "R1");
  BOOST_TEST(hello->boot_id() == 0xabu);
  BOOST_TEST(hello->oldest_held_seq() == 3u);
  BOOST_TEST(hello->latest_seq() == 9u);
}

BOOST_AUTO_TEST_CASE(alert_event_round_trips_into_a_rover_event) {
  const auto bytes = alert_frame();
  const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
  BOOST_TEST_REQUIRE(decoded.status == link::FrameStatus::Ok);
  BOOST_TEST(decoded.frame->seq() == 7u);
  const auto* event = decoded.frame->payload_as_AlertEvent();
  BOOST_TEST_REQUIRE(event != nullptr);

  relay::FieldRepairs repairs;
  const relay::RoverEvent out = read_rover_event(*event, relay::LinkLimits{}, repairs);
  BOOST_TEST(repairs.invalid_utf8 == 0u);
  BOOST_TEST(repairs.truncated == 0u);
  BOOST_TEST((out.kind == relay::RoverEventKind::Raise));
  BOOST_TEST(out.key == "power.low");
  BOOST_TEST((out.priority == relay::Priority::High));
  BOOST_TEST(out.source == "power");
  BOOST_TEST(out.title == "Battery low");
  BOOST_TEST(out.message == "Return to base recommended");
  BOOST_TEST_REQUIRE(out.action.has_value());
  BOOST_TEST(out.action->label == "Return to base");
  BOOST_TEST(out.action->action_type == "navigation.return_to_base");
  BOOST_TEST(out.action->parameters.at("reason") == "low_battery");
  BOOST_TEST(out.metadata.size() == 2u);
  BOOST_TEST(out.metadata.at("volts") == "3.1");
  BOOST_TEST(out.group_id == "power-group");
  BOOST_TEST(out.persistent);
  BOOST_TEST(!out.closable);
  BOOST_TEST(out.expires_at_ms == 1700000099000u);
  BOOST_TEST(out.raised_at_ms == 1700000000000u);
  BOOST_TEST(out.last_seen_ms == 1700000000500u);
  BOOST_TEST(out.occurrences == 4u);
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  const auto bytes = alert_frame();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const auto decoded = link::verify_prefixed_frame(bytes.data(), size);
    BOOST_TEST((decoded.status == link::FrameStatus::Truncated), "size " << size);
    BOOST_TEST(decoded.frame == nullptr);
  }
  // Cut short with a prefix that agrees: the frame is consistent but incomplete.
  // (The last few bytes may be alignment padding, which nobody misses, so the
  // cuts start 8 bytes short.)
  for (std::size_t length = 1; length + 8 <= bytes.size() - link::kPrefixBytes; ++length) {
    auto cut = std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(link::kPrefixBytes + length));
    write_length_prefix(cut, length);
    BOOST_TEST((link::verify_prefixed_frame(cut.data(), cut.size()).status != link::FrameStatus::Ok), "length " << length);
  }
}

BOOST_AUTO_TEST_CASE(oversize_prefix_is_rejected_before_the_body) {
  BOOST_TEST((link::check_length(link::kMaxFrameBytes) == link::FrameStatus::Ok));
  BOOST_TEST((link::check_length(link::kMaxFrameBytes + 1) == link::FrameStatus::TooLarge));
  BOOST_TEST((link::check_length(0xFFFFFFFFu) == link::FrameStatus::TooLarge));
  // Only the 4 prefix bytes are there: the length alone decides.
  const std::uint8_t huge[4] = {0xFF, 0xFF, 0xFF, 0x7F};
  BOOST_TEST((link::verify_prefixed_frame(huge, sizeof huge).status == link::FrameStatus::TooLarge));
  // A valid frame over a configured lower cap.
  const auto bytes = alert_frame();
  BOOST_TEST((link::verify_prefixed_frame(bytes.data(), bytes.size(), 32).status == link::FrameStatus::TooLarge));
}

BOOST_AUTO_TEST_CASE(zero_length_is_rejected) {
  const std::uint8_t empty[12] = {0, 0, 0, 0, 0, 0, 0, 0, 'R', 'V', 'A', 'L'};
  BOOST_TEST((link::check_length(0) == link::FrameStatus::Empty));
  BOOST_TEST((link::verify_prefixed_frame(empty, sizeof empty).status == link::FrameStatus::Empty));
}

BOOST_AUTO_TEST_CASE(wrong_identifier_is_rejected) {
  const auto bytes = alert_frame("XXXX");
  BOOST_TEST((link::verify_prefixed_frame(bytes.data(), bytes.size()).status == link::FrameStatus::BadIdentifier));

  flatbuffers::FlatBufferBuilder b;  // no identifier at all
  const auto hb = link::CreateHeartbeat(b, 1);
  b.FinishSizePrefixed(link::CreateFrame(b, 0, 0, link::Payload::Heartbeat, hb.Union()));
  const auto plain = to_bytes(b);
  BOOST_TEST((link::verify_prefixed_frame(plain.data(), plain.size()).status != link::FrameStatus::Ok));
}

BOOST_AUTO_TEST_CASE(random_garbage_is_rejected) {
  std::mt19937 random(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 512);
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::uint8_t> bytes(link::kPrefixBytes + length(random));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(random));
    // Most rounds carry a length that agrees with the data and half of them the
    // right identifier, so that the Verifier itself is exercised.
    if (round % 4 != 0) write_length_prefix(bytes, bytes.size() - link::kPrefixBytes);
    if (round % 2 == 0 && bytes.size() >= 12) std::memcpy(bytes.data() + 8, "RVAL", 4);
    const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
    BOOST_TEST((decoded.status != link::FrameStatus::Ok), "round " << round);
  }
}

BOOST_AUTO_TEST_CASE(bit_flips_never_yield_an_unsafe_frame) {
  const auto original = alert_frame();
  std::size_t rejected = 0;
  std::size_t accepted = 0;
  for (std::size_t bit = 0; bit < original.size() * 8; ++bit) {
    auto bytes = original;
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto decoded = link::verify_prefixed_frame(bytes.data(), bytes.size());
    if (decoded.status != link::FrameStatus::Ok) {
      ++rejected;
      continue;
    }
    // A flip in a value (a character, a scalar) still verifies; reading every
    // field of what verified must stay inside the buffer (run under ASan).
    ++accepted;
    if (const auto* event = decoded.frame->payload_as_AlertEvent()) {
      relay::FieldRepairs repairs;
      const auto out = read_rover_event(*event, relay::LinkLimits{}, repairs);
      BOOST_TEST(out.key.size() <= bytes.size());
      // A flipped character may make invalid UTF-8: what is read never is.
      for (const std::string* text : {&out.key, &out.source, &out.title, &out.message})
        BOOST_TEST(!relay::repair_utf8(*text, SIZE_MAX).replaced);
    }
  }
  BOOST_TEST(rejected > 0u);
  BOOST_TEST(accepted > 0u);
  // Any flip in the length prefix or the identifier is always caught.
  for (std::size_t bit = 0; bit < 96; ++bit) {
    if (bit >= 32 && bit < 64) continue;  // the root offset
    auto bytes = original;
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    BOOST_TEST((link::verify_prefixed_frame(bytes.data(), bytes.size()).status != link::FrameStatus::Ok), "bit " << bit);
  }
}

// Each invalid sequence becomes one U+FFFD per maximal invalid subpart (the
// WHATWG decoder's rule); valid text passes unchanged.
BOOST_AUTO_TEST_CASE(invalid_utf8_from_a_rover_becomes_replacement_characters) {
  const std::string fffd = "\xEF\xBF\xBD";
  const std::pair<std::string, std::string> cases[] = {
      {"plain ascii", "plain ascii"},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80"},
      {"a\xFF" "b", "a" + fffd + "b"},                    // never a UTF-8 byte
      {"a\x80" "b", "a" + fffd + "b"},                    // a lone continuation byte
      {"\xC0\xAF", fffd + fffd},                       // overlong '/': C0 is never valid
      {"\xE0\x80\xAF", fffd + fffd + fffd},           // overlong three-byte form
      {"\xED\xA0\x80", fffd + fffd + fffd},           // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // past U+10FFFF
      {"\xE2\x82", fffd},                              // truncated at the end: one subpart
      {"\xE2\x82x", fffd + "x"},
      {std::string("nul\0inside", 11), std::string("nul\0inside", 11)},  // valid, if odd
  };
  for (const auto& [in, expected] : cases) {
    const auto out = relay::repair_utf8(in, 1000);
    BOOST_TEST(out.text == expected, "for input of " << in.size() << " bytes");
    BOOST_TEST(out.replaced == (in != expected));
    BOOST_TEST(!out.truncated);
  }
}

BOOST_AUTO_TEST_CASE(text_over_its_limit_is_cut_at_a_character_boundary) {
  const auto out = relay::repair_utf8("ab\xE2\x82\xAC", 4);  // "ab€" is 5 bytes
  BOOST_TEST(out.text == "ab");
  BOOST_TEST(out.truncated);
  BOOST_TEST(!out.replaced);
  BOOST_TEST(relay::repair_utf8("ab\xE2\x82\xAC", 5).text == "ab\xE2\x82\xAC");
}

BOOST_AUTO_TEST_CASE(a_rover_event_is_read_as_valid_text_within_the_field_limits) {
  flatbuffers::FlatBufferBuilder b(1024);
  std::vector<flatbuffers::Offset<link::KeyValue>> pairs;
  for (int i = 0; i < 40; ++i)
    pairs.push_back(link::CreateKeyValueDirect(b, ("k" + std::to_string(i)).c_str(), "v"));
  const std::string long_message(5000, 'm');
  const auto event = link::CreateAlertEventDirect(b, link::EventKind::Raise, "key\xFF", link::Priority::High, "power",
                                                  "T\xC3", long_message.c_str(), 0, &pairs);
  b.Finish(event);
  const auto* read = flatbuffers::GetRoot<link::AlertEvent>(b.GetBufferPointer());
  relay::LinkLimits limits;
  relay::FieldRepairs repairs;
  const relay::RoverEvent out = read_rover_event(*read, limits, repairs);
  BOOST_TEST(out.key == "key\xEF\xBF\xBD");
  BOOST_TEST(out.title == "T\xEF\xBF\xBD");
  BOOST_TEST(out.message.size() == limits.fields.max_message_bytes);
  BOOST_TEST(out.metadata.size() == limits.fields.max_metadata_entries);  // 40 sent, the rest dropped
  BOOST_TEST(repairs.invalid_utf8 == 2u);
  BOOST_TEST(repairs.truncated == 1u + (40 - limits.fields.max_metadata_entries));
}

BOOST_AUTO_TEST_SUITE_END()
