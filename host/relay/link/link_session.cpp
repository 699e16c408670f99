#include "link/link_session.hpp"

#include "link/rover_event_reader.hpp"
#include "log.hpp"
#include "unix_time.hpp"

#include <rover_alerts/lz4_batch.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cassert>
#include <chrono>

namespace rover_alerts::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

constexpr std::uint16_t kProtocolVersion = 1;
constexpr std::chrono::seconds kWriteTimeout{30};

std::string_view reason_label(link::FrameStatus status) {
  switch (status) {
    case link::FrameStatus::Ok: return "ok";
    case link::FrameStatus::Empty: return "empty";
    case link::FrameStatus::TooLarge: return "too_large";
    case link::FrameStatus::Truncated: return "truncated";
    case link::FrameStatus::BadIdentifier: return "bad_identifier";
    case link::FrameStatus::Invalid: return "invalid";
    case link::FrameStatus::Unauthentic: return "bad_seal";
  }
  return "invalid";
}

template <class Payload>
flatbuffers::DetachedBuffer finish_frame(flatbuffers::FlatBufferBuilder& builder, link::Payload type,
                                         flatbuffers::Offset<Payload> payload) {
  const auto frame = link::CreateFrame(builder, 0, unix_ms_now(), type, payload.Union());
  builder.FinishSizePrefixed(frame, link::FrameIdentifier());
  return builder.Release();
}

}  // namespace

LinkSession::LinkSession(asio::ip::tcp::socket socket, LinkContext& context)
    : stream_(std::move(socket)),
      context_(context),
      frame_quota_(context.limits.rover_frames_per_s, context.limits.rover_frame_burst, TokenBucket::Clock::now()),
      byte_quota_(context.limits.rover_bytes_per_s, context.limits.rover_byte_burst, TokenBucket::Clock::now()),
      quota_timer_(stream_.get_executor()) {
  error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? std::string("unknown peer") : remote.address().to_string() + ":" + std::to_string(remote.port());
}

LinkSession::~LinkSession() {
  context_.sessions.remove(this);
  context_.stats.read_buffers_changed(-static_cast<std::int64_t>(accounted_bytes_));
  if (!peer_address_.empty()) {
    const auto it = context_.connections_by_address.find(peer_address_);
    if (it != context_.connections_by_address.end() && --it->second == 0) context_.connections_by_address.erase(it);
  }
  if (admitted()) {
    const auto it = context_.by_rover.find(rover_id_);
    // Only forget the rover if no newer connection took over.
    if (it != context_.by_rover.end() && it->second.expired()) {
      context_.by_rover.erase(it);
      context_.stats.on_disconnected(rover_id_);
    }
  }
}

void LinkSession::start() {
  // Caps first: a refused connection touches no other state.
  const auto refuse = [this](std::string_view cap) {
    context_.counters.increment(Counters::series("link_connections_refused_total", "reason", cap));
    log::warn("link: refused connection from ", peer_, ": ", cap);
    closed_ = true;
    error_code ignored;
    stream_.socket().close(ignored);
  };
  if (context_.sessions.size() >= context_.limits.max_connections) return refuse("total_cap");
  error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  const std::string address = ec ? std::string() : remote.address().to_string();
  if (context_.connections_by_address[address] >= context_.limits.max_connections_per_address)
    return refuse("address_cap");
  peer_address_ = address;
  ++context_.connections_by_address[address];
  context_.sessions.add(shared_from_this());
  log::info("link: connection from ", peer_);
  read_prefix();
}

void LinkSession::close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  quota_timer_.cancel();
  log::info("link: closing ", peer_, admitted() ? " rover " + rover_id_ : std::string(), ": ", reason);
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void LinkSession::read_prefix() {
  // Sealed: the segment header; the payload after it stays 8-byte aligned.
  frame_.resize(inbound_seal_.active() ? link::kSealHeaderBytes : link::kPrefixBytes);
  // Until the rover is admitted, the (short) hello deadline covers the handshake.
  stream_.expires_after(admitted() ? std::chrono::duration_cast<std::chrono::nanoseconds>(context_.limits.idle_timeout)
                                        : std::chrono::duration_cast<std::chrono::nanoseconds>(context_.limits.hello_timeout));
  asio::async_read(stream_, asio::buffer(frame_),
                   beast::bind_front_handler(&LinkSession::on_prefix, shared_from_this()));
}

