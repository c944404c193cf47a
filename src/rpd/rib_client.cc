#include "rpd/rib_client.h"

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "checkpoint/transaction.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"

namespace hitless::rpd {
namespace {

void addRoute(checkpoint::Transaction& txn, const net::Route& route) {
  txn.add(messages::kClientRib, messages::kMsgRouteUpdate,
          [&](issu::MessageVersion v, std::string* out) {
            messages::encodeRouteUpdate(route, v, out);
          });
}

void addWithdraw(checkpoint::Transaction& txn, const net::IpPrefix& prefix) {
  txn.add(messages::kClientRib, messages::kMsgRouteWithdraw,
          [&](issu::MessageVersion, std::string* out) {
            messages::encodeRouteWithdraw({prefix}, out);
          });
}

}  // namespace

RibClient::RibClient(event::EventLoop& loop, checkpoint::StandbyLink& link,
                     issu::MessageVersion route_version, fib::FibClientOptions fib,
                     const CrashPoint& crash)
    : loop_(loop),
      link_(link),
      crash_(crash),
      route_version_(route_version),
      rib_(route_version),
      fib_(std::make_unique<fib::FibClient>(loop, rib_, replayWaitsForBulk(std::move(fib)))) {}

fib::FibClientOptions RibClient::replayWaitsForBulk(fib::FibClientOptions fib) {
  // After a switchover fwdd already forwards on these routes: the replay only confirms them, and
  // the new standby's bulk sync (which makes the pair redundant again) needs the same CPU.
  fib.replay_waits = [this] { return link_.inSync() && !link_.standbyHot(); };
  return fib;
}

RibClient::~RibClient() {
  if (digest_timer_ != 0) loop_.cancelTimer(digest_timer_);
}

uint16_t RibClient::id() const { return messages::kClientRib; }

void RibClient::apply(state::RibDelta delta, ChangeDone done, checkpoint::Transaction txn) {
  if (!role_.active) {
    done({Status::failedPrecondition("this RP is " + role_.state_name +
                                     "; send changes to the active RP"),
          0, false});
    return;
  }
  if (handing_over_) {
    done({Status::failedPrecondition("a switchover is in progress; retry on the new active"), 0,
          false});
    return;
  }
  rib_.apply(delta);
  crash_.at("active-after-apply");
  const size_t n = delta.size();
  if (!link_.inSync()) {
    fib_->send(delta);
    done({Status::ok(), n, false});
    return;
  }
  if (!txn.live()) txn = link_.transaction();
  for (const auto& c : delta.changes) {
    if (c.op == state::RibChange::kUpsert) {
      addRoute(txn, c.route);
    } else {
      addWithdraw(txn, c.route.prefix);
    }
  }
  // The standby hears of a change before the FIB does (docs/architecture.md, the flow of one
  // route); a change the FIB got but the standby did not would be swept by the next active's
  // replay anyway.
  link_.send(std::move(txn), [done, n](bool acked) { done({Status::ok(), n, acked}); });
  if (n > 0 && fib_->connected()) fib_->send(delta);
}

std::string RibClient::divergeForTest() {
  auto prefixes = rib_.prefixes();
  if (prefixes.empty()) return "";
  rib_.withdraw(prefixes.front());
  logEvent("RF", Severity::kWarning, "TEST_DIVERGE",
           "test hook removed " + prefixes.front().toString() + " from this replica only");
  return prefixes.front().toString();
}

nlohmann::json RibClient::fibStatus() const { return fib_->status(); }

Status RibClient::stage(uint16_t type, wire::ByteView native, issu::MessageVersion version) {
  if (type == messages::kMsgRouteUpdate) {
    ASSIGN_OR_RETURN(auto route, messages::decodeRouteUpdate(native, version));
    staged_.push_back({false, std::move(route)});
    return Status::ok();
  }
  if (type == messages::kMsgRouteWithdraw) {
    ASSIGN_OR_RETURN(auto w, messages::decodeRouteWithdraw(native));
    Staged s{true, {}};
    s.route.prefix = w.prefix;
    staged_.push_back(std::move(s));
    return Status::ok();
  }
  return Status::notFound("RIB client message type " + std::to_string(type) +
                          " is not a checkpoint item");
}

Status RibClient::applyStaged(size_t count) {
  Staged* first = staged_.data() + staged_next_;
  state::forEachPrefetched(
      count, [&](size_t i) { rib_.prefetch(first[i].route.prefix); },
      [&](size_t i) {
        if (first[i].withdraw) {
          rib_.withdraw(first[i].route.prefix);
        } else {
          rib_.upsert(std::move(first[i].route));
        }
      });
  staged_next_ += count;
  if (staged_next_ == staged_.size()) discardStaged();
  return Status::ok();
}

void RibClient::discardStaged() {
  staged_.clear();
  staged_next_ = 0;
}

void RibClient::onNegotiated(const issu::NegotiationResult& result) {
  // Both replicas fingerprint routes at the version they exchange them in. The active's table
  // may hold a million routes: it is fingerprinted again a piece per loop turn (and per bulk
  // step: continueDigest); a standby's is emptied by the bulk that follows.
  if (auto v = result.versionFor(messages::kClientRib, messages::kMsgRouteUpdate)) {
    if (role_.active) {
      rib_.beginDigestVersion(*v);
      continueDigestSoon();
    } else {
      rib_.setDigestVersion(*v);
    }
  }
}

void RibClient::onSessionEnd() {
  // Alone, the active moves its digest back to its own version, a piece per loop turn: the
  // likeliest next standby runs the same image (a restart, or the reload that commits an ISSU),
  // and its bulk then needs no recomputation. A standby of another image that comes first only
  // stops the walk.
  if (!role_.active) return;
  rib_.beginDigestVersion(route_version_);
  continueDigestSoon();
}

bool RibClient::continueDigest() { return rib_.continueDigestVersion(kDigestPiece); }

void RibClient::continueDigestSoon() {
  if (continueDigest() || digest_timer_ != 0) return;
  digest_timer_ = loop_.addTimer(0, [this] {
    digest_timer_ = 0;
    continueDigestSoon();
  });
}

uint64_t RibClient::beginBulk() {
  bulk_next_ = 0;
  bulk_end_ = rib_.positions();
  return rib_.size();
}

checkpoint::BulkStep RibClient::produceBulk(checkpoint::Transaction& txn, size_t max_entries) {
  // By position with current values: routes added or changed since the bulk began are also in
  // the stream as incremental transactions, in order, so the standby converges whichever copy it
  // applies last. No index lookups on this path.
  checkpoint::BulkStep step;
  while (bulk_next_ < bulk_end_ && step.entries < max_entries) {
    if (bulk_next_ < rib_.positions()) {
      if (const net::Route* r = rib_.atPosition(bulk_next_)) {
        addRoute(txn, *r);
        ++step.entries;
      }
    }
    ++bulk_next_;
  }
  if (bulk_end_ > 0 && bulk_next_ * 2 >= bulk_end_) crash_.at("active-mid-bulk");
  step.done = bulk_next_ >= bulk_end_;
  return step;
}

void RibClient::onBulkBegin(uint64_t entries) {
  rib_.clear();
  rib_.reserve(entries);
}

std::optional<messages::StateDigest> RibClient::digest() const {
  if (rib_.digestChanging()) return std::nullopt;  // at neither version yet
  return messages::StateDigest{id(), rib_.digest().bytes(), rib_.digest().count(), 0};
}

void RibClient::onRole(const checkpoint::Role& role) {
  role_ = role;
  // Only an active RP writes the FIB.
  if (role.active) {
    fib_->activate(role.epoch);
  } else if (fib_->active()) {
    fib_->deactivate("this RP is " + role.state_name);
  }
}

void RibClient::onTakeover(bool warm) {
  if (warm) {
    fib_->releaseReplayEnd("stateful takeover");
    return;
  }
  rib_.clear();
  fib_->holdReplayEnd();
}

bool RibClient::fibHeldForRestart() const { return fib_->replayEndHeld(); }
void RibClient::holdFibForRestart() { fib_->holdReplayEnd(); }
void RibClient::releaseFib(const std::string& why) { fib_->releaseReplayEnd(why); }

bool RibClient::quiesceForHandover() {
  handing_over_ = true;
  return true;
}

}  // namespace hitless::rpd
