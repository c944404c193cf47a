#include "event/connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hitless::event {

Connection::Connection(EventLoop& loop, UniqueFd fd, Handlers handlers)
    : loop_(loop),
      fd_(std::move(fd)),
      handlers_(std::move(handlers)),
      alive_(std::make_shared<bool>(true)) {
  Status s = loop_.addFd(fd_.get(), EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { onEvents(ev); });
  if (!s.isOk()) fd_.reset();
}

Connection::~Connection() {
  *alive_ = false;
  if (fd_.valid()) loop_.removeFd(fd_.get());
}

void Connection::close(const std::string& reason) {
  if (!fd_.valid()) return;
  loop_.removeFd(fd_.get());
  fd_.reset();
  auto cb = handlers_.on_closed;
  if (cb) cb(reason);
}

void Connection::send(std::string_view bytes) {
  if (!fd_.valid()) return;
  out_.append(bytes);
  if (pendingBytes() > low_watermark_) drain_armed_ = true;
  flush();
  notifyDrained(true);
}

void Connection::sendOwned(std::string bytes) {
  if (!fd_.valid()) return;
  out_.appendOwned(std::move(bytes));
  if (pendingBytes() > low_watermark_) drain_armed_ = true;
  flush();
  notifyDrained(true);
}

void Connection::notifyDrained(bool defer) {
  if (!drain_armed_ || !fd_.valid() || pendingBytes() > low_watermark_) return;
  drain_armed_ = false;
  if (!handlers_.on_drained) return;
  if (!defer) {
    handlers_.on_drained();
    return;
  }
  // Inside send(): the owner may be mid-way through producing; tell it on the next loop turn.
  if (drain_notice_queued_) return;
  drain_notice_queued_ = true;
  std::shared_ptr<bool> alive = alive_;
  loop_.addTimer(0, [this, alive] {
    if (!*alive) return;
    drain_notice_queued_ = false;
    if (fd_.valid() && handlers_.on_drained) handlers_.on_drained();
  });
}

void Connection::consume(size_t n) {
  // Only advances: the caller may still hold a view into in_. Compaction happens before reads.
  in_off_ += n;
}

void Connection::redeliver() {
  if (!fd_.valid() || in_off_ >= in_len_ || !handlers_.on_data) return;
  handlers_.on_data(unconsumed());
}

void Connection::flush() {
  if (write_failed_) out_.clear();
  while (fd_.valid() && !out_.empty()) {
    struct iovec iov[kIovPerWrite];
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = out_.gather(iov, kIovPerWrite);
    ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EPIPE || errno == ECONNRESET) {
        // The peer is gone, but what it sent before going (a session reset, say) is still in
        // our receive buffer: stop writing and let the read path deliver it and see the EOF.
        write_failed_ = true;
        out_.clear();
        break;
      }
      close(std::string("write failed: ") + std::strerror(errno));
      return;
    }
    out_.advance(static_cast<size_t>(n));
  }
  updateInterest();
}

uint32_t Connection::readEvents() const {
  return (reading_paused_ ? 0u : EPOLLIN | EPOLLRDHUP) | (want_write_ ? EPOLLOUT : 0u) |
         (peeking_ ? EPOLLET : 0u);
}

void Connection::updateInterest() {
  if (!fd_.valid() || eof_pending_) return;
  bool want = pendingBytes() > 0;
  if (want == want_write_) return;
  want_write_ = want;
  (void)loop_.modifyFd(fd_.get(), readEvents());
}

void Connection::pauseReading() {
  if (reading_paused_ || !fd_.valid() || eof_pending_) return;
  reading_paused_ = true;
  (void)loop_.modifyFd(fd_.get(), readEvents());
}

void Connection::resumeReading() {
  if (!reading_paused_ || !fd_.valid() || eof_pending_) return;
  reading_paused_ = false;
  (void)loop_.modifyFd(fd_.get(), readEvents());
  // Edge-triggered, nothing new may arrive to report what already waits.
  if (peeking_) scheduleRead();
}

bool Connection::enablePeek() {
  if (peeking_) return true;
  if (!fd_.valid() || in_len_ > in_off_) return false;
  int protocol = 0;
  socklen_t len = sizeof(protocol);
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 ||
      protocol != IPPROTO_TCP) {
    return false;
  }
  int zero = 0;
  if (setsockopt(fd_.get(), SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) != 0) return false;
  peeking_ = true;
  (void)loop_.modifyFd(fd_.get(), readEvents());
  scheduleRead();
  return true;
}

