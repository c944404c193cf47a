// FibServer and FibClient in one process, over a Unix socket, on an in-memory kernel: a replay
// that leaves 9,900 adopted routes stale ends in a sweep of kSweepSlice routes per loop turn,
// and the writer's reply to its replay end — and its next batch — wait for the sweep's end; a
// burst of batches in one read is applied a turn's budget at a time.
#include "fib/fib_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "event/event_loop.h"
#include "fake_kernel_fib.h"
#include "fib/fib_client.h"

namespace hitless::fib {
namespace {

// Counts, per call, the deletes and the writes the kernel was asked for; with a fake clock,
// each call takes `ms_per_call` of it (the kernel's own work).
class CountingKernelFib : public FakeKernelFib {
 public:
  Result<std::vector<FibOpError>> apply(std::span<const FibOp> ops) override {
    size_t deletes = std::count_if(ops.begin(), ops.end(),
                                   [](const FibOp& op) { return op.kind == FibOp::kDelete; });
    if (deletes > 0) delete_calls.push_back(deletes);
    if (deletes < ops.size()) ++write_calls;
    if (clock != nullptr) clock->advanceMs(ms_per_call);
    return FakeKernelFib::apply(ops);
  }
  std::vector<size_t> delete_calls;
  size_t write_calls = 0;
  event::FakeClock* clock = nullptr;
  int64_t ms_per_call = 0;
};

net::Route hostRoute(uint32_t i) {
  net::Route r;
  r.prefix = *net::IpPrefix::make(net::IpAddress::v4(0x64400000u + i), 32);
  r.nexthops.push_back({*net::IpAddress::parse("198.18.2.2"), 0, 1});
  return r;
}

// fwdd's side, in this process: an in-memory kernel holding `routes` host routes, adopted by
// the agent as stale (as after fwdd restarted), served on a socket in a directory of its own
// that goes when the test ends, pass or fail.
struct FwddRig {
  explicit FwddRig(uint32_t routes, const event::Clock& clock = event::SteadyClock::instance())
      : dir("/tmp/hitless-fibserver-" + std::to_string(::getpid())), loop(clock), agent(kernel) {
    ::mkdir(dir.c_str(), 0700);
    for (uint32_t i = 0; i < routes; ++i) kernel.table[hostRoute(i).prefix] = hostRoute(i);
    options.socket_path = dir + "/fib.sock";
  }
  ~FwddRig() {
    server.reset();
    ::unlink(options.socket_path.c_str());
    ::rmdir(dir.c_str());
  }
  Status start() {
    RETURN_IF_ERROR(agent.adoptFromKernel());
    server = std::make_unique<FibServer>(loop, agent, options);
    return server->start();
  }
  // A writer of release 1.1 on this rig's socket.
  FibClientOptions writer() const {
    FibClientOptions co;
    co.socket_path = options.socket_path;
    co.software_version = "1.1.0";
    return co;
  }