void LinkSession::on_prefix(const error_code& ec, std::size_t) {
  if (ec) return on_read_error(ec, false);
  if (inbound_seal_.active()) {
    std::uint32_t payload = 0;
    if (const auto status = link::read_seal_header(frame_.data(), payload); status != link::SealHeaderStatus::Ok)
      return refuse_auth("bad_seal", link::to_string(status));
    body_length_ = payload + link::kSealTagBytes;
    return read_body();
  }
  const std::uint32_t length = link::read_length_prefix(frame_.data());
  if (const auto status = link::check_length(length, context_.limits.max_frame_bytes);
      status != link::FrameStatus::Ok)
    return reject(reason_label(status), link::to_string(status));
  body_length_ = length;
  read_body();
}

void LinkSession::read_body() {
  // Within capacity after the first large frame: no allocation per frame.
  const std::size_t have = frame_.size() - header_bytes();
  const std::size_t piece = std::min(body_length_ - have, std::max<std::size_t>(1, context_.limits.read_chunk_bytes));
  frame_.resize(frame_.size() + piece);
  account_buffers();
  asio::async_read(stream_, asio::buffer(frame_.data() + frame_.size() - piece, piece),
                   beast::bind_front_handler(&LinkSession::on_body, shared_from_this()));
}

std::size_t LinkSession::header_bytes() const {
  return inbound_seal_.active() ? link::kSealHeaderBytes : link::kPrefixBytes;
}

void LinkSession::account_buffers() {
  const std::size_t now = frame_.capacity() + batch_raw_.capacity() * sizeof(std::uint64_t);
  context_.stats.read_buffers_changed(static_cast<std::int64_t>(now) - static_cast<std::int64_t>(accounted_bytes_));
  accounted_bytes_ = now;
}

void LinkSession::on_body(const error_code& ec, std::size_t) {
  if (ec) return on_read_error(ec, true);
  if (frame_.size() - header_bytes() < body_length_) return read_body();
  if (inbound_seal_.active()) return on_segment();
  const auto decoded = link::verify_prefixed_frame(frame_.data(), frame_.size(), context_.limits.max_frame_bytes);
  if (decoded.status != link::FrameStatus::Ok)
    return reject(reason_label(decoded.status), link::to_string(decoded.status));
  byte_quota_.take(static_cast<double>(frame_.size()));
  handle_frame(*decoded.frame);
  if (!closed_) read_next();
}

void LinkSession::on_segment() {
  const std::span<const std::uint8_t> bytes(frame_);
  const auto payload = bytes.subspan(link::kSealHeaderBytes, body_length_ - link::kSealTagBytes);
  if (!inbound_seal_.open(bytes.first(link::kSealHeaderBytes), payload, bytes.last(link::kSealTagBytes)))
    return refuse_auth("bad_seal", "a sealed segment's tag does not match");
  byte_quota_.take(static_cast<double>(frame_.size()));
  const auto status = link::for_each_prefixed_frame(payload.data(), payload.size(), context_.limits.max_frame_bytes,
                                                    [&](const link::Frame& frame) {
                                                      handle_frame(frame);
                                                      return !closed_;
                                                    });
  if (closed_) return;
  if (status != link::FrameStatus::Ok) return reject(reason_label(status), link::to_string(status));
  read_next();
}

