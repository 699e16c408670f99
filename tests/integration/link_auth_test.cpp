// Rover authentication against the real relay process: a stranger without a
// rover's key can neither get in nor change anything, a recorded session
// cannot be replayed, a tampered segment is refused, a stranger cannot push
// the real rover's link aside, rotation by SIGHUP keeps open sessions, and
// the rovers file and --insecure-links behave as documented. Every refusal
// is counted (link_auth_failures_total{reason}) while a bystander rover
// stays served.

#include "link_client.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace wire = rover_alerts::link;
using namespace rover_alerts::testing;

namespace {

std::vector<std::uint8_t> event(std::uint64_t seq, const std::string& key, wire::Priority priority = wire::Priority::Critical,
                                wire::EventKind kind = wire::EventKind::Raise) {
  flatbuffers::FlatBufferBuilder b(256);
  const auto e = wire::CreateAlertEventDirect(b, kind, key.c_str(), priority, "probe", nullptr, "a message");
  return finish_link_frame(b, seq, wire::Payload::AlertEvent, e.Union());
}

std::uint64_t auth_failures(const Endpoint& http, const std::string& reason) {
  return metric(http, "link_auth_failures_total{reason=\"" + reason + "\"}");
}

// What the relay holds: alert count, from an admin's sync.
std::size_t alerts_held(const Endpoint& http) {
  WsProbe admin(http);
  admin.auth("demo-admin-token");
  admin.send_text(R"({"type":"alert_sync","reqId":"s","sinceRev":0})");
  return parse_object(admin.read()).at("result").at("alerts").as_array().size();
}

std::string random_key_hex() {
  wire::LinkKey key{};
  BOOST_REQUIRE(wire::fill_random(key));
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (auto b : key) hex += {digits[b >> 4], digits[b & 15]};
  return hex;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_auth)

BOOST_AUTO_TEST_CASE(a_rover_with_its_key_is_admitted_and_its_alerts_applied) {
  RelayUnderTest relay;
  LinkClient rover(relay.link());
  BOOST_REQUIRE(rover.authenticate("rover-auth"));
  rover.send(event(1, "probe/one"));
  BOOST_TEST(rover.acked(1));
  BOOST_TEST(metric(relay.http(), "link_authenticated_total") == 1u);
  BOOST_TEST(alerts_held(relay.http()) == 1u);
}

// The issue's attacks, without the key: a Hello with no nonce for a real
// rover, a wrong proof, a rover id the relay does not know. Each is closed
// before the relay touches any state: no alert, no per-rover stats.
BOOST_AUTO_TEST_CASE(a_stranger_without_the_key_is_refused_and_changes_nothing) {
  RelayUnderTest relay;
  {
    LinkClient stranger(relay.link());
    stranger.send(hello_frame("rover-auth", 1000));
    stranger.send(event(std::uint64_t{1} << 62, "safety/estop"));  // sequence poisoning
    BOOST_TEST(stranger.closed_by_peer());
  }
  BOOST_TEST(auth_failures(relay.http(), "unauthenticated") == 1u);
  {
    LinkClient guesser(relay.link());
    BOOST_TEST(!guesser.authenticate("rover-auth", random_key_hex()));
  }
  BOOST_TEST(auth_failures(relay.http(), "bad_proof") == 1u);
  {
    LinkClient stranger(relay.link());
    BOOST_TEST(!stranger.authenticate("rover-invented"));
  }
  BOOST_TEST(auth_failures(relay.http(), "unknown_rover") == 1u);
  // Nothing of theirs was kept: no alert, no stats for either rover id.
  BOOST_TEST(alerts_held(relay.http()) == 0u);
  const auto metrics = metrics_request(relay.http()).body;
  BOOST_TEST(metrics.find("rover=\"rover-auth\"") == std::string::npos);
  BOOST_TEST(metrics.find("rover-invented") == std::string::npos);
  // The real rover's alerts all arrive: none was taken for a duplicate.
  BOOST_TEST(run_rover_sim(relay.link(), "rover-auth", 20));
  BOOST_TEST(metric(relay.http(), "rover_events_applied_total{rover=\"rover-auth\"}") >= 1u);
}

// Another rover's key does not open this rover's link (keys are per rover).
BOOST_AUTO_TEST_CASE(one_rovers_key_does_not_authenticate_another) {
  RelayUnderTest relay;
  LinkClient impostor(relay.link());
  BOOST_TEST(!impostor.authenticate(std::string(kOtherKeyRover), kFleetKeyHex));
  BOOST_TEST(auth_failures(relay.http(), "bad_proof") == 1u);
  BOOST_TEST(run_rover_sim(relay.link(), std::string(kOtherKeyRover), 1,
                           {"--key-file", TestFleet::get().other_key_file().string()}));
}

// A session recorded off the wire and sent again later, byte for byte: the
// relay's new challenge makes the recorded proof worthless.
BOOST_AUTO_TEST_CASE(a_recorded_session_replayed_later_is_refused) {
  RelayUnderTest relay;
  std::vector<std::uint8_t> recording;
  {
    LinkClient rover(relay.link());
    BOOST_REQUIRE(rover.authenticate("rover-replayed"));
    rover.send(event(1, "probe/once", wire::Priority::Low));
    BOOST_REQUIRE(rover.acked(1));
    recording = rover.sent();
  }
  const auto applied = metric(relay.http(), "rover_events_applied_total{rover=\"rover-replayed\"}");
  LinkClient replay(relay.link());
  replay.send_raw(recording);
  BOOST_TEST(replay.closed_by_peer());
  BOOST_TEST(auth_failures(relay.http(), "bad_proof") == 1u);
  BOOST_TEST(metric(relay.http(), "rover_events_applied_total{rover=\"rover-replayed\"}") == applied);
}

// One flipped bit in a sealed segment, or a segment dropped from the stream:
// the tag fails, nothing in it is applied, the link closes.
BOOST_AUTO_TEST_CASE(a_tampered_or_dropped_segment_is_refused) {
  RelayUnderTest relay;
  {
    LinkClient rover(relay.link());
    BOOST_REQUIRE(rover.authenticate("rover-auth"));
    const auto before = rover.sent().size();
    rover.send(event(1, "probe/tampered"));
    auto segment = std::vector<std::uint8_t>(rover.sent().begin() + static_cast<std::ptrdiff_t>(before), rover.sent().end());
    BOOST_REQUIRE(rover.acked(1));
    // The same segment again: its counter is behind, as a replayed segment's is.
    rover.send_raw(segment);
    BOOST_TEST(rover.closed_by_peer());
  }
  BOOST_TEST(auth_failures(relay.http(), "bad_seal") == 1u);
  {
    LinkClient rover(relay.link());
    BOOST_REQUIRE(rover.authenticate("rover-auth"));
    auto frames = event(2, "probe/flipped");
    std::vector<std::uint8_t> segment(wire::kSealHeaderBytes);
    wire::write_seal_header(segment.data(), static_cast<std::uint32_t>(frames.size()));
    segment.insert(segment.end(), frames.begin(), frames.end());
    segment.resize(segment.size() + wire::kSealTagBytes);  // a tag of zeros
    rover.send_raw(segment);
    BOOST_TEST(rover.closed_by_peer());
  }
  BOOST_TEST(auth_failures(relay.http(), "bad_seal") == 2u);
  BOOST_TEST(alerts_held(relay.http()) == 1u);  // only the first, authentic event
}

// A stranger's Hello for a connected rover does not close the rover's link:
// only an authenticated connection takes over.
BOOST_AUTO_TEST_CASE(a_stranger_cannot_push_the_real_rovers_link_aside) {
  RelayUnderTest relay;
  LinkClient rover(relay.link());
  BOOST_REQUIRE(rover.authenticate("rover-auth"));
  {
    LinkClient stranger(relay.link());
    BOOST_TEST(!stranger.authenticate("rover-auth", random_key_hex()));
  }
  rover.send(event(1, "probe/still-here"));
  BOOST_TEST(rover.acked(1));
  BOOST_TEST(metric(relay.http(), "rover_link_connected{rover=\"rover-auth\"}") == 1u);
  // The rover itself reconnecting does take over.
  LinkClient again(relay.link());
  BOOST_REQUIRE(again.authenticate("rover-auth"));
  BOOST_TEST(rover.closed_by_peer());
}

// SIGHUP rereads the rovers and tokens files: the new key and token work,
// the old ones no longer do, and sessions opened with the old ones go on
// undisturbed. A file that fails to load keeps what the relay has.
BOOST_AUTO_TEST_CASE(keys_and_tokens_rotate_on_sighup_without_dropping_sessions) {
  TempDir dir("rotate");
  const auto rovers = dir.path / "rovers";
  const auto tokens = dir.path / "tokens";
  const std::string old_key = random_key_hex();
  const std::string new_key = random_key_hex();
  write_owner_only(rovers, "rover-rotated " + old_key + "\nrover-bystander " + std::string(kFleetKeyHex) + "\n");
  // The viewer token is what the test's /metrics reads use.
  write_owner_only(tokens, "admin ada old-admin-token-0123456789\nviewer vera demo-viewer-token\n");
  RelayUnderTest relay({"--rovers", rovers.string(), "--tokens", tokens.string()});
  LinkClient open_link(relay.link());
  BOOST_REQUIRE(open_link.authenticate("rover-rotated", old_key));
  WsProbe open_client(relay.http());
  open_client.auth("old-admin-token-0123456789");

  write_owner_only(rovers, "rover-rotated " + new_key + "\nrover-bystander " + std::string(kFleetKeyHex) + "\n");
  write_owner_only(tokens, "admin ada new-admin-token-0123456789\nviewer vera demo-viewer-token\n");
  relay.signal(SIGHUP);
  const auto reloads = [&](const std::string& result) {
    return metric(relay.http(), "relay_reloads_total{result=\"" + result + "\"}");
  };
  for (int i = 0; i < 100 && reloads("ok") == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  BOOST_REQUIRE(reloads("ok") == 1u);
  // Sessions opened before the reload are served as before.
  open_link.send(event(1, "probe/across-the-reload"));
  BOOST_TEST(open_link.acked(1));
  open_client.send_text(R"({"type":"get_stats","reqId":"s"})");
  BOOST_TEST(parse_object(open_client.read()).at("ok").as_bool());
  // New ones need the new secrets.
  {
    LinkClient with_old(relay.link());
    BOOST_TEST(!with_old.authenticate("rover-rotated", old_key));
  }
  {
    WsProbe old_token(relay.http());
    old_token.send_text(R"({"type":"auth","reqId":"a","token":"old-admin-token-0123456789"})");
    BOOST_TEST(error_code_of(parse_object(old_token.read())) == "UNAUTHENTICATED");
  }
  WsProbe new_token(relay.http());
  new_token.auth("new-admin-token-0123456789");
  LinkClient with_new(relay.link());
  BOOST_TEST(with_new.authenticate("rover-rotated", new_key, 0, kTestBoot + 1));
  with_new.send(event(1, "probe/after-rotation"));
  BOOST_TEST(with_new.acked(1));
  BOOST_TEST(open_link.closed_by_peer());  // the rover's new connection took over

  // A broken file (open to others) is refused; the relay keeps the new key.
  std::filesystem::permissions(rovers, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  relay.signal(SIGHUP);
  for (int i = 0; i < 100 && reloads("failed") == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  BOOST_TEST(reloads("failed") == 1u);
  LinkClient still_new(relay.link());
  BOOST_TEST(still_new.authenticate("rover-rotated", new_key, 0, kTestBoot + 2));
  BOOST_TEST(run_rover_sim(relay.link(), "rover-bystander"));
}

BOOST_AUTO_TEST_CASE(a_rovers_file_open_to_others_or_malformed_stops_the_relay_at_start) {
  TempDir dir("rovers-file");
  const auto rovers = dir.path / "rovers";
  const auto starts = [&](const std::string& text, std::filesystem::perms perms) {
    { std::ofstream(rovers, std::ios::trunc) << text; }
    std::filesystem::permissions(rovers, perms);
    ChildProcess relay({ALERT_RELAY_PATH, "--listen", "127.0.0.1:0", "--link-listen", "127.0.0.1:0", "--data",
                        (dir.path / "data").string(), "--tokens", DEMO_TOKENS_PATH, "--rovers", rovers.string()});
    BOOST_REQUIRE(relay.started());
    const auto line = relay.read_line(10000);
    const bool listening = line && line->rfind("listening", 0) == 0;
    if (listening) relay.terminate();
    else BOOST_TEST(relay.wait_exit(10000) == 1);
    return listening;
  };
  namespace fs = std::filesystem;
  const auto owner = fs::perms::owner_read | fs::perms::owner_write;
  const std::string good = "rover-1 " + std::string(kFleetKeyHex) + "\n";
  BOOST_TEST(starts(good, owner));
  BOOST_TEST(!starts(good, owner | fs::perms::group_read));
  BOOST_TEST(!starts(good, owner | fs::perms::others_read));
  BOOST_TEST(!starts("rover-1 abcd\n", owner));                       // short key
  BOOST_TEST(!starts(good + good, owner));                             // a rover twice
  BOOST_TEST(!starts("rover 1 " + std::string(kFleetKeyHex) + "\n", owner));  // three fields
}

// Without --rovers every rover is refused (counted); --insecure-links lets
// rovers that are not configured in unauthenticated, never a configured one.
BOOST_AUTO_TEST_CASE(without_rovers_links_are_refused_unless_insecure_links) {
  {
    RelayUnderTest relay({}, false);
    BOOST_TEST(!run_rover_sim(relay.link(), "rover-1", 1, {"--drain-timeout-ms", "1500"}));
    BOOST_TEST(auth_failures(relay.http(), "unknown_rover") >= 1u);
    BOOST_TEST(alerts_held(relay.http()) == 0u);
  }
  {
    RelayUnderTest relay({"--insecure-links"}, false);
    BOOST_TEST(run_rover_sim(relay.link(), "rover-1", 1, {}));
  }
  {
    RelayUnderTest relay({"--insecure-links"});
    BOOST_TEST(run_rover_sim(relay.link(), "rover-unlisted", 1, {}));  // not configured: may go plain
    LinkClient impostor(relay.link());
    impostor.send(hello_frame("rover-auth", 0));  // configured: must authenticate
    BOOST_TEST(impostor.closed_by_peer());
    BOOST_TEST(auth_failures(relay.http(), "unauthenticated") == 1u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
