// The hand-laid AlertEvent frame against FlatBufferBuilder, the oracle: every
// frame must pass the relay's Verifier and read back, field by field, exactly
// what the builder's encoding of the same record reads back.

#include "test_alerts.hpp"

#include <rover_alerts/alert_frame_writer.hpp>
#include <rover_alerts/link_framing.hpp>

#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

using namespace rover_alerts;
using rover_alerts::testing::largest_alert;
namespace fb = flatbuffers;

namespace {

// What the emitter sent before the hand-laid writer: the generated builder API.
std::vector<std::uint8_t> oracle_frame(const AlertRecord& a, std::uint64_t seq, std::uint64_t sent_at_ms) {
  fb::FlatBufferBuilder b(1024);
  auto str = [&](std::string_view s) { return b.CreateString(s.data(), s.size()); };
  auto kvs = [&](const auto& pairs, std::size_t n) -> fb::Offset<fb::Vector<fb::Offset<link::KeyValue>>> {
    if (n == 0) return 0;
    std::vector<fb::Offset<link::KeyValue>> v;
    for (std::size_t i = 0; i < n; ++i)
      v.push_back(link::CreateKeyValue(b, str(pairs[i].key.view()), str(pairs[i].value.view())));
    return b.CreateVector(v);
  };
  fb::Offset<link::Action> action = 0;
  if (a.has_action)
    action = link::CreateAction(b, str(a.action_label.view()), str(a.action_type.view()),
                                kvs(a.action_params, a.action_param_count));
  const auto event = link::CreateAlertEvent(
      b, static_cast<link::EventKind>(a.kind), str(a.key.view()), static_cast<link::Priority>(a.priority),
      str(a.source.view()), a.title.empty() ? 0 : str(a.title.view()), str(a.message.view()), action,
      kvs(a.metadata, a.metadata_count), a.group_id.empty() ? 0 : str(a.group_id.view()), a.persistent,
      a.closable, a.expires_at_ms, a.raised_at_ms, a.last_seen_ms, a.occurrences, a.truncated);
  link::FinishSizePrefixedFrameBuffer(b, link::CreateFrame(b, seq, sent_at_ms, link::Payload::AlertEvent, event.Union()));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::string_view sv(const fb::String* s) { return s ? s->string_view() : std::string_view("<absent>"); }

void check_key_values(const fb::Vector<fb::Offset<link::KeyValue>>* got,
                      const fb::Vector<fb::Offset<link::KeyValue>>* want) {
  BOOST_REQUIRE_EQUAL(got == nullptr, want == nullptr);
  if (!got) return;
  BOOST_REQUIRE_EQUAL(got->size(), want->size());
  for (fb::uoffset_t i = 0; i < got->size(); ++i) {
    BOOST_TEST(sv(got->Get(i)->key()) == sv(want->Get(i)->key()));
    BOOST_TEST(sv(got->Get(i)->value()) == sv(want->Get(i)->value()));
  }
}

// Both frames verify and read back the same, field by field.
void check_same(const std::uint8_t* frame, std::size_t size, const std::vector<std::uint8_t>& oracle) {
  BOOST_TEST(size % 8 == 0u);  // back-to-back frames keep their alignment
  BOOST_TEST(size <= alert_frame::kMaxBytes);
  const auto got = link::verify_prefixed_frame(frame, size);
  BOOST_REQUIRE(got.status == link::FrameStatus::Ok);
  const auto want = link::verify_prefixed_frame(oracle.data(), oracle.size());
  BOOST_REQUIRE(want.status == link::FrameStatus::Ok);
  BOOST_TEST(got.frame->seq() == want.frame->seq());
  BOOST_TEST(got.frame->sent_at_ms() == want.frame->sent_at_ms());
  const auto* g = got.frame->payload_as_AlertEvent();
  const auto* w = want.frame->payload_as_AlertEvent();
  BOOST_REQUIRE(g);
  BOOST_TEST((g->kind() == w->kind()));
  BOOST_TEST((g->priority() == w->priority()));
  BOOST_TEST(sv(g->key()) == sv(w->key()));
  BOOST_TEST(sv(g->source()) == sv(w->source()));
  BOOST_TEST(sv(g->title()) == sv(w->title()));
  BOOST_TEST(sv(g->message()) == sv(w->message()));
  BOOST_TEST(sv(g->group_id()) == sv(w->group_id()));
  BOOST_TEST(g->persistent() == w->persistent());
  BOOST_TEST(g->closable() == w->closable());
  BOOST_TEST(g->expires_at_ms() == w->expires_at_ms());
  BOOST_TEST(g->raised_at_ms() == w->raised_at_ms());
  BOOST_TEST(g->last_seen_ms() == w->last_seen_ms());
  BOOST_TEST(g->occurrences() == w->occurrences());
  BOOST_TEST(g->truncated() == w->truncated());
  BOOST_REQUIRE_EQUAL(g->action() == nullptr, w->action() == nullptr);
  if (g->action()) {
    BOOST_TEST(sv(g->action()->label()) == sv(w->action()->label()));
    BOOST_TEST(sv(g->action()->action_type()) == sv(w->action()->action_type()));
    check_key_values(g->action()->parameters(), w->action()->parameters());
  }
  check_key_values(g->metadata(), w->metadata());
}

template <std::size_t N>
void fill(BoundedString<N>& s, std::mt19937_64& rng, std::size_t min_len = 0) {
  static constexpr std::string_view kAlphabet = "abcXYZ09-/_ .\xC2\xB0";  // some UTF-8 too
  const auto below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };  // size_t may be 32-bit
  std::string v(min_len + below(N + 1 - min_len), 'x');
  for (auto& c : v) c = kAlphabet[below(kAlphabet.size())];
  s.assign(v);
}

AlertRecord random_alert(std::mt19937_64& rng) {
  AlertRecord r;
  r.kind = static_cast<EventKind>(rng() % 3);
  r.priority = static_cast<Priority>(rng() % kPriorityCount);
  r.persistent = rng() % 2;
  r.closable = rng() % 2;
  r.truncated = rng() % 2;
  r.occurrences = static_cast<std::uint32_t>(rng());
  r.expires_at_ms = rng() % 3 ? 0 : rng();
  r.raised_at_ms = rng();
  r.last_seen_ms = rng();
  fill(r.key, rng);
  fill(r.source, rng);
  if (rng() % 2) fill(r.title, rng);
  fill(r.message, rng);
  if (rng() % 2) fill(r.group_id, rng);
  r.has_action = rng() % 2;
  if (r.has_action) {
    fill(r.action_label, rng);
    fill(r.action_type, rng);
    r.action_param_count = static_cast<std::uint8_t>(rng() % (limits::kActionParams + 1));
    for (std::size_t i = 0; i < r.action_param_count; ++i) {
      fill(r.action_params[i].key, rng);
      fill(r.action_params[i].value, rng);
    }
  }
  r.metadata_count = static_cast<std::uint8_t>(rng() % (limits::kMetadataPairs + 1));
  for (std::size_t i = 0; i < r.metadata_count; ++i) {
    fill(r.metadata[i].key, rng);
    fill(r.metadata[i].value, rng);
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_frame_writer)

BOOST_AUTO_TEST_CASE(random_alerts_read_back_as_the_builder_encodes_them) {
  std::mt19937_64 rng(20261126);
  std::vector<std::uint8_t> out(alert_frame::kMaxBytes);
  for (int i = 0; i < 2000; ++i) {
    const AlertRecord r = random_alert(rng);
    const std::uint64_t seq = rng(), sent = rng();
    const std::size_t size = write_alert_frame(r, seq, sent, out.data());
    check_same(out.data(), size, oracle_frame(r, seq, sent));
  }
}

BOOST_AUTO_TEST_CASE(largest_alert_fits_the_bound_exactly_computed) {
  const AlertRecord r = largest_alert();
  // Guard bytes after the bound: the writer must never touch them.
  std::vector<std::uint8_t> out(alert_frame::kMaxBytes + 64, 0xA5);
  const std::size_t size = write_alert_frame(r, 1, 2, out.data());
  check_same(out.data(), size, oracle_frame(r, 1, 2));
  for (std::size_t i = alert_frame::kMaxBytes; i < out.size(); ++i) BOOST_TEST_REQUIRE(out[i] == 0xA5);
  // The bound is tight: within a word or two of the real worst case.
  BOOST_TEST(alert_frame::kMaxBytes - size <= 64u);
}

BOOST_AUTO_TEST_CASE(smallest_alert_has_no_optional_fields) {
  AlertRecord r;  // empty required strings are still present, as the builder writes them
  std::vector<std::uint8_t> out(alert_frame::kMaxBytes);
  const std::size_t size = write_alert_frame(r, 9, 0, out.data());
  check_same(out.data(), size, oracle_frame(r, 9, 0));
  const auto* e = link::verify_prefixed_frame(out.data(), size).frame->payload_as_AlertEvent();
  BOOST_TEST(!e->title());
  BOOST_TEST(!e->action());
  BOOST_TEST(!e->metadata());
  BOOST_TEST(!e->group_id());
  BOOST_TEST(e->key()->size() == 0u);
}

BOOST_AUTO_TEST_CASE(an_action_without_parameters_has_no_parameter_vector) {
  AlertRecord r = largest_alert();
  r.action_param_count = 0;
  std::vector<std::uint8_t> out(alert_frame::kMaxBytes);
  const std::size_t size = write_alert_frame(r, 1, 1, out.data());
  check_same(out.data(), size, oracle_frame(r, 1, 1));
  BOOST_TEST(!link::verify_prefixed_frame(out.data(), size).frame->payload_as_AlertEvent()->action()->parameters());
}

BOOST_AUTO_TEST_CASE(every_damaged_byte_is_caught_or_harmless) {
  // Flip each byte of a frame in turn: the Verifier either rejects the frame
  // or it reads back without running out of the buffer (ASan watches).
  const AlertRecord r = largest_alert();
  std::vector<std::uint8_t> good(alert_frame::kMaxBytes);
  good.resize(write_alert_frame(r, 3, 4, good.data()));
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::vector<std::uint8_t> bad = good;
    bad[i] ^= 0xFF;
    const auto d = link::verify_prefixed_frame(bad.data(), bad.size());
    if (d.status != link::FrameStatus::Ok) {
      ++rejected;
      continue;
    }
    if (const auto* e = d.frame->payload_as_AlertEvent()) (void)sv(e->key()).size();
  }
  BOOST_TEST(rejected > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
