#include "event/stop_signals.h"

#include <signal.h>
#include <sys/signalfd.h>

namespace hitless::event {

StopSignals::StopSignals(EventLoop& loop, std::function<void()> on_stop) : loop_(loop) {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  fd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_.valid()) return;
  (void)loop_.addFd(fd_.get(), EPOLLIN, [this, on_stop](uint32_t) {
    if (on_stop) on_stop();
    loop_.stop();
  });
}

StopSignals::~StopSignals() {
  if (fd_.valid()) loop_.removeFd(fd_.get());
}

}  // namespace hitless::event