void LinkSession::read_next() {
  // Bounded journal backlog: stop reading until a commit (on_durable) brings
  // it down. The rover's frames wait in its socket and replay ring.
  if (context_.journal != nullptr && context_.journal->backlogged()) {
    if (!paused_) context_.counters.increment("link_reads_paused_total");
    paused_ = true;
    return;
  }
  paused_ = false;
  // Over the rover's quota: wait until it refills (TCP pushes back meanwhile).
  const auto now = TokenBucket::Clock::now();
  frame_quota_.refill(now);
  byte_quota_.refill(now);
  const auto wait = std::max(frame_quota_.time_to_clear(), byte_quota_.time_to_clear());
  if (wait > TokenBucket::Clock::duration::zero()) {
    context_.counters.increment("link_reads_throttled_total");
    quota_timer_.expires_after(wait);
    quota_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->closed_) self->read_next();
    });
    return;
  }
  read_prefix();
}

void LinkSession::on_read_error(const error_code& ec, bool mid_frame) {
  if (closed_) return;  // we closed it ourselves
  if (ec == beast::error::timeout && !admitted()) {
    context_.counters.increment("link_hello_timeouts_total");
    return close("no Hello within the hello timeout");
  }
  if (ec == beast::error::timeout) return close("no frame within the idle timeout");
  if (mid_frame && ec == asio::error::eof) return reject("truncated", "connection ended inside a frame");
  close(ec == asio::error::eof ? std::string("rover disconnected") : "read failed: " + ec.message());
}

void LinkSession::handle_frame(const link::Frame& frame) {
  frame_quota_.take(1);
  const auto type = frame.payload_type();
  if (stage_ == Stage::AwaitingHello && type != link::Payload::Hello)
    return reject("before_hello", "first frame must be Hello");
  if (stage_ == Stage::AwaitingProof && type != link::Payload::Proof)
    return refuse_auth("no_proof", "the frame after Challenge must be Proof");
  switch (type) {
    case link::Payload::Hello: return on_hello(*frame.payload_as_Hello());
    case link::Payload::Proof:
      if (stage_ != Stage::AwaitingProof) return reject("unexpected_payload", "Proof outside the handshake");
      return on_proof(*frame.payload_as_Proof());
    case link::Payload::AlertEvent: return on_alert_event(frame.seq(), *frame.payload_as_AlertEvent());
    case link::Payload::Heartbeat: return on_heartbeat(*frame.payload_as_Heartbeat());
    case link::Payload::Lz4Batch: return on_lz4_batch(*frame.payload_as_Lz4Batch());
    default: return reject("unexpected_payload", "a rover does not send this frame type");
  }
}

void LinkSession::on_hello(const link::Hello& hello) {
  if (stage_ != Stage::AwaitingHello) return reject("duplicate_hello", "Hello sent twice on one connection");
  if (hello.protocol_version() != kProtocolVersion)
    return reject("bad_hello", "unsupported protocol version " + std::to_string(hello.protocol_version()));
  const std::string_view rover_id = hello.rover_id()->string_view();
  if (!valid_rover_id(rover_id)) return reject("bad_hello", "rover id must be 1-64 of [A-Za-z0-9._-]");
  if (hello.boot_id() == 0) return reject("bad_hello", "boot id 0");
  rover_id_ = rover_id;
  boot_id_ = hello.boot_id();
  announced_seq_ = hello.latest_seq();
  lz4_offered_ = hello.lz4();

  // Nothing below touches shared state until the rover is admitted.
  const link::LinkKey* key = context_.rover_keys ? context_.rover_keys->find(rover_id_) : nullptr;
  const auto* nonce = hello.nonce();
  if (nonce == nullptr) {
    if (key != nullptr) return refuse_auth("unauthenticated", "a configured rover sent no nonce (it has no key?)");
    if (!context_.insecure_links)
      return refuse_auth("unknown_rover", context_.rover_keys ? "rover not in the rovers file"
                                                               : "no rovers configured (--rovers FILE)");
    return admit();  // --insecure-links: an unconfigured rover goes unauthenticated
  }
  if (nonce->size() != link::kNonceBytes) return reject("bad_hello", "nonce must be 32 bytes");
  if (key == nullptr) return refuse_auth("unknown_rover", "rover not in the rovers file");
  key_ = *key;
  hello_bytes_.assign(frame_.begin(), frame_.end());
  link::LinkNonce ours{};
  if (!link::fill_random(ours)) return close("no random bytes for a challenge");
  flatbuffers::FlatBufferBuilder builder(96);
  auto challenge = finish_frame(builder, link::Payload::Challenge,
                                link::CreateChallenge(builder, builder.CreateVector(ours.data(), ours.size())));
  challenge_bytes_.assign(challenge.data(), challenge.data() + challenge.size());
  stage_ = Stage::AwaitingProof;
  queue_frame(std::move(challenge));
}

