#include "event/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hitless::event {
namespace {

Status errnoStatus(const std::string& what) {
  return Status::ioError(what + ": " + std::strerror(errno));
}

Result<sockaddr_un> address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::invalidArgument("socket path too long (max " +
                                   std::to_string(sizeof(addr.sun_path) - 1) + "): " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errnoStatus("fcntl");
  return Status::ok();
}

Status discardInput(int fd, size_t n) {
  // The kernel copies nothing into it with MSG_TRUNC, but a real buffer keeps sanitizers' view of
  // recv() honest (they mark the returned length as written). Shared, not thread_local: static
  // TLS comes out of every thread's stack, and a library's threads (civetweb's) have small ones.
  static char scratch[64 * 1024];
  while (n > 0) {
    ssize_t got = ::recv(fd, scratch, std::min(n, sizeof(scratch)), MSG_TRUNC | MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errnoStatus("discarding " + std::to_string(n) + " bytes of input");
    if (got == 0) {
      return Status::ioError("discarding " + std::to_string(n) + " bytes of input: end of stream");
    }
    n -= static_cast<size_t>(got);
  }
  return Status::ok();
}

Result<UniqueFd> listenUnix(const std::string& path, unsigned mode) {
  ASSIGN_OR_RETURN(sockaddr_un addr, address(path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errnoStatus("socket");
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return errnoStatus("bind " + path);
  }
  if (::chmod(path.c_str(), mode) != 0) return errnoStatus("chmod " + path);
  if (::listen(fd.get(), 16) != 0) return errnoStatus("listen " + path);
  return fd;
}

Result<UniqueFd> connectUnix(const std::string& path) {
  ASSIGN_OR_RETURN(sockaddr_un addr, address(path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errnoStatus("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return errnoStatus("connect " + path);
  }
  RETURN_IF_ERROR(setNonBlocking(fd.get()));
  return fd;
}

Result<UniqueFd> acceptUnix(int listen_fd) {
  int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return errnoStatus("accept");
  return UniqueFd(fd);
}

}  // namespace hitless::event
