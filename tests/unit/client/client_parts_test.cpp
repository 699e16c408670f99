// The client's small parts: reconnect backoff, relay URLs, binary frames.
#include "reconnect_backoff.hpp"
#include "relay_url.hpp"

#include <rover_alerts/ground/frame_decoding.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <lz4frame.h>

using namespace rover_alerts::ground;
using namespace std::chrono_literals;

namespace {

std::string lz4_compress(const std::string& text) {
  std::string out(LZ4F_compressFrameBound(text.size(), nullptr), '\0');
  const std::size_t n = LZ4F_compressFrame(out.data(), out.size(), text.data(), text.size(), nullptr);
  BOOST_REQUIRE(!LZ4F_isError(n));
  out.resize(n);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_parts)

BOOST_AUTO_TEST_CASE(reconnect_delays_double_up_to_the_ceiling_with_jitter_in_the_upper_half) {
  for (std::uint64_t random : {0ull, 1ull, 499ull, 500ull, 123456789ull, ~0ull}) {
    BOOST_TEST_CONTEXT("random " << random) {
      const auto first = reconnect_delay(1, 1000ms, 30000ms, random);
      BOOST_TEST((first >= 500ms && first <= 1000ms));
      const auto third = reconnect_delay(3, 1000ms, 30000ms, random);
      BOOST_TEST((third >= 2000ms && third <= 4000ms));
      const auto late = reconnect_delay(40, 1000ms, 30000ms, random);
      BOOST_TEST((late >= 15000ms && late <= 30000ms));
    }
  }
  BOOST_TEST((reconnect_delay(1, 1000ms, 30000ms, 0) == 500ms));
  BOOST_TEST((reconnect_delay(1, 1000ms, 30000ms, 500) == 1000ms));
}

BOOST_AUTO_TEST_CASE(relay_urls_parse_and_bad_ones_are_refused) {
  auto u = RelayUrl::parse("ws://127.0.0.1:8000/ws");
  BOOST_REQUIRE(u);
  BOOST_TEST(!u->tls);
  BOOST_TEST(u->host == "127.0.0.1");
  BOOST_TEST(u->port == "8000");
  BOOST_TEST(u->target == "/ws");
  u = RelayUrl::parse("wss://relay.example");
  BOOST_REQUIRE(u);
  BOOST_TEST(u->tls);
  BOOST_TEST(u->port == "443");
  BOOST_TEST(u->target == "/");
  u = RelayUrl::parse("ws://[::1]:9000");
  BOOST_REQUIRE(u);
  BOOST_TEST(u->host == "::1");
  BOOST_TEST(u->port == "9000");
  for (const char* bad : {"http://x", "ws://", "ws://:80", "ws://host:port", "ws://host:123456", "ws://[::1"})
    BOOST_TEST(!RelayUrl::parse(bad), bad);
}

BOOST_AUTO_TEST_CASE(an_lz4_batch_decodes_to_its_json) {
  const std::string batch = R"({"type":"alert_batch","batchId":"3","data":[]})";
  std::string error;
  const auto message = decode_binary_message(lz4_compress(batch), error);
  BOOST_REQUIRE_MESSAGE(message, error);
  BOOST_TEST(message->at("batchId").as_string() == "3");
}

BOOST_AUTO_TEST_CASE(bad_binary_frames_are_refused_with_a_reason) {
  std::string error;
  std::string frame = lz4_compress(std::string(4000, 'x'));
  BOOST_TEST(!lz4_frame_decode(frame, 3999));                        // past the size limit
  BOOST_TEST(lz4_frame_decode(frame, 4000).value_or("") == std::string(4000, 'x'));
  BOOST_TEST(!lz4_frame_decode(frame.substr(0, frame.size() - 3)));  // truncated
  BOOST_TEST(!lz4_frame_decode(frame + "zz"));                       // trailing bytes
  frame[frame.size() / 2] ^= 0x55;
  BOOST_TEST(!decode_binary_message(frame, error));
  BOOST_TEST(!decode_binary_message("garbage bytes", error));
  BOOST_TEST(!error.empty());
  BOOST_TEST(!decode_binary_message(lz4_compress("not json"), error));
  // RVCL at 4..8 but not a valid FlatBuffer.
  BOOST_TEST(!decode_binary_message(std::string("\x08\0\0\0RVCL\xff\xff\xff\xff", 12), error));
}

BOOST_AUTO_TEST_SUITE_END()