  const std::string dir;
  event::EventLoop loop;
  CountingKernelFib kernel;
  FibAgent agent;
  FibServerOptions options;
  std::unique_ptr<FibServer> server;
};

TEST(FibServerTest, AReplayEndsInASweepSpreadOverLoopTurnsAndItsReplyWaitsForIt) {
  FwddRig rig(10'000);
  ASSERT_TRUE(rig.start().isOk());
  ASSERT_EQ(rig.agent.staleCount(), 10'000u);
  event::EventLoop& loop = rig.loop;
  CountingKernelFib& kernel = rig.kernel;

  state::Rib rib;  // the new active holds the first 100 of them
  for (uint32_t i = 0; i < 100; ++i) rib.upsert(hostRoute(i));
  FibClient client(loop, rib, rig.writer());
  client.activate(1);

  // A change right after the replay: it waits in fwdd's socket while the sweep runs.
  bool sent_after = false;
  size_t most_slices_per_turn = 0;
  auto replayDone = [&] { return client.status()["replay_ms"].get<int64_t>() >= 0; };
  for (int turn = 0; turn < 5000 && !replayDone(); ++turn) {
    const size_t before = kernel.delete_calls.size();
    loop.runOnce(1);
    most_slices_per_turn = std::max(most_slices_per_turn, kernel.delete_calls.size() - before);
    if (!sent_after && client.connected() && !client.status()["replaying"].get<bool>()) {
      sent_after = true;
      state::RibDelta d;
      d.upsert(hostRoute(20'000));
      rib.apply(d);
      client.send(d);
    }
  }
  ASSERT_TRUE(replayDone());
  // The reply to the replay end came once every stale route was gone (it says all 9,900).
  EXPECT_EQ(client.status()["swept"], 9'900);
  for (int i = 0; i < 100 && kernel.table.size() != 101; ++i) loop.runOnce(1);
  EXPECT_EQ(kernel.table.size(), 101u);
  EXPECT_EQ(kernel.table.count(hostRoute(20'000).prefix), 1u);
  // 9,900 deletes in slices of at most 4096, one slice per loop turn.
  EXPECT_EQ(kernel.delete_calls, (std::vector<size_t>{4096, 4096, 1708}));
  EXPECT_EQ(most_slices_per_turn, 1u);
  EXPECT_EQ(rig.server->status()["sweeps"], 1);
}

// While the RP has more urgent work (replay_waits: its standby's bulk sync), the replay's walk
// waits — fwdd already forwards on the routes — but a change still goes to fwdd at once.
TEST(FibServerTest, AReplayWaitsWhileAskedAndChangesGoOnMeanwhile) {
  FwddRig rig(1'000);
  ASSERT_TRUE(rig.start().isOk());
  event::EventLoop& loop = rig.loop;
  CountingKernelFib& kernel = rig.kernel;
  FibAgent& agent = rig.agent;

  state::Rib rib;
  for (uint32_t i = 0; i < 1'000; ++i) rib.upsert(hostRoute(i));
  bool busy = true;
  FibClientOptions co = rig.writer();
  co.replay_waits = [&] { return busy; };
  FibClient client(loop, rib, co);
  client.activate(1);
  for (int turn = 0; turn < 200 && !client.connected(); ++turn) loop.runOnce(1);
  ASSERT_TRUE(client.connected());
  state::RibDelta d;
  d.upsert(hostRoute(20'000));
  rib.apply(d);
  client.send(d);
  for (int turn = 0; turn < 200 && kernel.table.count(hostRoute(20'000).prefix) == 0; ++turn) {
    loop.runOnce(1);
  }
  EXPECT_EQ(kernel.table.count(hostRoute(20'000).prefix), 1u) << "a change is not held back";
  for (int turn = 0; turn < 20; ++turn) loop.runOnce(1);
  EXPECT_EQ(agent.staleCount(), 1'000u) << "nothing replayed while the RP is busy";
  EXPECT_TRUE(client.status()["replaying"].get<bool>());

  busy = false;
  auto replayDone = [&] { return client.status()["replay_ms"].get<int64_t>() >= 0; };
  for (int turn = 0; turn < 2000 && !replayDone(); ++turn) loop.runOnce(1);
  ASSERT_TRUE(replayDone());
  EXPECT_EQ(agent.staleCount(), 0u);
  EXPECT_EQ(client.status()["swept"], 0);
  EXPECT_EQ(kernel.table.size(), 1'001u);
}

// Ten batches arrive in one read; each takes the kernel 3 ms. fwdd applies them while its loop
// turn is younger than EventLoop::kTurnBudgetNs (4 ms): two per turn, every route in the end.
TEST(FibServerTest, ABurstOfBatchesIsAppliedATurnsBudgetAtATime) {
  event::FakeClock clock;
  FwddRig rig(0, clock);
  ASSERT_TRUE(rig.start().isOk());
  event::EventLoop& loop = rig.loop;
  CountingKernelFib& kernel = rig.kernel;

  state::Rib rib;
  FibClient client(loop, rib, rig.writer());
  client.activate(1);
  auto replayDone = [&] { return client.status()["replay_ms"].get<int64_t>() >= 0; };
  for (int turn = 0; turn < 200 && !replayDone(); ++turn) loop.runOnce(1);
  ASSERT_TRUE(replayDone());
  kernel.clock = &clock;
  kernel.ms_per_call = 3;
  const size_t calls_before = kernel.write_calls;
  for (uint32_t b = 0; b < 10; ++b) {
    state::RibDelta d;
    for (uint32_t i = 0; i < 100; ++i) d.upsert(hostRoute(b * 100 + i));
    rib.apply(d);
    client.send(d);
  }
  size_t most_per_turn = 0, turns = 0;
  for (; turns < 200 && kernel.table.size() < 1000; ++turns) {
    const size_t before = kernel.write_calls;
    loop.runOnce(1);
    most_per_turn = std::max(most_per_turn, kernel.write_calls - before);
  }
  EXPECT_EQ(kernel.table.size(), 1000u);
  EXPECT_EQ(kernel.write_calls - calls_before, 10u);
  EXPECT_EQ(most_per_turn, 2u);
  EXPECT_GE(turns, 5u);
}

}  // namespace
}  // namespace hitless::fib
