#pragma once
// ReplayRing: every alert frame the emitter has put on the link, as encoded
// bytes, until the relay's cumulative acknowledgement covers it. Link thread
// only (no atomics).
//
// Frames sit back to back in one byte buffer (a frame never straddles the end:
// one that does not fit there starts again at offset 0), so a run of frames is
// one contiguous span and goes to the socket in one send(). A small index ring
// records (seq, offset, size) per frame; sequence numbers in the ring are
// consecutive, so finding a frame by seq is O(1).
//
// The ring never drops an unacknowledged frame to make room: append() refuses
// and the emitter stops framing, leaving alerts in the priority outbox where
// loss, if it comes to that, follows the priority rule and is counted there.

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace rover_alerts {

class ReplayRing {
 public:
  using Bytes = std::span<const std::uint8_t>;

  ReplayRing() = default;
  ReplayRing(const ReplayRing&) = delete;
  ReplayRing& operator=(const ReplayRing&) = delete;

  // `bytes` of frame storage, room for `max_frames` frames.
  bool init(std::size_t bytes, std::size_t max_frames);
  std::size_t capacity_bytes() const { return capacity_; }
  std::size_t max_frames() const { return max_frames_; }

  bool empty() const { return count_ == 0; }
  std::size_t frames() const { return count_; }
  std::size_t bytes_used() const { return bytes_used_; }
  std::uint64_t oldest_seq() const;  // 0 when empty
  std::uint64_t newest_seq() const;  // 0 when empty
  bool holds(std::uint64_t seq) const { return count_ && seq >= oldest_seq() && seq <= newest_seq(); }

  // Whether a frame of `size` bytes would fit now.
  bool can_append(std::size_t size) const;
  // Appends a copy of `frame` as `seq` (newest_seq() + 1 unless empty). False: no room.
  bool append(std::uint64_t seq, Bytes frame);
  // Appends frame `seq` written in place: `write(std::uint8_t* at)` writes at
  // most `max_size` bytes there and returns how many. Room for `max_size` is
  // required, so the encoder needs no buffer of its own and nothing is copied.
  template <typename Write>
  bool append_with(std::uint64_t seq, std::size_t max_size, Write&& write) {
    if (count_ && seq != newest_seq() + 1) return false;
    const std::size_t offset = place(max_size);
    if (offset == capacity_) return false;
    const std::size_t size = write(data_.get() + offset);
    assert(size > 0 && size <= max_size);
    commit(seq, offset, size);
    return true;
  }
  // Drops frames with seq <= `acked`, oldest first, but never `keep_from` or
  // later (the frame being written). Returns how many were dropped.
  std::size_t release_through(std::uint64_t acked, std::uint64_t keep_from = UINT64_MAX);

  Bytes frame(std::uint64_t seq) const;  // seq must be held
  // The contiguous bytes from `offset` into frame `seq` to the end of the
  // newest frame or of the run before the buffer wraps, whichever comes first.
  Bytes contiguous_from(std::uint64_t seq, std::size_t offset) const;

  static std::size_t reserved_bytes(std::size_t bytes, std::size_t max_frames) {
    return bytes + max_frames * sizeof(Index);
  }

 private:
  struct Index {
    std::uint64_t seq;
    std::uint32_t offset;
    std::uint32_t size;
  };
  const Index& at(std::size_t i) const { return index_[(head_ + i) % max_frames_]; }
  const Index& by_seq(std::uint64_t seq) const { return at(static_cast<std::size_t>(seq - index_[head_].seq)); }
  std::size_t place(std::size_t size) const;  // offset for a new frame, or capacity_ if none
  void commit(std::uint64_t seq, std::size_t offset, std::size_t size);

  std::unique_ptr<std::uint8_t[]> data_;
  std::unique_ptr<Index[]> index_;
  std::size_t capacity_ = 0;
  std::size_t max_frames_ = 0;
  std::size_t head_ = 0;   // index slot of the oldest frame
  std::size_t count_ = 0;
  std::size_t bytes_used_ = 0;
  std::size_t wrap_end_ = 0;  // end of the data before the wrap, while wrapped
};

}  // namespace rover_alerts