void LinkSession::on_proof(const link::Proof& proof) {
  link::LinkProof expected{};
  std::array<std::uint8_t, 32> session_key{};
  link::HandshakeMac mac;  // keyed once for both MACs
  if (!mac.init(key_) || !mac.compute(link::kRoverProofLabel, hello_bytes_, challenge_bytes_, expected))
    return close("libcrypto failed");
  if (!link::proofs_equal(expected, {proof.mac()->data(), proof.mac()->size()}))
    return refuse_auth("bad_proof", "the proof does not match the rover's key");
  if (!mac.compute(link::kSessionKeyLabel, hello_bytes_, challenge_bytes_, session_key) ||
      !inbound_seal_.init() || !outbound_seal_.init() ||
      !inbound_seal_.start(session_key, link::Direction::RoverToRelay) ||
      !outbound_seal_.start(session_key, link::Direction::RelayToRover))
    return close("libcrypto failed");
  // The challenge went out before this proof could come back: everything
  // queued from here on is sealed.
  assert(outbound_.empty());
  context_.counters.increment("link_authenticated_total");
  admit();
}

void LinkSession::refuse_auth(std::string_view reason, std::string_view detail) {
  context_.counters.increment(Counters::series("link_auth_failures_total", "reason", reason));
  log::warn("link: refused ", rover_id_.empty() ? std::string("a rover") : "rover " + rover_id_, " from ", peer_,
            ": ", detail);
  close("authentication failed");
}

void LinkSession::admit() {
  stage_ = Stage::Admitted;
  lz4_ = lz4_offered_ && context_.accept_lz4;
  auto& current = context_.by_rover[rover_id_];
  if (auto previous = current.lock()) previous->close("superseded by a new connection from the same rover");
  current = weak_from_this();
  context_.stats.on_connected(rover_id_, boot_id_);

  const std::uint64_t acked = context_.durable_seq(rover_id_, boot_id_);
  acked_seq_ = acked;
  log::info("link: rover ", rover_id_, " boot ", boot_id_, inbound_seal_.active() ? " authenticated" : " unauthenticated",
            " from ", peer_, " (rover latest seq ", announced_seq_, ", relay holds up to ", acked, ")");
  flatbuffers::FlatBufferBuilder builder(64);
  queue_frame(finish_frame(builder, link::Payload::HelloReply,
                           link::CreateHelloReply(builder, kProtocolVersion, boot_id_, acked, lz4_)));
}

