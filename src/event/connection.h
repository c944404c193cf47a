// Connection: a non-blocking stream socket on an EventLoop with an input buffer the owner parses
// in place and an output buffer flushed as the socket allows.
//
// Contract: onData is called with all unconsumed input; the owner calls consume(n) for what it
// parsed. onClosed is called once (EOF — only after the owner consumed what the peer sent before
// it, or stopped making progress on it —, error, or close()), after which the Connection does
// nothing more; the owner may destroy it from inside any callback. pendingBytes() is how much
// output waits for the peer — the owner's flow control reads it, and onDrained fires when the
// output buffer falls to or below the low watermark set by setLowWatermark().
//
// Peek mode (enablePeek): input is read without taking it out of the kernel — it stays in the
// socket's receive queue, behind what was delivered, until the owner release()s it. A process
// that shares the socket (NSR: the standby RP) then finds every byte the owner has not declared
// safe still in the kernel if the owner dies.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "event/event_loop.h"
#include "event/output_queue.h"
#include "event/unix_socket.h"

namespace hitless::event {

class Connection {
 public:
  struct Handlers {
    std::function<void(std::string_view input)> on_data;
    std::function<void(const std::string& reason)> on_closed;
    std::function<void()> on_drained;  // optional
  };

  Connection(EventLoop& loop, UniqueFd fd, Handlers handlers);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues bytes and writes as much as the socket takes now.
  void send(std::string_view bytes);
  // Takes ownership of a ready-made buffer (avoids a copy for large batches).
  void sendOwned(std::string bytes);
  void consume(size_t n);
  // Calls onData again with the unconsumed input (for owners that process in slices).
  void redeliver();
  // Reads whatever the socket holds now and delivers it (and an EOF) before returning. For
  // timeouts: look at the evidence before declaring the peer silent. REQUIRES: not called from
  // inside this connection's onData.
  void pollInput() { onEvents(EPOLLIN); }
  size_t pendingBytes() const { return out_.size(); }
  // Stops (and restarts) reading from the socket; what was read and not consumed stays readable
  // through unconsumedInput(). For handing a socket to another process mid-stream.
  void pauseReading();
  void resumeReading();
  std::string_view unconsumedInput() const { return unconsumed(); }
  void setLowWatermark(size_t bytes) { low_watermark_ = bytes; }
  // Peek mode, TCP only (release() discards with MSG_TRUNC, which only TCP does); false (and
  // nothing changes) for another socket or a kernel that cannot peek ahead on TCP (SO_PEEK_OFF,
  // Linux 6.10).
  bool enablePeek();
  bool peeking() const { return peeking_; }
  // Peek mode: takes the first `n` bytes not yet released out of the kernel's queue. They must
  // have been delivered (and are normally consumed). Outside peek mode a no-op.
  Status release(size_t n);
  bool isOpen() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  // Closes now; onClosed runs with `reason`.
  void close(const std::string& reason);

 private:
  void onEvents(uint32_t events);
  // Fires onDrained once the output fell to the low watermark after having been above it,
  // whichever path (EPOLLOUT, or a send that flushed it all) got it there.
  void notifyDrained(bool defer);
  // EOF while the owner still has unconsumed input: deliver it (over as many loop turns as the
  // owner takes) before reporting the close.
  void onEof();
  void scheduleEofDrain();
  void drainAfterEof();
  void flush();
  void updateInterest();
  uint32_t readEvents() const;
  // Peek mode is edge-triggered (the queue stays readable while anything is unreleased): a read
  // that stopped before the socket said EAGAIN goes on next loop turn.
  void scheduleRead();

  EventLoop& loop_;
  UniqueFd fd_;
  Handlers handlers_;
  static constexpr size_t kReadChunk = 256 * 1024;
  static constexpr size_t kReadsPerEvent = 4;
  static constexpr size_t kMaxUnconsumed = 4u << 20;
  std::string_view unconsumed() const { return {in_.data() + in_off_, in_len_ - in_off_}; }
  std::string in_;  // a raw buffer: [in_off_, in_len_) is unconsumed input; size() is capacity
  size_t in_off_ = 0, in_len_ = 0;
  static constexpr size_t kIovPerWrite = 64;
  OutputQueue out_;
  size_t low_watermark_ = 0;
  bool want_write_ = false;
  bool reading_paused_ = false;
  bool write_failed_ = false;  // the peer went away; reads still drain what it sent
  bool eof_pending_ = false;
  bool drain_armed_ = false,
       drain_notice_queued_ =
           false;  // output went above the low watermark since the last onDrained     // EOF seen,
                   // close deferred until the owner consumed the input
  bool peeking_ = false;
  bool read_scheduled_ = false;
  std::shared_ptr<bool> alive_;  // lets callbacks detect that they destroyed us
};

}  // namespace hitless::event
