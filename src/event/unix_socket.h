// Unix stream sockets for the local channels (checkpoint, control, FIB): listening with a file
// mode (0600 for control sockets), non-blocking connects, and descriptor passing (SCM_RIGHTS).
#pragma once

#include <string>

#include "base/status.h"

namespace hitless::event {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Binds and listens at `path` (an old socket file there is replaced), then chmods it to `mode`.
Result<UniqueFd> listenUnix(const std::string& path, unsigned mode);
// Connects (blocking connect on a Unix socket completes at once or fails), then sets O_NONBLOCK.
Result<UniqueFd> connectUnix(const std::string& path);
Result<UniqueFd> acceptUnix(int listen_fd);
Status setNonBlocking(int fd);
// Takes the first `n` bytes out of a TCP socket's receive queue without keeping them
// (MSG_TRUNC); they must be there. For input already peeked, or already applied elsewhere.
Status discardInput(int fd, size_t n);

}  // namespace hitless::event
