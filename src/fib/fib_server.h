// FibServer: fwdd's side of the FIB channel (docs/fib-channel.md). Accepts rpd sessions on a
// Unix socket and lets exactly one of them — the one with the highest switchover epoch — write
// the FIB through the FibAgent.
//
// Contract:
// - A hello with an epoch lower than the highest seen is refused (a demoted or partitioned RP
//   never writes); a hello at the same epoch from the other slot while a session is open is
//   refused too (two actives at one epoch). An accepted hello closes the previous session,
//   marks every route stale and starts the stale timer; the session's replay ends with a
//   commit flagged replay_end, after which what is still stale is swept. If no replay ends
//   before the stale timer, fwdd sweeps anyway (the graceful-restart bound).
// - A batch is applied only when its commit arrives and every frame of it decoded: a batch
//   with an undecodable route, an unknown message or too many routes is refused whole with an
//   error reply. A stream that cannot be framed gets an error reply and is closed. Either way
//   fwdd keeps running and nothing of the bad batch reaches the kernel.
// - The highest epoch is persisted in state_dir, so a restarted fwdd still refuses old RPs.
// - Each hello carries the rpd's FIB-channel message set (none: an rpd from before FIB
//   negotiation); fwdd negotiates it with its own release's (messages/fib_catalog.h), refuses an
//   Incompatible pair with the reason, accepts route frames only at versions it knows, and writes
//   its replies at the negotiated versions (transforming from its own, the newer side's work).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "event/connection.h"
#include "event/event_loop.h"
#include "fib/fib_agent.h"
#include "issu/message_catalog.h"
#include "issu/negotiation.h"
#include "messages/fib_catalog.h"
#include "messages/fib_messages.h"

namespace hitless::fib {

struct FibServerOptions {
  std::string socket_path;
  std::string state_dir;  // "" = do not persist the epoch
  int64_t stale_timeout_ms = 90'000;
  size_t max_batch_routes = 1 << 20;
  messages::Release release = messages::knownFwddReleases().back();  // this fwdd's
  std::string software_version;                                      // "1.1.0", for the rpd
};

class FibServer {
 public:
  FibServer(event::EventLoop& loop, FibAgent& agent, FibServerOptions options);
  ~FibServer();

  // Binds the socket first (an RP's connect then waits in the backlog instead of backing off
  // while fwdd reads the kernel), then serves; adopted (stale) routes start the stale timer.
  Status listen();
  Status start();
  nlohmann::json status() const;

 private:
  struct Session;
  void onAccept();
  void onData(Session& s, std::string_view input);
  // Returns false when the session was closed.
  bool onFrame(Session& s, uint16_t client, uint16_t type, uint16_t version,
               std::string_view payload);
  void onHello(Session& s, std::string_view payload);
  void onCommit(Session& s, std::string_view payload);
  void reply(Session& s, uint16_t type, issu::MessageVersion version, const std::string& payload);
  // Fills in what fwdd holds (epoch, routes, stale) and what it speaks, and sends the reply.
  void sendHelloReply(Session& s, messages::FibHelloReply r);
  // A commit reply at the version negotiated with `s` (v1 before any negotiation).
  void sendCommitReply(Session& s, const messages::FibCommitReply& r);
  void closeSession(uint64_t id, const std::string& reason);
  void startStaleTimer();
  // Removes every stale route, kSweepSlice per loop turn. With a writer's replay-end commit,
  // that writer's input waits and its reply goes once the sweep is over (with what it swept);
  // a new writer cancels it (its replay marks everything stale again).
  void sweep(const std::string& why, Session* writer = nullptr,
             messages::FibCommitReply reply = {});
  void scheduleSweepSlice();
  void sweepSlice();
  void finishSweep();
  static constexpr size_t kSweepSlice = 4096;
  // Batches are applied while the loop's turn has budget left (EventLoop::turnBudgetSpent); the
  // rest of the input waits for the next turn (a burst of batches in one read was up to 70 ms
  // of kernel work).
  void scheduleMoreInput(Session& s);
  void persistEpoch();

  event::EventLoop& loop_;
  FibAgent& agent_;
  FibServerOptions options_;
  issu::MessageCatalog catalog_;  // this release's FIB-channel messages
  event::UniqueFd listen_fd_;
  std::map<uint64_t, std::unique_ptr<Session>> sessions_;
  uint64_t next_session_ = 1;
  uint64_t writer_ = 0;  // the session allowed to write (0: none)
  uint64_t epoch_ = 0;
  int writer_slot_ = -1;
  event::TimerId stale_timer_ = 0;
  bool replaying_ = false;
  // Counters for status().
  uint64_t batches_ = 0, batches_refused_ = 0, route_errors_ = 0, hellos_refused_ = 0;
  uint64_t swept_total_ = 0, sweeps_ = 0;
  std::string last_error_;
  int64_t last_replay_ms_ = -1;  // hello to sweep of the last replay
  int64_t replay_started_ns_ = 0;
  double last_sweep_ms_ = 0;
  struct Sweep {
    std::string why;
    uint64_t session = 0;  // whose replay-end reply waits for it (0: none)
    messages::FibCommitReply reply;
    size_t stale_at_start = 0;
    uint64_t removed = 0;
    int64_t started_ns = 0;
    FibOutcome failure;  // the first error
  };
  std::optional<Sweep> sweep_;
  uint64_t sweep_generation_ = 0;  // a cancelled sweep's queued slice does nothing
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::fib
