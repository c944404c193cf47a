// EpochStore: this RP's switchover epoch on stable storage — the split-brain guard's memory
// (docs/redundancy.md). Two forms: `epoch.rec` (a DurableCounter, synced on the takeover path,
// fast) and the text file `epoch` that every release reads, written just after, off the critical
// path (an abort may start an older release on this state directory).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/durable_counter.h"
#include "event/event_loop.h"

namespace hitless::rpd {

class EpochStore {
 public:
  // `dir` "" persists nothing (load() is 0).
  EpochStore(event::EventLoop& loop, std::string dir);
  ~EpochStore();

  // The highest epoch either form holds (0 when none, or a torn text file: a peer's higher epoch
  // still wins).
  uint64_t load() const;
  // Durable in epoch.rec when this returns; the text form follows on the next loop turn.
  void persist(uint64_t epoch);

 private:
  event::EventLoop& loop_;
  std::string dir_;
  std::unique_ptr<DurableCounter> record_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::rpd