void LinkSession::on_alert_event(std::uint64_t seq, const link::AlertEvent& event) {
  if (seq == 0) return reject("bad_event", "alert event without a sequence number");
  if (event.key()->size() == 0 || event.source()->size() == 0)
    return reject("bad_event", "alert event with an empty key or source");
  // A seq far past anything this boot announced or sent would, once applied,
  // make every later real event look like a duplicate: refused, never recorded.
  const std::uint64_t known = std::max(announced_seq_, context_.store.applied_seq(rover_id_, boot_id_));
  if (seq > known + context_.limits.max_seq_ahead)
    return reject("seq_out_of_range", "seq " + std::to_string(seq) + " is more than " +
                                          std::to_string(context_.limits.max_seq_ahead) + " past " +
                                          std::to_string(known));
  FieldRepairs repairs;
  const RoverEvent rover_event = read_rover_event(event, context_.limits, repairs);
  if (repairs.invalid_utf8 > 0)
    context_.counters.increment(Counters::series("link_fields_repaired_total", "reason", "invalid_utf8"),
                                repairs.invalid_utf8);
  if (repairs.truncated > 0)
    context_.counters.increment(Counters::series("link_fields_repaired_total", "reason", "truncated"),
                                repairs.truncated);
  if (rover_event.key.empty() || rover_event.source.empty())
    return reject("bad_event", "alert event with an empty key or source");
  const auto result = context_.store.apply_rover_event(rover_id_, boot_id_, seq, rover_event);
  if (result == AlertStore::ApplyResult::Ignored) {
    context_.counters.increment("link_events_ignored_total");
    ack_if_durable();
    return;
  }
  if (result == AlertStore::ApplyResult::Refused) {
    // Over the rover's cap: acknowledged (the rover must not replay it for
    // ever), not stored; the rover learns the count from its acks.
    context_.stats.on_refused(rover_id_);
    context_.counters.increment("link_alerts_refused_total");
    ack_if_durable();
    return;
  }
  // A duplicate is a replay of something we hold: the ack tells the rover so.
  context_.stats.on_event(rover_id_, result == AlertStore::ApplyResult::Duplicate);
  // Acknowledged once durable: at once for a duplicate of a committed frame,
  // otherwise from on_durable() after the journal's next commit.
  ack_if_durable();
}

void LinkSession::on_durable() {
  if (admitted() && !closed_) ack_if_durable();
  if (paused_ && !closed_) read_next();
}

void LinkSession::ack_if_durable() {
  if (context_.durable_seq(rover_id_, boot_id_) <= acked_seq_) return;
  ack_owed_ = true;
  write_next();
}

bool LinkSession::send_operator_ack(const Alert& alert) {
  if (closed_ || !admitted() || outbound_.size() >= context_.limits.max_outbound_frames) return false;
  flatbuffers::FlatBufferBuilder builder(128);
  const auto payload = link::CreateOperatorAckDirect(builder, alert.key.c_str(), alert.id.c_str(),
                                                     alert.acknowledged_by.c_str(), alert.acknowledged_at_ms);
  queue_frame(finish_frame(builder, link::Payload::OperatorAck, payload));
  return true;
}

bool forward_operator_ack(LinkContext& context, const Alert& alert) {
  const auto skipped = [&context](std::string_view reason) {
    context.counters.increment(Counters::series("link_operator_acks_skipped_total", "reason", reason));
    return false;
  };
  if (alert.rover.empty()) return skipped("ground_alert");
  const auto it = context.by_rover.find(alert.rover);
  const auto session = it == context.by_rover.end() ? nullptr : it->second.lock();
  if (!session) return skipped("not_connected");
  if (!session->send_operator_ack(alert)) return skipped("queue_full");
  context.counters.increment("link_operator_acks_sent_total");
  return true;
}

void LinkSession::on_heartbeat(const link::Heartbeat& heartbeat) {
  // A heartbeat moves the announced seq by at most the window: it cannot
  // open the way for a far seq in one frame either.
  const std::uint64_t known = std::max(announced_seq_, context_.store.applied_seq(rover_id_, boot_id_));
  announced_seq_ = std::max(announced_seq_, std::min(heartbeat.latest_seq(), known + context_.limits.max_seq_ahead));
  RoverHeartbeat beat;
  beat.latest_seq = heartbeat.latest_seq();
  if (const auto* lost = heartbeat.lost_by_priority()) {
    // Index = priority; entries past the known priorities (a newer rover) count as info.
    for (flatbuffers::uoffset_t i = 0; i < lost->size(); ++i)
      beat.lost_by_priority[std::min<std::size_t>(i, kPriorityCount - 1)] += lost->Get(i);
  }
  beat.truncated_fields = heartbeat.truncated_fields();
  beat.ring_gap_frames = heartbeat.ring_gap_frames();
  beat.uptime_ms = heartbeat.uptime_ms();
  context_.stats.on_heartbeat(rover_id_, beat);
}

