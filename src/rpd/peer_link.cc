#include "rpd/peer_link.h"

#include <algorithm>

namespace hitless::rpd {

PeerLink::PeerLink(event::EventLoop& loop, uint8_t slot, std::string socket_path,
                   Connected connected)
    : loop_(loop),
      slot_(slot),
      socket_path_(std::move(socket_path)),
      connected_(std::move(connected)) {}

PeerLink::~PeerLink() {
  if (connect_timer_ != 0) loop_.cancelTimer(connect_timer_);
  if (listen_fd_.valid()) loop_.removeFd(listen_fd_.get());
}

Status PeerLink::start() {
  if (slot_ != 0) {
    connect();
    return Status::ok();
  }
  ASSIGN_OR_RETURN(listen_fd_, event::listenUnix(socket_path_, 0600));
  return loop_.addFd(listen_fd_.get(), EPOLLIN, [this](uint32_t) { accept(); });
}

void PeerLink::accept() {
  while (true) {
    auto fd = event::acceptUnix(listen_fd_.get());
    if (!fd.isOk()) return;
    connected_(std::move(*fd));
  }
}

void PeerLink::connect() {
  connect_timer_ = 0;
  auto fd = event::connectUnix(socket_path_);
  if (!fd.isOk()) {
    scheduleConnect();
    return;
  }
  delay_ms_ = kFirstDelayMs;
  retrying_since_ms_ = -1;
  connected_(std::move(*fd));
}

void PeerLink::sessionEnded() { scheduleConnect(); }

void PeerLink::scheduleConnect() {
  if (slot_ == 0 || connect_timer_ != 0) return;
  const int64_t now = loop_.clock().nowMs();
  if (retrying_since_ms_ < 0) retrying_since_ms_ = now;
  if (now - retrying_since_ms_ < kQuickWindowMs) {
    connect_timer_ = loop_.addTimer(kQuickDelayMs, [this] { connect(); });
    return;
  }
  connect_timer_ = loop_.addTimer(delay_ms_, [this] { connect(); });
  delay_ms_ = std::min(delay_ms_ * 2, kMaxDelayMs);
}

}  // namespace hitless::rpd
