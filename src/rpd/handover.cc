#include "rpd/handover.h"

namespace hitless::rpd {

Handover::Handover(event::EventLoop& loop, const checkpoint::ClientRegistry& clients,
                   int64_t timeout_ms, Hooks hooks)
    : loop_(loop), clients_(clients), timeout_ms_(timeout_ms), hooks_(std::move(hooks)) {}

Handover::~Handover() {
  if (timer_ != 0) loop_.cancelTimer(timer_);
}

void Handover::run() {
  if (!running_) started_ns_ = loop_.clock().nowNs();
  running_ = true;
  step();
}

void Handover::step() {
  timer_ = 0;
  if (!hooks_.standby_connected()) {
    finish(Status::failedPrecondition("the standby went away before the handover"));
    return;
  }
  if (loop_.clock().nowNs() - started_ns_ > timeout_ms_ * 1000000) {
    finish(Status::failedPrecondition(
        "the handover did not complete in " + std::to_string(timeout_ms_) +
        " ms (checkpoints or BGP output still draining); still active"));
    return;
  }
  if (!quiescing_) {
    for (const checkpoint::CheckpointClient* c : clients_.clients()) {
      if (!c->readyForHandover()) {
        timer_ = loop_.addTimer(1, [this] { step(); });
        return;
      }
    }
    quiescing_ = true;
  }
  // Clients stop first (BGP stops reading: input that arrived during the drain would otherwise
  // be consumed here and never reach the standby). Every client is asked, every time.
  bool quiet = true;
  for (checkpoint::CheckpointClient* c : clients_.clients())
    quiet = c->quiesceForHandover() && quiet;
  if (!quiet || !hooks_.standby_in_step()) {
    timer_ = loop_.addTimer(1, [this] { step(); });
    return;
  }
  for (checkpoint::CheckpointClient* c : clients_.clients()) c->onHandoverCommitted();
  hooks_.commit();
  finish(Status::ok());
}

void Handover::finish(Status s) {
  if (!s.isOk()) {
    for (checkpoint::CheckpointClient* c : clients_.clients()) c->onHandoverAborted();
  }
  running_ = false;
  quiescing_ = false;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w(s);
}

}  // namespace hitless::rpd
