#include "bgp/tcp_connector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "bgp/bgp_session.h"

namespace hitless::bgp {
namespace {

// sockaddr for an address + port.
socklen_t toSockaddr(const net::IpAddress& a, uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof(*ss));
  if (a.family == net::Family::kIpv4) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons(port);
  std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

class TcpConnector : public Connector {
 public:
  Result<event::UniqueFd> connect(const PeerConfig& peer) override {
    int family = peer.address.family == net::Family::kIpv4 ? AF_INET : AF_INET6;
    event::UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return Status::ioError(std::string("socket: ") + std::strerror(errno));
    sockaddr_storage ss;
    if (peer.local_address.family != net::Family::kNone) {
      socklen_t local_len = toSockaddr(peer.local_address, 0, &ss);
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), local_len) != 0) {
        return Status::ioError("bind " + peer.local_address.toString() + ": " +
                               std::strerror(errno));
      }
    }
    socklen_t len = toSockaddr(peer.address, peer.port, &ss);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
      return Status::ioError(std::string("connect: ") + std::strerror(errno));
    }
    return fd;
  }
};

}  // namespace

Connector& tcpConnector() {
  static TcpConnector kTcp;
  return kTcp;
}

net::IpAddress addressOf(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    return *net::IpAddress::fromBytes(
        std::string_view(reinterpret_cast<const char*>(&s4->sin_addr), 4));
  }
  if (ss.ss_family != AF_INET6) return {};
  auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  std::string_view raw(reinterpret_cast<const char*>(&s6->sin6_addr), 16);
  if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) return *net::IpAddress::fromBytes(raw.substr(12));
  return *net::IpAddress::fromBytes(raw);
}

net::IpAddress localAddressOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return addressOf(ss);
}

}  // namespace hitless::bgp
