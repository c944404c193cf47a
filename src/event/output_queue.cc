#include "event/output_queue.h"

#include <algorithm>
#include <utility>

namespace hitless::event {

void OutputQueue::append(std::string_view bytes) {
  if (bytes.empty()) return;
  size_ += bytes.size();
  // Into the tail's spare room only: growing a buffer would copy all of it.
  if (!buffers_.empty()) {
    std::string& tail = buffers_.back();
    if (tail.size() + bytes.size() <= tail.capacity()) {
      tail.append(bytes);
      return;
    }
  }
  if (next_tail_ == kMaxTailBytes && bytes.size() <= kMaxTailBytes && !spare_.empty()) {
    buffers_.push_back(std::move(spare_.back()));
    spare_.pop_back();
  } else {
    buffers_.emplace_back().reserve(std::max(bytes.size(), next_tail_));
  }
  buffers_.back().append(bytes);
  next_tail_ = std::min(next_tail_ * 2, kMaxTailBytes);
}

void OutputQueue::appendOwned(std::string bytes) {
  if (bytes.size() < kMaxTailBytes) {
    append(bytes);
    return;
  }
  size_ += bytes.size();
  buffers_.push_back(std::move(bytes));
}

size_t OutputQueue::gather(struct iovec* iov, size_t max_iov) const {
  size_t n = 0;
  size_t skip = front_offset_;
  for (auto it = buffers_.begin(); it != buffers_.end() && n < max_iov; ++it) {
    // const_cast: iovec's base is not const, but sendmsg only reads from it.
    iov[n].iov_base = const_cast<char*>(it->data() + skip);
    iov[n].iov_len = it->size() - skip;
    skip = 0;
    ++n;
  }
  return n;
}

void OutputQueue::advance(size_t n) {
  n = std::min(n, size_);
  size_ -= n;
  while (n > 0) {
    const size_t left = buffers_.front().size() - front_offset_;
    if (n < left) {
      front_offset_ += n;
      return;
    }
    n -= left;
    std::string& written = buffers_.front();
    if (written.capacity() == kMaxTailBytes && spare_.size() < kSpareBuffers) {
      written.clear();
      spare_.push_back(std::move(written));
    }
    buffers_.pop_front();
    front_offset_ = 0;
  }
  if (size_ == 0) clear();
}

void OutputQueue::clear() {
  buffers_.clear();
  spare_.clear();
  front_offset_ = 0;
  size_ = 0;
  next_tail_ = kFirstTailBytes;
}

}  // namespace hitless::event
