// libFuzzer target: the rover link's frame decoder. Any bytes go through
// wire::verify_prefixed_frame() exactly as a LinkSession buffers them; every
// frame that passes is then read field by field, as the relay would, so that
// the sanitizers see any read the Verifier failed to make safe. An Lz4Batch is
// decompressed under its bound and each inner frame verified and read the
// same way (rover_alerts/lz4_batch.hpp, as LinkSession does).

#include "link/rover_event_reader.hpp"
#include "link/utf8_repair.hpp"

#include <rover_alerts/link_framing.hpp>
#include <rover_alerts/lz4_batch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace wire = rover_alerts::link;

namespace {

volatile std::size_t g_sink;  // keeps the reads from being optimised away

void touch(const flatbuffers::String* s) {
  if (s != nullptr) g_sink = g_sink + s->string_view().size() + (s->size() ? static_cast<unsigned char>(s->str()[0]) : 0);
}

void read_all(const wire::Frame& frame);

void read_batch(const wire::Lz4Batch& batch) {
  // Exactly the bound, on the heap: a write past it is an overflow ASan reports.
  std::vector<std::uint64_t> raw(wire::kMaxLz4BatchRawBytes / sizeof(std::uint64_t));
  auto* bytes = reinterpret_cast<std::uint8_t*>(raw.data());
  std::size_t raw_size = 0;
  if (wire::decompress_batch(batch, bytes, raw.size() * sizeof(std::uint64_t), raw_size) != wire::BatchStatus::Ok)
    return;
  if (raw_size == 0 || raw_size > wire::kMaxLz4BatchRawBytes) std::abort();
  wire::for_each_inner_frame(bytes, raw_size, wire::kMaxFrameBytes, [](const wire::Frame& inner) {
    if (inner.payload_type() == wire::Payload::Lz4Batch) std::abort();  // nesting is refused before this
    read_all(inner);
    return true;
  });
}

void read_all(const wire::Frame& frame) {
  g_sink = g_sink + frame.seq() + frame.sent_at_ms();
  switch (frame.payload_type()) {
    case wire::Payload::Hello: {
      const auto* hello = frame.payload_as_Hello();
      touch(hello->rover_id());
      g_sink = g_sink + hello->protocol_version() + hello->boot_id() + hello->oldest_held_seq() + hello->latest_seq() +
               hello->lz4();
      break;
    }
    case wire::Payload::HelloReply: {
      const auto* reply = frame.payload_as_HelloReply();
      g_sink = g_sink + reply->protocol_version() + reply->boot_id() + reply->acked_seq() + reply->lz4();
      break;
    }
    case wire::Payload::AlertEvent: {
      static const rover_alerts::relay::LinkLimits limits;
      rover_alerts::relay::FieldRepairs repairs;
      const auto event = rover_alerts::relay::read_rover_event(*frame.payload_as_AlertEvent(), limits, repairs);
      // Whatever came in, what goes on is valid UTF-8 within its limits.
      for (const std::string* text : {&event.key, &event.source, &event.title, &event.message, &event.group_id})
        if (rover_alerts::relay::repair_utf8(*text, SIZE_MAX).replaced) __builtin_trap();
      if (event.message.size() > limits.fields.max_message_bytes) __builtin_trap();
      g_sink = g_sink + event.key.size() + event.source.size() + event.title.size() + event.message.size() +
               event.metadata.size() + event.group_id.size() + event.occurrences + event.expires_at_ms;
      if (event.action) g_sink = g_sink + event.action->label.size() + event.action->parameters.size();
      g_sink = g_sink + frame.payload_as_AlertEvent()->truncated();
      break;
    }
    case wire::Payload::Heartbeat: {
      const auto* beat = frame.payload_as_Heartbeat();
      if (const auto* lost = beat->lost_by_priority())
        for (flatbuffers::uoffset_t i = 0; i < lost->size(); ++i) g_sink = g_sink + lost->Get(i);
      g_sink = g_sink + beat->latest_seq() + beat->truncated_fields() + beat->ring_gap_frames() + beat->uptime_ms();
      break;
    }
    case wire::Payload::LinkAck: {
      const auto* ack = frame.payload_as_LinkAck();
      g_sink = g_sink + ack->boot_id() + ack->acked_seq();
      break;
    }
    case wire::Payload::OperatorAck: {
      const auto* ack = frame.payload_as_OperatorAck();
      touch(ack->key());
      touch(ack->alert_id());
      touch(ack->acknowledged_by());
      g_sink = g_sink + ack->acknowledged_at_ms();
      break;
    }
    case wire::Payload::Lz4Batch: {
      const auto* batch = frame.payload_as_Lz4Batch();
      const auto* data = batch->data();
      g_sink = g_sink + batch->raw_size() + data->size() + (data->size() ? data->Get(data->size() - 1) : 0);
      read_batch(*batch);
      break;
    }
    default:
      break;  // NONE or a payload type from a newer schema: the relay rejects it unread
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Heap storage (8-byte aligned), exactly the bytes received: a read past
  // the end is a heap overflow ASan reports.
  std::vector<std::uint8_t> buffer(data, data + size);
  const auto decoded = wire::verify_prefixed_frame(buffer.data(), buffer.size());
  if (decoded.status == wire::FrameStatus::Ok) {
    if (decoded.frame == nullptr) std::abort();
    read_all(*decoded.frame);
  } else if (decoded.frame != nullptr) {
    std::abort();
  }
  return 0;
}
