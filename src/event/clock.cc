#include "event/clock.h"

#include <time.h>

namespace hitless::event {

int64_t SteadyClock::nowNs() const {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

const SteadyClock& SteadyClock::instance() {
  static const SteadyClock kClock;
  return kClock;
}

std::string wallClockString() {
  time_t now = time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%H:%M:%S UTC %a %b %d %Y", &tm);
  return buf;
}

}  // namespace hitless::event
