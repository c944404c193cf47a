// SyncPair: an active and a standby end of one checkpoint session in this process — two
// CheckpointChannels over a socketpair on one event loop — for testing checkpoint clients
// without processes. The active end is the StandbyLink the clients under test write through;
// the standby end hands what arrives to a ClientRegistry of their counterparts and records the
// bulk markers and digest verdicts the RF state machine would get.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/bulk_sender.h"
#include "checkpoint/channel.h"
#include "checkpoint/client_registry.h"
#include "checkpoint/standby_link.h"
#include "event/event_loop.h"
#include "messages/release.h"

namespace hitless::testing {

// The version of the route update `release` writes natively: what its RIB client fingerprints
// at while it has no standby.
issu::MessageVersion nativeRouteVersion(messages::Release release);

class SyncPair {
 public:
  explicit SyncPair(messages::Release active = messages::kRelease1_1,
                    messages::Release standby = messages::kRelease1_1);
  ~SyncPair();

  // Clients under test: the active one writes through link(); the standby one receives.
  void addActive(checkpoint::CheckpointClient& c) { active_clients_.add(c); }
  void addStandby(checkpoint::CheckpointClient& c) { standby_clients_.add(c); }
  // Connects and negotiates (returns false if that did not happen in bounded time).
  bool connect();
  checkpoint::StandbyLink& link();
  event::EventLoop& loop() { return loop_; }

  // Serves the loop until `done` or 5 s pass.
  bool runUntil(const std::function<bool()>& done);
  // Every transaction sent so far was acknowledged.
  bool drained();
  // Runs a whole bulk sync of the active clients to the standby (budget_ns 0: one transaction
  // per loop turn, so that the test's own timers run between them).
  bool bulkSync(size_t batch = 2048, int64_t budget_ns = 5'000'000);

  // What the standby saw.
  std::vector<std::string> bulk_events;  // "begin 4", "end 2028", ...
  std::optional<checkpoint::ClientRegistry::DigestCheck> last_digests;
  std::optional<std::string> standby_error;  // why the standby closed the session

 private:
  struct ActiveEnd;
  struct StandbyEnd;
  event::EventLoop loop_;
  issu::MessageCatalog active_catalog_, standby_catalog_;
  checkpoint::ClientRegistry active_clients_, standby_clients_;
  std::unique_ptr<ActiveEnd> active_;
  std::unique_ptr<StandbyEnd> standby_;
};

}  // namespace hitless::testing
