// libFuzzer target: the JSON request decoder of the client protocol (size,
// depth and UTF-8 checks, envelope, auth, alert_subscribe and the alert
// requests). Besides crashes and sanitizer reports it checks what the relay
// relies on: every refusal has a message, and that message, which the relay
// sends back inside JSON, is valid UTF-8 even when it echoes client input.

#include "protocol/request_decoder.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

const rover_alerts::relay::RequestDecoder& decoder() {
  static const rover_alerts::relay::RequestDecoder instance = [] {
    rover_alerts::relay::DecoderLimits limits;
    limits.max_message_bytes = 16 * 1024;  // small enough for the fuzzer's inputs to hit it
    return rover_alerts::relay::RequestDecoder(limits);
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = decoder().decode(text);
  if (!result.request) {
    if (result.error.message.empty()) std::abort();
    // Serialised and parsed back: fails if the message is not valid UTF-8.
    const std::string encoded = boost::json::serialize(boost::json::string(result.error.message));
    boost::system::error_code ec;
    boost::json::parse(encoded, ec);
    if (ec) std::abort();
    const auto& id = result.error.req_id;
    if (!id.is_null() && !id.is_string() && !id.is_int64() && !id.is_uint64()) std::abort();
  }
  return 0;
}
