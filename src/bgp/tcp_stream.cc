#include "bgp/tcp_stream.h"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace hitless::bgp {
namespace {

Result<tcp_info> tcpInfo(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
    return Status::internal(std::string("TCP_INFO: ") + std::strerror(errno));
  }
  // The byte counters are from Linux 4.19; an older kernel returns a shorter struct.
  if (len < offsetof(tcp_info, tcpi_bytes_retrans) + sizeof(info.tcpi_bytes_retrans)) {
    return Status::unimplemented("TCP_INFO of this kernel has no byte counters");
  }
  return info;
}

}  // namespace

bool kernelPeeksAheadOnTcp() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int zero = 0;
  bool ok = setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) == 0;
  ::close(fd);
  return ok;
}

Result<TcpStreamPosition> tcpStreamPosition(int fd) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    ASSIGN_OR_RETURN(tcp_info before, tcpInfo(fd));
    int inq = 0;
    if (ioctl(fd, SIOCINQ, &inq) != 0) {
      return Status::internal(std::string("SIOCINQ: ") + std::strerror(errno));
    }
    ASSIGN_OR_RETURN(tcp_info after, tcpInfo(fd));
    if (before.tcpi_bytes_received != after.tcpi_bytes_received) continue;
    TcpStreamPosition p;
    p.unread = static_cast<uint64_t>(inq);
    p.consumed = after.tcpi_bytes_received - p.unread;
    // First transmissions plus what waits unsent: every byte ever written, exactly once.
    p.written = after.tcpi_bytes_sent - after.tcpi_bytes_retrans + after.tcpi_notsent_bytes;
    return p;
  }
  return Status::ioError("TCP input kept arriving while its position was read");
}

}  // namespace hitless::bgp
