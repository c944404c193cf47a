// StopSignals: makes SIGTERM and SIGINT stop an EventLoop (through a signalfd, so the handler
// runs on the loop's thread like everything else), and ignores SIGPIPE (writes to a closed
// socket return EPIPE instead of killing a daemon). One per daemon, created before the loop runs.
#pragma once

#include <functional>

#include "event/event_loop.h"
#include "event/unix_socket.h"

namespace hitless::event {

class StopSignals {
 public:
  // `on_stop` runs (on the loop) before the loop stops, e.g. to log.
  StopSignals(EventLoop& loop, std::function<void()> on_stop = nullptr);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  EventLoop& loop_;
  UniqueFd fd_;
};

}  // namespace hitless::event