Status Connection::release(size_t n) {
  if (!peeking_ || !fd_.valid()) return Status::ok();
  return discardInput(fd_.get(), n);
}

void Connection::scheduleRead() {
  if (read_scheduled_) return;
  read_scheduled_ = true;
  std::shared_ptr<bool> alive = alive_;
  loop_.addTimer(0, [this, alive] {
    if (!*alive) return;
    read_scheduled_ = false;
    if (fd_.valid() && !reading_paused_ && !eof_pending_) onEvents(EPOLLIN);
  });
}

void Connection::onEvents(uint32_t events) {
  std::shared_ptr<bool> alive = alive_;
  if (events & EPOLLOUT) {
    flush();
    if (!*alive || !fd_.valid()) return;
    notifyDrained(false);
    if (!*alive || !fd_.valid()) return;
  }
  if (reading_paused_) events &= ~static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP | EPOLLHUP);
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    bool eof = false;
    bool drained = false;  // the socket said EAGAIN: nothing more to read for now
    std::string error;
    if (in_off_ == in_len_) in_off_ = in_len_ = 0;
    // Read what is there now, bounded per event (one busy peer cannot starve the loop, and the
    // owner, which handles what it is given in the same turn, gets at most 1 MB: the new
    // standby's share of a bulk sync was 4 MB, 50-75 ms a turn at 1M routes) and by what the
    // owner has yet to consume (beyond that the kernel buffers and the sender waits: flow
    // control, and no ever-growing buffer to move around).
    for (size_t i = 0; i < kReadsPerEvent; ++i) {
      if (in_len_ - in_off_ > kMaxUnconsumed) break;
      if (in_.size() < in_len_ + kReadChunk) in_.resize(in_len_ + kReadChunk);  // grows only
      ssize_t n = ::recv(fd_.get(), in_.data() + in_len_, kReadChunk, peeking_ ? MSG_PEEK : 0);
      if (n > 0) {
        in_len_ += static_cast<size_t>(n);
        continue;
      }
      if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        eof = true;  // an RST is the peer going away too (it closed with unread data)
      } else if (errno == EINTR) {
        continue;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        error = std::strerror(errno);
      } else {
        drained = true;
      }
      break;
    }
    if (peeking_ && !drained && !eof && error.empty()) scheduleRead();
    if (in_off_ > 0 && in_off_ > in_len_ / 2) {
      std::memmove(in_.data(), in_.data() + in_off_, in_len_ - in_off_);
      in_len_ -= in_off_;
      in_off_ = 0;
    }
    if (in_len_ > in_off_ && handlers_.on_data) {
      handlers_.on_data(unconsumed());
      if (!*alive || !fd_.valid()) return;
    }
    if (eof) {
      onEof();
    } else if (!error.empty()) {
      close("read failed: " + error);
    }
  }
}

void Connection::onEof() {
  if (in_off_ >= in_len_ || !handlers_.on_data) {
    close("peer closed the connection");
    return;
  }
  // The owner has not consumed everything yet (it bounds its work per loop turn), and what the
  // peer sent last — a session reset, say — must be read before its EOF is reported. Stop
  // watching the fd (a hang-up is level-triggered) and let the owner finish first.
  if (eof_pending_) return;
  eof_pending_ = true;
  loop_.removeFd(fd_.get());
  scheduleEofDrain();
}

void Connection::scheduleEofDrain() {
  std::shared_ptr<bool> alive = alive_;
  loop_.addTimer(0, [this, alive] {
    if (*alive) drainAfterEof();
  });
}

void Connection::drainAfterEof() {
  if (!fd_.valid()) return;
  size_t before = in_len_ - in_off_;
  if (before > 0 && handlers_.on_data) {
    std::shared_ptr<bool> alive = alive_;
    handlers_.on_data(unconsumed());
    if (!*alive || !fd_.valid()) return;
  }
  size_t after = in_len_ - in_off_;
  // All consumed, or no progress (a partial message the peer never finished): report the EOF.
  if (after == 0 || after == before) {
    close("peer closed the connection");
    return;
  }
  scheduleEofDrain();
}

}  // namespace hitless::event
