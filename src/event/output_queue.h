// OutputQueue: the bytes a Connection has yet to write, as a queue of buffers handed to the
// kernel together (sendmsg with an iovec) and never moved once queued.
//
// A large buffer given by value joins the queue as it is; small writes are copied into the
// tail, so a stream of heartbeats does not become a stream of tiny buffers. Before this, one
// contiguous string took every write: a bulk sync to a new standby keeps megabytes queued, and
// appending a transaction to them (and growing the string, which copies all of it) was a sixth
// of the active RP's CPU during the bulk.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace hitless::event {

class OutputQueue {
 public:
  // Writes up to this size are copied into the tail buffer rather than queued on their own.
  static constexpr size_t kCoalesceBytes = 4096;
  // A tail buffer of our own grows by copying up to this size; then a new one starts.
  static constexpr size_t kTailBytes = 64 * 1024;

  void append(std::string_view bytes);
  void appendOwned(std::string bytes);
  // Points `iov[0..return)` at the queued bytes, in order, from the first unwritten one.
  size_t gather(struct iovec* iov, size_t max_iov) const;
  // The first `n` queued bytes were written: drops them.
  void advance(size_t n);
  void clear();
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::deque<std::string> buffers_;
  size_t front_offset_ = 0;  // bytes of buffers_.front() already written
  size_t size_ = 0;          // queued and not written
};

}  // namespace hitless::event