void LinkSession::on_lz4_batch(const link::Lz4Batch& batch) {
  if (!lz4_) return reject("lz4_not_agreed", "lz4 batch without lz4 agreed in hello");
  constexpr std::size_t kWords = link::kMaxLz4BatchRawBytes / sizeof(std::uint64_t);
  if (batch_raw_.size() < kWords) {
    batch_raw_.resize(kWords);
    account_buffers();
  }
  auto* raw = reinterpret_cast<std::uint8_t*>(batch_raw_.data());
  std::size_t raw_size = 0;
  if (const auto s = link::decompress_batch(batch, raw, kWords * sizeof(std::uint64_t), raw_size);
      s != link::BatchStatus::Ok)
    return reject("bad_lz4_batch", link::to_string(s));
  // Inner frames are handled like frames off the socket; only alert events
  // and heartbeats belong in a batch.
  const auto s = link::for_each_inner_frame(raw, raw_size, context_.limits.max_frame_bytes, [&](const link::Frame& f) {
    const auto type = f.payload_type();
    if (type != link::Payload::AlertEvent && type != link::Payload::Heartbeat) {
      reject("bad_lz4_batch", "a control frame inside an lz4 batch");
      return false;
    }
    handle_frame(f);
    return !closed_;
  });
  if (s != link::BatchStatus::Ok && !closed_) reject("bad_lz4_batch", link::to_string(s));
}

void LinkSession::reject(std::string_view reason, std::string_view detail) {
  context_.counters.increment(Counters::series("link_frames_rejected_total", "reason", reason));
  log::warn("link: rejected frame from ", peer_, admitted() ? " rover " + rover_id_ : std::string(), ": ",
            detail);
  close("protocol error");
}

void LinkSession::queue_frame(flatbuffers::DetachedBuffer frame) {
  if (outbound_.size() >= context_.limits.max_outbound_frames) return close("rover is not reading its link");
  outbound_.push_back(std::move(frame));
  write_next();
}

void LinkSession::write_next() {
  if (writing_ || closed_) return;
  if (!outbound_.empty()) {
    in_flight_ = std::move(outbound_.front());
    outbound_.pop_front();
  } else if (ack_owed_) {
    ack_owed_ = false;
    acked_seq_ = std::max(acked_seq_, context_.durable_seq(rover_id_, boot_id_));
    flatbuffers::FlatBufferBuilder builder(64);
    const RoverLinkCounters* counters = context_.stats.find(rover_id_);
    in_flight_ = finish_frame(builder, link::Payload::LinkAck,
                              link::CreateLinkAck(builder, boot_id_, acked_seq_,
                                                  counters != nullptr ? counters->refused_this_boot : 0));
  } else {
    return;
  }
  writing_ = true;
  stream_.expires_after(kWriteTimeout);
  if (!outbound_seal_.active()) {
    asio::async_write(stream_, asio::buffer(in_flight_.data(), in_flight_.size()),
                      beast::bind_front_handler(&LinkSession::on_write, shared_from_this()));
    return;
  }
  // One segment per frame: the rover reads small ones (LinkConnection).
  link::write_seal_header(out_header_.data(), static_cast<std::uint32_t>(in_flight_.size()));
  if (!outbound_seal_.seal(out_header_, {in_flight_.data(), in_flight_.size()}, out_tag_)) {
    writing_ = false;
    return close("libcrypto failed");
  }
  const std::array<asio::const_buffer, 3> segment{asio::buffer(out_header_), asio::buffer(in_flight_.data(), in_flight_.size()),
                                                  asio::buffer(out_tag_)};
  asio::async_write(stream_, segment, beast::bind_front_handler(&LinkSession::on_write, shared_from_this()));
}

void LinkSession::on_write(const error_code& ec, std::size_t) {
  writing_ = false;
  if (ec) {
    if (!closed_) close(ec == beast::error::timeout ? std::string("write timed out") : "write failed: " + ec.message());
    return;
  }
  write_next();
}

}  // namespace rover_alerts::relay
