// BulkSender: one bulk sync from the active to a new standby.
//
// Every client with counted bulk, in registration order, sends a begin marker announcing its
// entry count, its entries, and an end marker with the count it sent. A transaction never spans
// two clients. Then the clients without counted bulk resync, a piece at a time (after the first
// begin marker: a standby of an older release drops their state when the configuration's bulk
// begins). Last, the last end marker travels with every client's digest (once each is ready: a
// digest recomputed at a new version advances a piece per step throughout), so the standby
// verifies the whole state in the transaction that completes it — and is STANDBY HOT only
// once every resync piece arrived before it.
//
// The work is bounded per loop turn (`budget_ns` of encoding) and by the output queued to the
// standby (`high_watermark`; resume() continues once it drained), so heartbeats and
// acknowledgements keep flowing while a million routes go out. The RIB is walked with current
// values: changes made meanwhile also travel as incremental transactions, in order, and the
// standby converges whichever copy it applies last.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "checkpoint/client_registry.h"
#include "checkpoint/standby_link.h"
#include "event/event_loop.h"

namespace hitless::checkpoint {

struct BulkSenderOptions {
  size_t batch = 2048;               // entries per transaction
  int64_t budget_ns = 5'000'000;     // encoding per loop turn
  size_t high_watermark = 4u << 20;  // bytes queued to the standby before waiting for resume()
};

class BulkSender {
 public:
  // The output side of the link: how much is queued to the standby, not yet written.
  using PendingBytes = std::function<size_t()>;

  BulkSender(event::EventLoop& loop, const ClientRegistry& registry, StandbyLink& link,
             PendingBytes pending, BulkSenderOptions options);
  ~BulkSender();
  BulkSender(const BulkSender&) = delete;
  BulkSender& operator=(const BulkSender&) = delete;

  void start();
  // The output drained below its low watermark: go on if waiting for it.
  void resume();
  // Every counted client's end marker (and the digests) has been queued.
  bool done() const { return done_; }

 private:
  void produce();
  // One step of the bulk: a transaction of counted entries, a resync piece, or the last
  // transaction. False when there is nothing more to do now (done, or no standby).
  bool step();
  // One piece of every client's digest still being recomputed; true when all are ready.
  bool digestsReady();
  // Fills one transaction: the current client's next entries, with its markers when it begins
  // or ends there (the last client's end marker waits for the resyncs: last_end_).
  void fill(Transaction& txn);

  event::EventLoop& loop_;
  const ClientRegistry& registry_;
  StandbyLink& link_;
  PendingBytes pending_;
  BulkSenderOptions options_;
  std::vector<CheckpointClient*> counted_, resyncing_;
  size_t index_ = 0;  // the counted client being sent
  bool begun_ = false;
  uint64_t sent_ = 0, announced_ = 0;
  std::optional<messages::BulkSync> last_end_;
  bool resync_begun_ = false;
  size_t resync_index_ = 0;  // the client without counted bulk being resynced
  bool done_ = false;
  bool resume_scheduled_ = false;  // a produce() is queued for the next loop turn
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::checkpoint
