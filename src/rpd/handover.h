// Handover: the active's side of a planned switchover (redundancy force-switchover, issu
// runversion). Once every client is ready for it (readyForHandover), every client quiesces —
// BGP stops reading at a message boundary and checkpoints where each stream stands — and the
// handover waits, a loop turn at a time, until every client is quiet and the standby holds
// everything the active reported applied. Then the clients
// release what the successor needs (the BGP port) and `commit` sends the switchover. It gives up,
// and the clients carry on as the active, if the standby goes away or the drain outlasts the
// timeout. Every request made while one runs learns its outcome.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "base/status.h"
#include "checkpoint/client_registry.h"
#include "event/event_loop.h"

namespace hitless::rpd {

class Handover {
 public:
  struct Hooks {
    std::function<bool()> standby_connected;  // the session to the standby is open
    std::function<bool()> standby_in_step;    // nothing unacknowledged, no bulk running
    std::function<void()> commit;             // send the switchover and step down
  };
  Handover(event::EventLoop& loop, const checkpoint::ClientRegistry& clients, int64_t timeout_ms,
           Hooks hooks);
  ~Handover();
  Handover(const Handover&) = delete;
  Handover& operator=(const Handover&) = delete;

  // `done` runs once with the outcome of the handover that run() starts (or that is running).
  void await(std::function<void(Status)> done) { waiters_.push_back(std::move(done)); }
  // The RF state machine decided to hand over: start, or go on with the one running.
  void run();

 private:
  void step();
  void finish(Status s);

  event::EventLoop& loop_;
  const checkpoint::ClientRegistry& clients_;
  const int64_t timeout_ms_;
  Hooks hooks_;
  std::vector<std::function<void(Status)>> waiters_;
  bool running_ = false;
  bool quiescing_ = false;  // every client was ready: the clients are being quiesced
  int64_t started_ns_ = 0;
  event::TimerId timer_ = 0;
};

}  // namespace hitless::rpd
