#include "event/fd_passing.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace hitless::event {

Status sendFdTo(const std::string& path, int fd, std::string_view payload) {
  if (payload.size() > kMaxFdPayload) return Status::invalidArgument("fd payload too large");
  ASSIGN_OR_RETURN(UniqueFd conn, connectUnix(path));
  char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  for (int attempt = 0; attempt < 100; ++attempt) {
    ssize_t n = ::sendmsg(conn.get(), &msg, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(payload.size())) return Status::ok();
    if (n >= 0) return Status::ioError("short send of a descriptor message");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) break;
    pollfd p{conn.get(), POLLOUT, 0};
    ::poll(&p, 1, 10);
  }
  return Status::ioError("passing a descriptor to " + path + ": " + std::strerror(errno));
}

Result<std::pair<UniqueFd, std::string>> receiveFd(int connection_fd) {
  std::string payload(kMaxFdPayload, '\0');
  char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  for (int attempt = 0; attempt < 100; ++attempt) {
    n = ::recvmsg(connection_fd, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0 || (errno != EINTR && errno != EAGAIN)) break;
    pollfd p{connection_fd, POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  if (n < 0) return Status::ioError(std::string("receiving a descriptor: ") + std::strerror(errno));
  payload.resize(static_cast<size_t>(n));
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.push_back(fd);
    }
  }
  if (fds.size() != 1 || (msg.msg_flags & MSG_CTRUNC)) {
    for (int fd : fds) ::close(fd);
    return Status::corruption("descriptor message with " + std::to_string(fds.size()) +
                              " descriptors (want 1)");
  }
  return std::make_pair(UniqueFd(fds[0]), std::move(payload));
}

}  // namespace hitless::event
