#include "checkpoint/bulk_sender.h"

#include "base/log.h"
#include "messages/wire_numbers.h"

namespace hitless::checkpoint {
namespace {

void addMarker(Transaction& txn, const messages::BulkSync& marker) {
  txn.add(messages::kClientRf, messages::kMsgBulkSync,
          [&](issu::MessageVersion, std::string* out) { messages::encodeBulkSync(marker, out); });
}

}  // namespace

BulkSender::BulkSender(event::EventLoop& loop, const ClientRegistry& registry, StandbyLink& link,
                       PendingBytes pending, BulkSenderOptions options)
    : loop_(loop),
      registry_(registry),
      link_(link),
      pending_(std::move(pending)),
      options_(std::move(options)) {
  for (CheckpointClient* c : registry_.clients()) {
    (c->hasCountedBulk() ? counted_ : resyncing_).push_back(c);
  }
}

BulkSender::~BulkSender() { *alive_ = false; }

void BulkSender::start() { produce(); }

void BulkSender::resume() {
  if (!done_ && !resume_scheduled_) produce();
}

void BulkSender::fill(Transaction& txn) {
  CheckpointClient& client = *counted_[index_];
  if (!begun_) {
    begun_ = true;
    sent_ = 0;
    announced_ = client.beginBulk();
    addMarker(txn, {client.id(), messages::BulkSync::kBegin, announced_});
  }
  BulkStep step = client.produceBulk(txn, options_.batch);
  sent_ += step.entries;
  if (!step.done) return;
  begun_ = false;
  const messages::BulkSync end{client.id(), messages::BulkSync::kEnd, sent_};
  if (++index_ < counted_.size()) {
    addMarker(txn, end);  // a transaction never spans two clients
  } else {
    last_end_ = end;
  }
}

bool BulkSender::digestsReady() {
  // A piece per client per step, beside the bulk's own work: a recomputed digest (a new version
  // negotiated) is ready well before the bulk ends instead of taking one long turn.
  bool ready = true;
  for (CheckpointClient* c : registry_.clients()) ready = c->continueDigest() && ready;
  return ready;
}

bool BulkSender::step() {
  const bool digests_ready = digestsReady();
  if (index_ < counted_.size()) {
    Transaction txn = link_.transaction();
    fill(txn);
    if (!txn.empty()) link_.send(std::move(txn), [](bool) {});
  } else if (resync_index_ < resyncing_.size()) {
    if (!resync_begun_) {
      resync_begun_ = true;
      for (CheckpointClient* c : resyncing_) c->resyncStandby();
    }
    if (resyncing_[resync_index_]->continueResync()) ++resync_index_;
  } else if (digests_ready) {
    Transaction txn = link_.transaction();
    if (last_end_) addMarker(txn, *last_end_);
    registry_.addDigests(txn);
    if (!txn.empty()) link_.send(std::move(txn), [](bool) {});
    done_ = true;
  }
  return !done_ && link_.inSync();
}

void BulkSender::produce() {
  if (done_ || !link_.inSync()) return;
  const int64_t budget_end = loop_.clock().nowNs() + options_.budget_ns;
  do {  // at least one step per turn, whatever the clock says
    if (pending_() >= options_.high_watermark) return;  // resume() continues
    if (!step()) return;
  } while (loop_.clock().nowNs() < budget_end);
  std::shared_ptr<bool> alive = alive_;
  resume_scheduled_ = true;
  loop_.addTimer(0, [this, alive] {
    if (!*alive) return;
    resume_scheduled_ = false;
    produce();
  });
}

}  // namespace hitless::checkpoint
