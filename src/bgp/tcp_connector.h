// The BGP session's way to the kernel's TCP: a Connector opens the connection to a neighbor
// (TcpConnector: socket, bind to the update-source, non-blocking connect), so the session shell
// can run over any stream socket — a socketpair in tests — and the addresses of a socket.
#pragma once

#include <string>

#include "base/status.h"
#include "event/unix_socket.h"
#include "net/ip.h"

struct sockaddr_storage;

namespace hitless::bgp {

struct PeerConfig;

class Connector {
 public:
  virtual ~Connector() = default;
  // Starts a non-blocking connection to `peer`; the descriptor becomes writable when it has
  // completed or failed (SO_ERROR says which). An error here is final for this attempt.
  virtual Result<event::UniqueFd> connect(const PeerConfig& peer) = 0;
};

// The kernel's TCP. Shared and stateless.
Connector& tcpConnector();

// The address of a socket address; IPv4-mapped IPv6 addresses become IPv4.
net::IpAddress addressOf(const sockaddr_storage& ss);
// This end's address of a connected socket (none for a socket that is not IP).
net::IpAddress localAddressOf(int fd);

}  // namespace hitless::bgp
