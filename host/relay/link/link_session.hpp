#pragma once
// One rover's TCP link.
//
// Authentication (link_auth.hpp): a configured rover's Hello carries a nonce;
// the session answers Challenge, checks the rover's Proof, and only then
// touches any state (stats, the rover's current connection, the store). An
// unknown rover, a missing or bad proof, or a segment whose tag fails closes
// the link, counted by reason (link_auth_failures_total) and logged with the
// peer address. After the proof, both directions go in sealed segments: each
// segment read whole (same bounds as a frame), its tag checked, then its
// frames handled as below; each frame written goes in a segment of its own.
//
// Reads size-prefixed frames one at a time into a buffer reused for the whole
// connection: the 4-byte prefix is checked against the size cap before any
// body byte is read, the body is read in pieces so that the buffer grows only
// as bytes arrive, and the whole frame goes through
// link::verify_prefixed_frame() before any field is looked at. The prefix
// stays in front of the body in the buffer: the builder aligned the fields
// relative to it. The first frame must be Hello, within
// LinkLimits::hello_timeout; AlertEvents (their seq within
// LinkLimits::max_seq_ahead of what the boot announced, their text repaired
// to valid UTF-8 within the field limits) are
// applied to the store and acknowledged cumulatively; Heartbeats feed the
// per-rover stats. When Hello and HelloReply agreed on lz4, an Lz4Batch is
// decompressed under a hard bound into a buffer reused for the connection and
// each frame inside is verified and handled like one read off the socket
// (rover_alerts/lz4_batch.hpp). Any bad frame closes the link (logged,
// counted by reason).
//
// Writes: one in flight. HelloReply and OperatorAck wait in a small bounded
// queue; acks are cumulative, so instead of queueing one per event the session
// only notes that an ack is owed and sends the newest when the socket is free.
// Acks (LinkAck, HelloReply.acked_seq) never go beyond what the journal has
// committed (LinkContext::durable_seq): after each commit the relay calls
// on_durable() and the ack catches up.

#include "link/link_context.hpp"

#include <rover_alerts/link_auth.hpp>
#include <rover_alerts/link_framing.hpp>

#include "token_bucket.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::relay {

class LinkSession : public std::enable_shared_from_this<LinkSession> {
 public:
  LinkSession(boost::asio::ip::tcp::socket socket, LinkContext& context);
  ~LinkSession();
  LinkSession(const LinkSession&) = delete;
  LinkSession& operator=(const LinkSession&) = delete;

  void start();
  // Closes the connection (idempotent); `reason` goes to the log.
  void close(std::string_view reason);

  // The journal committed: acknowledge whatever became durable.
  void on_durable();
  // Queues an OperatorAck frame; false (nothing queued) when the outbound
  // queue is full or the link is closed.
  bool send_operator_ack(const Alert& alert);

 private:
  void read_next();  // the next frame, unless the journal is backlogged
  void read_prefix();
  void on_prefix(const boost::system::error_code& ec, std::size_t bytes);
  void read_body();  // the next piece of the body (LinkLimits::read_chunk_bytes)
  void account_buffers();
  std::size_t header_bytes() const;  // before the body: a frame's length prefix or a segment's header  // tells the stats what frame_ and batch_raw_ hold now
  void on_body(const boost::system::error_code& ec, std::size_t bytes);
  void on_segment();  // a whole sealed segment is in frame_
  void handle_frame(const link::Frame& frame);
  void on_hello(const link::Hello& hello);
  void on_proof(const link::Proof& proof);
  // The rover is who it says (or may go unauthenticated): take over its link
  // and answer HelloReply.
  void admit();
  // Refused before any state was touched: counts link_auth_failures_total{reason}.
  void refuse_auth(std::string_view reason, std::string_view detail);
  void on_alert_event(std::uint64_t seq, const link::AlertEvent& event);
  void on_heartbeat(const link::Heartbeat& heartbeat);
  void on_lz4_batch(const link::Lz4Batch& batch);
  // A protocol violation: counts link_frames_rejected_total{reason} and closes.
  void reject(std::string_view reason, std::string_view detail);
  void on_read_error(const boost::system::error_code& ec, bool mid_frame);

  void queue_frame(flatbuffers::DetachedBuffer frame);
  void ack_if_durable();
  void write_next();
  void on_write(const boost::system::error_code& ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  LinkContext& context_;
  std::string peer_;
  std::string peer_address_;  // counted in LinkContext::connections_by_address while set
  // Prefix + body of the frame being read; reused for every frame of this
  // connection (heap storage, so aligned for the frame's 8-byte fields).
  std::vector<std::uint8_t> frame_;
  std::size_t body_length_ = 0;  // of the frame being read
  std::size_t accounted_bytes_ = 0;  // what account_buffers() last reported

  enum class Stage : std::uint8_t { AwaitingHello, AwaitingProof, Admitted };
  Stage stage_ = Stage::AwaitingHello;
  std::string rover_id_;  // set by Hello
  std::uint64_t boot_id_ = 0;
  bool admitted() const { return stage_ == Stage::Admitted; }
  // Handshake: the key of the rover Hello named, both frames as they went.
  link::LinkKey key_{};
  std::vector<std::uint8_t> hello_bytes_;
  std::vector<std::uint8_t> challenge_bytes_;
  bool lz4_offered_ = false;
  link::SegmentSeal inbound_seal_;   // rover -> relay, once the proof checked
  link::SegmentSeal outbound_seal_;  // relay -> rover
  std::array<std::uint8_t, link::kSealHeaderBytes> out_header_{};
  link::SealTag out_tag_{};
  // The highest seq this boot has announced (Hello, Heartbeat.latest_seq).
  std::uint64_t announced_seq_ = 0;
  bool lz4_ = false;  // agreed in this connection's hello
  // Decompressed batch; 8-byte aligned (heap), sized once to the batch bound.
  std::vector<std::uint64_t> batch_raw_;

  std::deque<flatbuffers::DetachedBuffer> outbound_;
  flatbuffers::DetachedBuffer in_flight_;
  bool writing_ = false;
  bool ack_owed_ = false;
  std::uint64_t acked_seq_ = 0;  // the highest seq acknowledged to this rover boot
  bool closed_ = false;
  bool paused_ = false;  // reads stopped while the journal is backlogged
  // The rover's quotas (LinkLimits::rover_*): reads wait on the timer while in debt.
  TokenBucket frame_quota_;
  TokenBucket byte_quota_;
  boost::asio::steady_timer quota_timer_;
};

}  // namespace rover_alerts::relay
