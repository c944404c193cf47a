// BackgroundTask: one CPU-bound job (hashing a 13 MB image) run on a thread of its own, its end
// reported on the loop's thread, so the loop keeps serving its sockets meanwhile. `work` must
// not touch anything the loop's callbacks use; it hands its result over through what it
// captures, which `done` reads (the thread has ended by then).
//
// Destroying the task waits for the thread and drops `done`. Without a thread or an eventfd
// (resource limits), `work` runs on the loop in the next turn instead: slower, never lost.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <utility>

#include "event/event_loop.h"
#include "event/unix_socket.h"

namespace hitless::event {

class BackgroundTask {
 public:
  static std::unique_ptr<BackgroundTask> start(EventLoop& loop, std::function<void()> work,
                                               std::function<void()> done);
  ~BackgroundTask();
  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;

  bool finished() const { return finished_; }  // `done` has run

 private:
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  BackgroundTask(Passkey, EventLoop& loop, std::function<void()> done)
      : loop_(loop), done_(std::move(done)) {}

 private:
  // The owner may destroy the task in `done`: nothing of it is used after.
  void finish();

  EventLoop& loop_;
  std::function<void()> done_;
  UniqueFd wake_;  // eventfd: the thread writes it once `work` returned
  std::thread thread_;
  TimerId fallback_timer_ = 0;
  bool finished_ = false;
};

}  // namespace hitless::event
