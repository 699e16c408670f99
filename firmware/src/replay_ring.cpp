#include <rover_alerts/replay_ring.hpp>

#include <cstring>
#include <new>

namespace rover_alerts {

bool ReplayRing::init(std::size_t bytes, std::size_t max_frames) {
  if (data_ || bytes == 0 || bytes > UINT32_MAX || max_frames == 0) return false;
  data_.reset(new (std::nothrow) std::uint8_t[bytes]);
  index_.reset(new (std::nothrow) Index[max_frames]);
  if (!data_ || !index_) {
    data_.reset();
    index_.reset();
    return false;
  }
  capacity_ = bytes;
  max_frames_ = max_frames;
  return true;
}

std::uint64_t ReplayRing::oldest_seq() const { return count_ ? index_[head_].seq : 0; }
std::uint64_t ReplayRing::newest_seq() const { return count_ ? at(count_ - 1).seq : 0; }

std::size_t ReplayRing::place(std::size_t size) const {
  if (count_ == max_frames_ || size == 0 || size > capacity_) return capacity_;
  if (count_ == 0) return 0;
  const std::size_t oldest = index_[head_].offset;
  const Index& newest = at(count_ - 1);
  const std::size_t end = std::size_t{newest.offset} + newest.size;
  if (newest.offset >= oldest) {
    // Not wrapped: free space is [end, capacity) and [0, oldest).
    if (capacity_ - end >= size) return end;
    if (oldest >= size) return 0;
    return capacity_;
  }
  // Wrapped: free space is [end, oldest).
  return oldest - end >= size ? end : capacity_;
}

bool ReplayRing::can_append(std::size_t size) const { return place(size) != capacity_; }

bool ReplayRing::append(std::uint64_t seq, Bytes frame) {
  return append_with(seq, frame.size(), [&](std::uint8_t* at) {
    std::memcpy(at, frame.data(), frame.size());
    return frame.size();
  });
}

void ReplayRing::commit(std::uint64_t seq, std::size_t offset, std::size_t size) {
  if (count_ && offset == 0) {
    const Index& newest = at(count_ - 1);
    wrap_end_ = std::size_t{newest.offset} + newest.size;
  }
  index_[(head_ + count_) % max_frames_] = {seq, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size)};
  ++count_;
  bytes_used_ += size;
}

std::size_t ReplayRing::release_through(std::uint64_t acked, std::uint64_t keep_from) {
  std::size_t dropped = 0;
  while (count_ && index_[head_].seq <= acked && index_[head_].seq < keep_from) {
    bytes_used_ -= index_[head_].size;
    head_ = (head_ + 1) % max_frames_;
    --count_;
    ++dropped;
  }
  return dropped;
}

ReplayRing::Bytes ReplayRing::frame(std::uint64_t seq) const {
  const Index& i = by_seq(seq);
  return {data_.get() + i.offset, i.size};
}

ReplayRing::Bytes ReplayRing::contiguous_from(std::uint64_t seq, std::size_t offset) const {
  const Index& first = by_seq(seq);
  const Index& newest = at(count_ - 1);
  const std::size_t start = std::size_t{first.offset} + offset;
  const std::size_t newest_end = std::size_t{newest.offset} + newest.size;
  // Same lap as the newest frame: run to its end; else to the end of this lap.
  const std::size_t end = newest.offset >= first.offset ? newest_end : wrap_end_;
  return {data_.get() + start, end - start};
}

}  // namespace rover_alerts
