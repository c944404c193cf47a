#include "fib/fib_agent.h"

#include <gtest/gtest.h>

#include "fake_kernel_fib.h"
#include "state/route_text.h"

namespace hitless::fib {
namespace {

state::RibDelta changes(std::string_view text) {
  auto d = state::parseRouteChanges(text);
  EXPECT_TRUE(d.isOk()) << d.status().message();
  return d.isOk() ? *d : state::RibDelta{};
}

net::IpPrefix prefix(const char* p) { return *net::IpPrefix::parse(p); }

TEST(FibAgentTest, InstallsAndSkipsUnchangedRoutes) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  const char* text =
      "add 198.19.1.0/24 via 198.18.2.2\nadd 198.19.2.0/24 via 198.18.2.2 metric 5\n";
  FibOutcome o = agent.apply(changes(text).changes);
  ASSERT_TRUE(o.status.isOk());
  EXPECT_EQ(o.written, 2u);
  EXPECT_EQ(kernel.table.size(), 2u);
  // The same routes again (as a replay sends them): no kernel operation at all.
  o = agent.apply(changes(text).changes);
  EXPECT_EQ(o.written, 0u);
  EXPECT_EQ(o.unchanged, 2u);
  EXPECT_EQ(kernel.operations, 2u);
}

TEST(FibAgentTest, ChangedNextHopIsReplacedInPlaceNeverDeleted) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  (void)agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n").changes);
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.2.3\n").changes);
  EXPECT_EQ(o.written, 1u);
  EXPECT_EQ(kernel.deletes, 0u);
  EXPECT_EQ(kernel.table.at(prefix("198.19.1.0/24")).nexthops[0].gateway.toString(), "198.18.2.3");
}

TEST(FibAgentTest, MetricChangeDeletesTheOldKeyFirst) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  (void)agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2 metric 10\n").changes);
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2 metric 20\n").changes);
  EXPECT_EQ(o.written, 2u);
  EXPECT_EQ(kernel.deletes, 1u);
  EXPECT_EQ(agent.find(prefix("198.19.1.0/24"))->metric, 20u);
}

TEST(FibAgentTest, OnlyTheLastChangePerPrefixInABatchReachesTheKernel) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n"
                                     "add 198.19.1.0/24 via 198.18.2.3\n"
                                     "add 198.19.2.0/24 via 198.18.2.2\n"
                                     "del 198.19.2.0/24\n")
                                 .changes);
  EXPECT_EQ(o.written, 1u);
  EXPECT_EQ(kernel.table.size(), 1u);
  EXPECT_EQ(agent.size(), 1u);
  EXPECT_EQ(o.unchanged, 1u);  // the withdraw of a route never installed
}

TEST(FibAgentTest, KernelRefusalIsReportedPerRouteAndKeepsTheRest) {
  FakeKernelFib kernel;
  kernel.unreachable.insert(*net::IpAddress::parse("198.18.9.9"));
  FibAgent agent(kernel);
  (void)agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n").changes);
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.9.9\n"
                                     "add 198.19.3.0/24 via 198.18.2.2\n")
                                 .changes);
  ASSERT_EQ(o.route_errors.size(), 1u);
  EXPECT_EQ(o.route_errors[0].prefix, prefix("198.19.1.0/24"));
  EXPECT_NE(o.route_errors[0].error.find("unreachable"), std::string::npos);
  // The refused replacement left the old route in place, in the kernel and in the agent.
  EXPECT_EQ(agent.find(prefix("198.19.1.0/24"))->nexthops[0].gateway.toString(), "198.18.2.2");
  EXPECT_EQ(kernel.table.count(prefix("198.19.3.0/24")), 1u);
}

TEST(FibAgentTest, KernelUnreachableChangesNothing) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  kernel.up = false;
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n").changes);
  EXPECT_FALSE(o.status.isOk());
  EXPECT_EQ(agent.size(), 0u);
}

TEST(FibAgentTest, ReplayThenSweepRemovesOnlyWhatTheReplayDidNotRepeat) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  (void)agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n"
                            "add 198.19.2.0/24 via 198.18.2.2\n"
                            "add 198.19.3.0/24 via 198.18.2.2\n")
                        .changes);
  uint64_t before = kernel.operations;
  agent.markAllStale();
  EXPECT_EQ(agent.staleCount(), 3u);
  // The new active holds .1 unchanged, .2 changed, .3 gone, .4 new.
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n"
                                     "add 198.19.2.0/24 via 198.18.2.3\n"
                                     "add 198.19.4.0/24 via 198.18.2.2\n")
                                 .changes);
  EXPECT_EQ(o.unchanged, 1u);
  EXPECT_EQ(agent.staleCount(), 1u);
  FibOutcome swept = agent.sweepStale();
  EXPECT_EQ(swept.removed, 1u);
  EXPECT_EQ(kernel.operations - before, 3u);  // replace .2, add .4, delete .3
  ASSERT_EQ(kernel.deleted.size(), 1u);
  EXPECT_EQ(kernel.deleted[0], prefix("198.19.3.0/24"));
  EXPECT_EQ(agent.size(), 3u);
  EXPECT_EQ(agent.staleCount(), 0u);
}

TEST(FibAgentTest, AdoptedRoutesMatchTheReplayDespiteKernelFilledFields) {
  FakeKernelFib kernel;
  {
    FibAgent first(kernel);
    (void)first.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n"
                              "add 198.19.5.0/24 via 198.18.2.2 via 198.18.2.3 weight 3\n"
                              "add 2001:db8:1::/64 via 2001:db8::2\n")
                          .changes);
  }
  // fwdd restarted: a new agent reads the kernel back; the kernel filled in ifindex, and the
  // IPv6 route has the kernel's default metric.
  FibAgent agent(kernel);
  ASSERT_TRUE(agent.adoptFromKernel().isOk());
  EXPECT_EQ(agent.size(), 3u);
  EXPECT_EQ(agent.staleCount(), 3u);
  uint64_t before = kernel.operations;
  FibOutcome o = agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n"
                                     "add 198.19.5.0/24 via 198.18.2.3 weight 3 via 198.18.2.2\n"
                                     "add 2001:db8:1::/64 via 2001:db8::2\n")
                                 .changes);
  EXPECT_EQ(o.unchanged, 3u);
  EXPECT_EQ(kernel.operations, before) << "a replay of unchanged routes must not write";
  EXPECT_EQ(agent.sweepStale().removed, 0u);
}

TEST(FibAgentTest, WithdrawRemovesAndUnknownWithdrawIsHarmless) {
  FakeKernelFib kernel;
  FibAgent agent(kernel);
  (void)agent.apply(changes("add 198.19.1.0/24 via 198.18.2.2\n").changes);
  FibOutcome o = agent.apply(changes("del 198.19.1.0/24\ndel 198.19.7.0/24\n").changes);
  EXPECT_EQ(o.removed, 1u);
  EXPECT_EQ(o.unchanged, 1u);
  EXPECT_TRUE(kernel.table.empty());
}

}  // namespace
}  // namespace hitless::fib
