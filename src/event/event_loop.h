// EventLoop: a single-threaded epoll loop with one-shot and repeating timers. Every daemon
// (rpd, chassisd, fwdd) runs one; all callbacks run on the loop's thread, so protocol state needs
// no locks. Timers are kept in a heap and served from epoll_wait's timeout.
//
// Callbacks may add or remove fds and timers, including their own.
//
// Time comes from the Clock given at construction (the steady clock by default). With a
// FakeClock, timers fire only as the test advances it: advance, then runOnce(0) — the loop never
// waits on a timer, since fake time does not pass by itself.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "base/status.h"
#include "event/clock.h"

namespace hitless::event {

using TimerId = uint64_t;

// How long the loop's turns (the callbacks run after one wakeup) took: a slow turn delays every
// other fd and timer of the process — heartbeats, acknowledgements, BGP keepalives.
struct LoopStats {
  uint64_t turns = 0;
  uint64_t turns_over_1ms = 0, turns_over_10ms = 0, turns_over_20ms = 0, turns_over_100ms = 0;
  int64_t longest_turn_ns = 0;

  void count(int64_t took_ns);
};

class EventLoop {
 public:
  using FdCallback = std::function<void(uint32_t events)>;
  using TimerCallback = std::function<void()>;

  // `clock` must outlive the loop.
  explicit EventLoop(const Clock& clock = SteadyClock::instance());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status addFd(int fd, uint32_t events, FdCallback cb);
  Status modifyFd(int fd, uint32_t events);
  void removeFd(int fd);

  // Runs `cb` after `delay_ms` (and every `delay_ms` after that when `repeat`).
  TimerId addTimer(int64_t delay_ms, TimerCallback cb, bool repeat = false);
  void cancelTimer(TimerId id);

  // Serves events until stop() or until `max_ms` elapsed (negative: no limit).
  void run(int64_t max_ms = -1);
  // Serves ready events and due timers once, waiting at most `wait_ms`.
  void runOnce(int64_t wait_ms);
  void stop() { stopped_ = true; }

  const Clock& clock() const { return clock_; }
  // How long the current turn has been working (since its wait ended): work that slices itself
  // spends a budget per turn, not per callback (a 0 ms timer added by an fd callback runs in
  // the same turn).
  int64_t turnAgeNs() const { return clock().nowNs() - turn_started_ns_; }
  // Sliced work (a further slice of BGP input, a further FIB batch) runs in a turn only while
  // the turn is younger than this; after, it waits for the next turn.
  static constexpr int64_t kTurnBudgetNs = 4'000'000;
  bool turnBudgetSpent() const { return turnAgeNs() >= kTurnBudgetNs; }
  // Since the loop started, and since the last resetWindow(): a benchmark reads the window at
  // the end of each scenario it times, without wiping what status answers report.
  const LoopStats& stats() const { return stats_; }
  const LoopStats& windowStats() const { return window_; }
  void resetWindow() { window_ = {}; }

 private:
  struct Timer {
    int64_t interval_ms;
    bool repeat;
    TimerCallback cb;
  };
  int64_t runDueTimers();  // returns ms until the next timer, or -1
  // Keeps the slowest callback of the turn ("fd 7", "timer 12"), for the stall warning.
  void noteCallback(int64_t took_ns, const char* kind, uint64_t id);
  // A turn this long is logged (LOOP_STALL): it delays heartbeats, acknowledgements and BGP
  // keepalives alike, and is the first thing to look for when the peer RP took over early.
  // HITLESS_LOOP_STALL_MS lowers it for a benchmark or a hunt (issue 21's bound is 20 ms).
  int64_t stall_log_ns_;

  const Clock& clock_;
  int epfd_;
  bool stopped_ = false;
  std::map<int, std::shared_ptr<FdCallback>> fds_;
  std::map<TimerId, Timer> timers_;
  using Deadline = std::pair<int64_t, TimerId>;  // (due ns, id)
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> heap_;
  TimerId next_timer_ = 1;
  LoopStats stats_;
  LoopStats window_;
  int64_t slowest_ns_ = 0;
  std::string slowest_what_;
  int64_t turn_started_ns_ = 0;
};

}  // namespace hitless::event
