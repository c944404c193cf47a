// OutputQueue: the bytes a Connection has yet to write, as a queue of buffers handed to the
// kernel together (sendmsg with an iovec) and never moved once queued.
//
// Writes are copied into tail buffers whose size doubles while a backlog lasts, up to 1 MB; a
// buffer given by value that is at least that large joins the queue as it is. So a stream of
// heartbeats does not become a stream of tiny buffers, and a long backlog (fwdd or a standby
// catching up on a 1M-route BGP burst) sits in buffers big enough for malloc to map on their own
// (rpd sets a 1 MB mmap threshold): they go back to the kernel once written. Queued as they came,
// the burst's 100-400 KB batches stayed resident in a fragmented heap, 40 B per route of RSS.
// Written 1 MB buffers are kept for reuse (a few, until the queue empties): freshly mapped
// memory is paid for again, page by page, and under virtualisation a page fault is dear.
// Before this queue, one contiguous string took every write: a bulk sync keeps megabytes queued,
// and appending a transaction to them (and growing the string, which copies all of it) was a
// sixth of the active RP's CPU during the bulk.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace hitless::event {

class OutputQueue {
 public:
  // Tail buffers start at kFirstTailBytes and double, up to kMaxTailBytes, until the queue
  // empties. A buffer given by value of kMaxTailBytes or more is queued as it is.
  static constexpr size_t kFirstTailBytes = 4096;
  static constexpr size_t kMaxTailBytes = 1024 * 1024;
  static constexpr size_t kSpareBuffers = 4;

  void append(std::string_view bytes);
  void appendOwned(std::string bytes);
  // Points `iov[0..return)` at the queued bytes, in order, from the first unwritten one.
  size_t gather(struct iovec* iov, size_t max_iov) const;
  // The first `n` queued bytes were written: drops them.
  void advance(size_t n);
  void clear();
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t buffers() const { return buffers_.size(); }

 private:
  std::deque<std::string> buffers_;
  size_t front_offset_ = 0;  // bytes of buffers_.front() already written
  size_t size_ = 0;          // queued and not written
  size_t next_tail_ = kFirstTailBytes;
  std::vector<std::string> spare_;  // written kMaxTailBytes buffers, empty, kept for reuse
};

}  // namespace hitless::event
