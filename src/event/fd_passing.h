// Passing an open socket to another process over a Unix stream socket (SCM_RIGHTS), with a small
// payload naming what it is. The receiver gets its own descriptor for the same open socket: the
// connection lives on as long as either process holds it, which is what lets a standby RP take
// over a BGP session without the neighbor seeing a close (docs/bgp.md, NSR).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "event/unix_socket.h"

namespace hitless::event {

inline constexpr size_t kMaxFdPayload = 1024;

// Connects to `path`, sends `payload` with `fd` attached, and closes. Blocks at most a moment
// (a local socket and a few bytes).
Status sendFdTo(const std::string& path, int fd, std::string_view payload);

// Receives one message with its descriptor from a connection accepted on the listening socket.
// An error if the message carries no descriptor or more than one (the extras are closed).
Result<std::pair<UniqueFd, std::string>> receiveFd(int connection_fd);

}  // namespace hitless::event
