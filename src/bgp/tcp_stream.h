// TcpStreamPosition: where a TCP connection's two byte streams stand in the kernel, counted from
// the connection's first byte. After the process that used a shared socket died, NSR learns from
// it how much input that process had taken out of the kernel and how much output it had put in
// (docs/bgp.md, "NSR across a crash").
#pragma once

#include <cstdint>

#include "base/status.h"

namespace hitless::bgp {

struct TcpStreamPosition {
  uint64_t consumed = 0;  // input bytes taken out of the receive queue
  uint64_t unread = 0;    // input bytes still in it
  uint64_t written = 0;   // output bytes handed to the kernel (sent, or queued to send)
};

// Reads TCP_INFO and SIOCINQ until two readings agree (input may arrive between the calls).
Result<TcpStreamPosition> tcpStreamPosition(int fd);

// Whether this kernel can peek ahead on TCP (SO_PEEK_OFF, Linux 6.10): without it input is
// consumed as it is read, and a crash with input in flight restarts the session gracefully.
bool kernelPeeksAheadOnTcp();

}  // namespace hitless::bgp
