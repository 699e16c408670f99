#include "encoding_figures.hpp"

#include "delivery/delivery_limits.hpp"
#include "protocol/alert_json.hpp"
#include "protocol/flatbuffers_encoding.hpp"
#include "protocol/lz4_frame.hpp"

#include <boost/beast/zlib/deflate_stream.hpp>

#include <string>
#include <vector>

namespace rover_alerts::bench {

namespace {

constexpr std::size_t kBatch = 100;

// Alerts shaped like rover-sim's scenario: a title, a message, two metadata
// pairs, an action on some; distinct ids and keys as a rover sends them.
relay::Alert alert(std::size_t i) {
  relay::Alert a;
  a.id = "rover-1-3f2a9c0d11e0b7a4-" + std::to_string(1000 + i);
  a.key = "power/battery-low-" + std::to_string(i);
  a.rover = "rover-1";
  a.source = i % 3 == 0 ? "power-management" : i % 3 == 1 ? "navigation" : "thermal";
  a.priority = static_cast<relay::Priority>(1 + i % 4);
  a.title = "Battery Low";
  a.message = "Battery at " + std::to_string(10 + i % 80) + "%: return to base recommended";
  a.metadata = {{"stateOfChargePercent", std::to_string(10 + i % 80)}, {"cell", std::to_string(i % 6)}};
  if (i % 2 == 0) a.action = relay::AlertAction{"Return to Base", "navigation.return_to_base", {{"reason", "low_battery"}}};
  a.first_seen_ms = a.last_seen_ms = a.timestamp_ms = 1'764'107'001'234 + i;
  a.rev = a.created_rev = 1 + i;
  return a;
}

// Raw deflate of one message as permessage-deflate sends it (sync flush).
std::size_t deflated_size(const std::string& text, const relay::DeflateLimits& limits) {
  namespace zlib = boost::beast::zlib;
  zlib::deflate_stream stream;
  stream.reset(limits.compression_level, limits.server_max_window_bits, limits.memory_level, zlib::Strategy::normal);
  std::string out(text.size() + 1024, '\0');
  zlib::z_params params;
  params.next_in = text.data();
  params.avail_in = text.size();
  params.next_out = out.data();
  params.avail_out = out.size();
  boost::system::error_code ec;
  stream.write(params, zlib::Flush::sync, ec);
  // The 4-byte empty block that ends a sync flush is not sent (RFC 7692).
  return params.total_out >= 4 ? params.total_out - 4 : params.total_out;
}

}  // namespace

void put_encoding_figures(boost::json::object& out) {
  std::vector<std::string> jsons;
  std::vector<std::string> blobs;
  for (std::size_t i = 0; i < kBatch; ++i) {
    const relay::Alert a = alert(i);
    jsons.push_back(relay::encode_change_json(relay::ChangeType::New, a));
    blobs.push_back(relay::encode_change_flatbuffer(relay::ChangeType::New, a));
  }
  const std::vector<std::string_view> json_views(jsons.begin(), jsons.end());
  const std::vector<std::string_view> blob_views(blobs.begin(), blobs.end());
  const std::string batch = relay::alert_batch_message(1, json_views);
  const std::size_t lz4 = relay::lz4_frame(batch).size();
  const std::size_t deflate = deflated_size(batch, relay::DeflateLimits{});
  const std::size_t flatbuffers = relay::flatbuffers_batch_frame(1, blob_views).size();
  const auto per = [](std::size_t bytes) { return static_cast<double>(bytes) / kBatch; };
  const auto reduction = [&](std::size_t bytes) {
    return 1.0 - static_cast<double>(bytes) / static_cast<double>(batch.size());
  };
  out["encoding_batch_changes"] = kBatch;
  out["bytes_per_delivery_json"] = per(batch.size());
  out["bytes_per_delivery_lz4"] = per(lz4);
  out["bytes_per_delivery_deflate"] = per(deflate);
  out["bytes_per_delivery_flatbuffers"] = per(flatbuffers);
  out["lz4_ratio"] = reduction(lz4);
  out["deflate_ratio"] = reduction(deflate);
}

}  // namespace rover_alerts::bench
