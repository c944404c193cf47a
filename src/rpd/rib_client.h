// RibClient: the routing table, ISSU RIB client (2028), and what only the active does with it —
// feed the forwarding agent (fwdd, through the FibClient).
//
// The active applies a change here, checkpoints it (in the same transaction as messages of other
// clients that caused it: BGP's input) and then sends it to the FIB; the request answers once a
// standby in sync acknowledged it (DESIGN: the standby hears of a change before the FIB does). No
// change is taken while this RP is not active or a planned switchover is draining. Counted bulk
// walks the table's dense storage by position with current values, in transactions of the
// configured size; the digest hashes routes at the version the session negotiated, so two images
// agree on what both can represent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "checkpoint/checkpoint_client.h"
#include "checkpoint/standby_link.h"
#include "event/event_loop.h"
#include "fib/fib_client.h"
#include "rpd/change_result.h"
#include "rpd/crash_points.h"
#include "state/rib.h"

namespace hitless::rpd {

class RibClient : public checkpoint::CheckpointClient {
 public:
  // `route_version`: this image's native version of the route update. `fib`: the forwarding
  // agent to feed (its release: this rpd's, whose message set it speaks).
  RibClient(event::EventLoop& loop, checkpoint::StandbyLink& link,
            issu::MessageVersion route_version, fib::FibClientOptions fib, const CrashPoint& crash);
  ~RibClient() override;

  // Active: applies `delta` and checkpoints it after whatever `txn` already holds (an inert
  // `txn`: a transaction of its own).
  void apply(state::RibDelta delta, ChangeDone done, checkpoint::Transaction txn = {});
  const state::Rib& rib() const { return rib_; }
  // Test hook (rpd --test-hooks): removes one route here only, without checkpointing, to
  // simulate a replica that silently diverged. Returns the prefix removed, or "" if empty.
  std::string divergeForTest();
  nlohmann::json fibStatus() const;
  // After a cold takeover the FIB keeps what it forwards on until the routing protocols have
  // restarted (fib::FibClient::holdReplayEnd): BGP says when, or that it is not running.
  bool fibHeldForRestart() const;
  void releaseFib(const std::string& why);
  // An RP that starts active with nothing synced (its peer RP gone too): fwdd may still forward
  // on the routes of the RP before it, so they are kept the same way until the protocols have
  // restarted.
  void holdFibForRestart();

  // CheckpointClient
  uint16_t id() const override;
  Status stage(uint16_t type, wire::ByteView native, issu::MessageVersion version) override;
  Status applyStaged(size_t count) override;
  void discardStaged() override;
  void onNegotiated(const issu::NegotiationResult& result) override;
  void onSessionEnd() override;
  bool hasCountedBulk() const override { return true; }
  uint64_t beginBulk() override;
  checkpoint::BulkStep produceBulk(checkpoint::Transaction& txn, size_t max_entries) override;
  void onBulkBegin(uint64_t entries) override;
  std::optional<messages::StateDigest> digest() const override;
  bool continueDigest() override;
  void onRole(const checkpoint::Role& role) override;
  void onTakeover(bool warm) override;
  bool quiesceForHandover() override;
  void onHandoverCommitted() override { handing_over_ = false; }
  void onHandoverAborted() override { handing_over_ = false; }

 private:
  // Routes fingerprinted per piece when the digest changes version (~0.4 ms of work): one per
  // loop turn, and one per bulk step, whichever comes first.
  static constexpr size_t kDigestPiece = 4096;
  void continueDigestSoon();
  fib::FibClientOptions replayWaitsForBulk(fib::FibClientOptions fib);

  event::EventLoop& loop_;
  event::TimerId digest_timer_ = 0;
  struct Staged {
    bool withdraw = false;
    net::Route route;  // a withdrawal uses only the prefix
  };

  checkpoint::StandbyLink& link_;
  const CrashPoint& crash_;
  const issu::MessageVersion route_version_;
  state::Rib rib_;
  std::unique_ptr<fib::FibClient> fib_;
  checkpoint::Role role_;
  bool handing_over_ = false;
  std::vector<Staged> staged_;
  size_t staged_next_ = 0;
  size_t bulk_next_ = 0, bulk_end_ = 0;  // positions of the dense storage
};

}  // namespace hitless::rpd
