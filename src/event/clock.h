// Clock: the one source of time for protocol logic, so the RF and ISSU state machines run with
// a fake clock in tests. CLOCK_MONOTONIC is system-wide on Linux, so monotonic timestamps taken
// by two processes compare directly (used to measure switchover times).
#pragma once

#include <cstdint>
#include <string>

namespace hitless::event {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowNs() const = 0;  // monotonic nanoseconds
  int64_t nowMs() const { return nowNs() / 1000000; }
  // False for a clock that moves only when told to (tests): nothing may wait for it.
  virtual bool passesByItself() const { return true; }
};

class SteadyClock : public Clock {
 public:
  int64_t nowNs() const override;
  static const SteadyClock& instance();
};

class FakeClock : public Clock {
 public:
  int64_t nowNs() const override { return now_ns_; }
  bool passesByItself() const override { return false; }
  void advanceMs(int64_t ms) { now_ns_ += ms * 1000000; }
  void setNs(int64_t ns) { now_ns_ = ns; }

 private:
  int64_t now_ns_ = 1000000000;
};

// Wall-clock time for operator-facing timestamps ("17:30:48 UTC Wed Nov 25 2026").
std::string wallClockString();

}  // namespace hitless::event
