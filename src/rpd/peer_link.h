// PeerLink: the checkpoint socket between the two RPs. Slot 0 listens and slot 1 connects —
// whichever of them is active — so a restarted RP always finds its peer. Slot 1 retries a failed
// connect every 5 ms for the first second (a peer being reloaded in an ISSU step listens within
// tens of ms, and the step waits for the session), then with a doubling back-off (20 ms up to
// 500 ms); it connects again when asked after a session ended; slot 0 takes every connection the
// peer makes (the newest replaces the current session: the peer restarted).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "event/event_loop.h"
#include "event/unix_socket.h"

namespace hitless::rpd {

class PeerLink {
 public:
  using Connected = std::function<void(event::UniqueFd)>;

  PeerLink(event::EventLoop& loop, uint8_t slot, std::string socket_path, Connected connected);
  ~PeerLink();
  PeerLink(const PeerLink&) = delete;
  PeerLink& operator=(const PeerLink&) = delete;

  // Slot 0: listen (mode 0600). Slot 1: connect, retrying until it succeeds.
  Status start();
  // The session ended: slot 1 connects again after the back-off; slot 0 waits for the peer.
  void sessionEnded();

 private:
  void accept();
  void connect();
  void scheduleConnect();

  event::EventLoop& loop_;
  const uint8_t slot_;
  const std::string socket_path_;
  Connected connected_;
  event::UniqueFd listen_fd_;
  event::TimerId connect_timer_ = 0;
  int64_t delay_ms_ = kFirstDelayMs;
  int64_t retrying_since_ms_ = -1;  // the first failed attempt since the last success
  static constexpr int64_t kQuickDelayMs = 5, kQuickWindowMs = 1000;
  static constexpr int64_t kFirstDelayMs = 20, kMaxDelayMs = 500;
};

}  // namespace hitless::rpd
