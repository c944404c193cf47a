// Two real rpd processes per test, on the same and on different images, killed with SIGKILL at
// chosen points. Every scenario checks state entry by entry, not just counts.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "base/subprocess.h"
#include "control/control_server.h"
#include "event/unix_socket.h"
#include "redundancy/rp_pair.h"
#include "util/child_process.h"

namespace hitless::testing {
namespace {

constexpr int kActive = 13, kStandbyHot = 8, kStandbyCold = 4;

// `count` host routes from 198.18.0.0/15, metric `metric`.
std::string routes(int first, int count, int metric, const char* verb = "add") {
  std::string out;
  for (int i = first; i < first + count; ++i) {
    out += std::string(verb) + " 198." + std::to_string(18 + i / 65536) + "." +
           std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + "/32";
    if (std::string(verb) == "add") {
      out += " via 198.18.255.1 metric " + std::to_string(metric);
    }
    out += "\n";
  }
  return out;
}

void expectSameRib(const nlohmann::json& a, const nlohmann::json& b) {
  ASSERT_TRUE(a.value("ok", false)) << a.dump();
  ASSERT_TRUE(b.value("ok", false)) << b.dump();
  EXPECT_EQ(a["count"], b["count"]);
  EXPECT_EQ(a["routes"], b["routes"]) << "RIBs differ entry by entry";
}

struct Releases {
  const char* active;
  const char* standby;
};

class PairAcrossImages : public ::testing::TestWithParam<Releases> {};

// setup -> verify -> switchover -> verify -> switch back -> verify (FBOSS verifyAcrossWarmBoots).
TEST_P(PairAcrossImages, ReachesHotAndKeepsEveryRouteAcrossPlannedSwitchovers) {
  RpPair pair;
  pair.start(0, GetParam().active, true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000)) << pair.logs();
  ASSERT_TRUE(pair.apply(0, routes(0, 3000, 1)).value("ok", false));  // bulk-synced later
  pair.start(1, GetParam().standby, false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();

  // Incremental sync: changes, modifications and withdrawals after the standby is hot.
  auto r = pair.apply(0, routes(3000, 1000, 2) + routes(0, 500, 9) + routes(500, 250, 0, "del"));
  ASSERT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_TRUE(r["synced"].get<bool>()) << "the active answered before the standby acknowledged";
  nlohmann::json before = pair.dump(0);
  EXPECT_EQ(before["count"], 3750);
  expectSameRib(before, pair.dump(1));

  for (int round = 0; round < 2; ++round) {
    int from = round % 2, to = 1 - from;
    auto s = pair.request(from, {{"cmd", "force-switchover"}});
    ASSERT_TRUE(s.value("ok", false)) << s.dump() << pair.logs();
    ASSERT_TRUE(pair.waitState(to, kActive)) << pair.logs();
    expectSameRib(before, pair.dump(to));
    // The old active comes back as a hot standby, synced from the new active.
    ASSERT_TRUE(pair.waitState(from, kStandbyHot)) << pair.logs();
    expectSameRib(before, pair.dump(from));
  }
  auto st = pair.status(0);
  EXPECT_EQ(st["switchovers"], 1);
  EXPECT_EQ(st["epoch"], 2);
  EXPECT_EQ(st["last_switchover_reason"], "user initiated");
}

INSTANTIATE_TEST_SUITE_P(Images, PairAcrossImages,
                         ::testing::Values(Releases{"1.0", "1.0"}, Releases{"1.0", "1.1"},
                                           Releases{"1.1", "1.0"}, Releases{"1.1", "1.1"}),
                         [](const auto& info) {
                           std::string n = std::string("active_") + info.param.active +
                                           "_standby_" + info.param.standby;
                           for (char& c : n) c = c == '.' ? '_' : c;
                           return n;
                         });

TEST(RpdFaults, KillingTheActiveLosesNoAcknowledgedChange) {
  RpPair pair;
  pair.start(0, "1.0", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  pair.start(1, "1.1", false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();

  // A writer streams batches of changes; it records every batch the active acknowledged.
  std::atomic<int> acked_batches{0};
  std::atomic<bool> stop{false};
  constexpr int kBatch = 50;
  std::thread writer([&] {
    for (int b = 0; !stop && b < 2000; ++b) {
      auto r =
          pair.request(0, {{"cmd", "rib-apply"}, {"changes", routes(b * kBatch, kBatch, b)}}, 5000);
      if (!r.value("ok", false) || !r.value("synced", false)) return;
      acked_batches = b + 1;
    }
  });
  ASSERT_TRUE(waitFor([&] { return acked_batches >= 100; }, 30000)) << pair.logs();
  pair.kill(0);  // SIGKILL in the middle of the stream
  stop = true;
  writer.join();
  int acked = acked_batches;

  ASSERT_TRUE(pair.waitState(1, kActive)) << pair.logs();
  auto rib = pair.dump(1);
  ASSERT_TRUE(rib.value("ok", false));
  std::set<std::string> have(rib["routes"].begin(), rib["routes"].end());
  int missing = 0;
  for (int b = 0; b < acked; ++b) {
    std::string text = routes(b * kBatch, kBatch, b);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string line = text.substr(pos + 4, nl - pos - 4);  // drop "add "
      std::string expect = line.substr(0, line.find(' ')) + " via 198.18.255.1 metric " +
                           std::to_string(b) + " distance 0 proto 0";
      if (!have.count(expect)) ++missing;
      pos = nl + 1;
    }
  }
  EXPECT_EQ(missing, 0) << "of " << acked * kBatch << " acknowledged changes";
  EXPECT_GE(rib["count"].get<int>(), acked * kBatch);
  auto st = pair.status(1);
  EXPECT_EQ(st["last_switchover_reason"], "active unit failed");
}

TEST(RpdFaults, StandbyKilledMidBulkComesBackHotWithTheFullState) {
  RpPair pair;
  pair.start(0, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  auto gen = pair.request(0, {{"cmd", "rib-generate"}, {"count", 100000}, {"batch", 5000}});
  ASSERT_TRUE(gen.value("ok", false)) << gen.dump();
  pair.start(1, "1.1", false, {"--crash-at", "standby-mid-bulk", "--bulk-batch", "512"});
  ASSERT_TRUE(waitFor([&] { return pair.process(1).exited(); }, 20000)) << pair.logs();
  EXPECT_NE(pair.process(1).log().find("crashing at standby-mid-bulk"), std::string::npos);
  // The active noticed and kept serving.
  ASSERT_TRUE(waitFor([&] { return pair.status(0)["communications"] == "Down"; }, 5000));
  EXPECT_TRUE(pair.apply(0, routes(0, 10, 3)).value("ok", false));

  pair.start(1, "1.1", false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot, 20000)) << pair.logs();
  expectSameRib(pair.dump(0), pair.dump(1));
  // The crash is counted; a loaded machine may add a false heartbeat verdict, never remove one.
  EXPECT_GE(pair.status(0)["standby_failures"].get<int>(), 1) << pair.logs();
}

TEST(RpdFaults, StandbyKilledBeforeItsAckLeavesTheChangeUnacknowledged) {
  RpPair pair;
  pair.start(0, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  pair.start(1, "1.1", false, {"--crash-at", "standby-before-ack"});
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();
  auto r = pair.apply(0, routes(0, 5, 1));
  ASSERT_TRUE(r.value("ok", false));
  EXPECT_FALSE(r["synced"].get<bool>()) << "reported as acknowledged by a standby that died first";
  EXPECT_TRUE(waitFor([&] { return pair.process(1).exited(); }, 5000));
  EXPECT_NE(pair.process(1).log().find("crashing at standby-before-ack"), std::string::npos);
  EXPECT_EQ(pair.dump(0)["count"], 5);  // applied on the active all the same
}

TEST(RpdFaults, HungActiveIsDetectedByMissedHeartbeats) {
  RpPair pair;
  pair.start(0, "1.0", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  ASSERT_TRUE(pair.apply(0, routes(0, 100, 1)).value("ok", false));
  pair.start(1, "1.0", false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();
  pair.process(0).signal(SIGSTOP);  // alive but silent: no EOF, only missing heartbeats
  ASSERT_TRUE(pair.waitState(1, kActive, 5000)) << pair.logs();
  EXPECT_NE(pair.process(1).log().find("missed 10 heartbeats"), std::string::npos) << pair.logs();
  EXPECT_EQ(pair.dump(1)["count"], 100);
  pair.kill(0);
}

// A new active whose BGP port is still held (by a previous active declared hung and not yet
// killed) must keep trying: nothing else would bring BGP back once the holder goes.
TEST(RpdFaults, BgpStartsOnceItsPortIsFreed) {
  int blocker = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(blocker, 0);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_any;
  socklen_t len = sizeof(sa);
  ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(::listen(blocker, 1), 0);
  ASSERT_EQ(::getsockname(blocker, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  const int port = ntohs(sa.sin6_port);

  RpPair pair;
  std::string config = pair.dir().file("bgp.conf");
  std::ofstream(config) << "bgp.asn = 65001\nbgp.router-id = 198.18.0.1\nbgp.port = " << port
                        << "\n";
  pair.start(0, "1.1", true, {"--config", config});
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000)) << pair.logs();
  ASSERT_TRUE(waitFor(
      [&] { return pair.process(0).log().find("retrying in 1 s") != std::string::npos; }, 10000))
      << pair.logs();
  EXPECT_FALSE(pair.request(0, {{"cmd", "show-bgp-summary"}}).value("ok", false));
  ::close(blocker);
  EXPECT_TRUE(waitFor(
      [&] {
        return pair.request(0, {{"cmd", "show-bgp-summary"}}).value("ok", false);
      },
      10000))
      << pair.logs();
}

TEST(RpdFaults, IncompatibleStandbyStaysColdAndTakesOverFromConfig) {
  RpPair pair;
  std::string config = pair.dir().file("startup.conf");
  std::ofstream(config) << "hostname = rtr1\n";
  pair.start(0, "1.0", true, {"--config", config});
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  ASSERT_TRUE(pair.apply(0, routes(0, 100, 1)).value("ok", false));
  pair.start(1, "2.0", false, {"--config", config});
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = pair.status(0);
        return s.value("ok", false) &&
               s["redundancy_mode_operational"] == "Route Processor Redundancy";
      },
      10000))
      << pair.logs();
  EXPECT_EQ(pair.state(1), kStandbyCold);
  EXPECT_EQ(pair.dump(1)["count"], 0) << "RPR must not sync state";
  auto r = pair.apply(0, routes(100, 10, 1));
  EXPECT_FALSE(r["synced"].get<bool>());

  pair.kill(0);
  ASSERT_TRUE(pair.waitState(1, kActive)) << pair.logs();
  auto st = pair.status(1);
  EXPECT_EQ(st["config_items"], 1);
  EXPECT_EQ(st["rib"]["routes"], 0);
  EXPECT_NE(pair.process(1).log().find("RF_COLD_SWITCHOVER"), std::string::npos);
}

TEST(RpdFaults, GarbageOnTheCheckpointSocketResetsTheSessionOnly) {
  RpPair pair;
  pair.start(0, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  ASSERT_TRUE(pair.apply(0, routes(0, 200, 1)).value("ok", false));
  pair.start(1, "1.1", false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();

  {
    auto fd = event::connectUnix(pair.checkpointSocket());
    ASSERT_TRUE(fd.isOk());
    std::string junk(64, '\x7f');
    ASSERT_EQ(::send(fd->get(), junk.data(), junk.size(), MSG_NOSIGNAL), 64);
    ASSERT_TRUE(waitFor(
        [&] { return pair.process(0).log().find("SESSION_PROTOCOL_ERROR") != std::string::npos; },
        5000))
        << pair.logs();
  }
  EXPECT_EQ(pair.state(0), kActive);
  // The real standby was displaced by the junk connection; it reconnects and resyncs.
  ASSERT_TRUE(pair.waitState(1, kStandbyHot, 10000)) << pair.logs();
  EXPECT_TRUE(pair.apply(0, routes(200, 10, 1))["synced"].get<bool>());
  expectSameRib(pair.dump(0), pair.dump(1));
}

TEST(RpdFaults, TwoActivesSettleByEpochAndTheLoserResyncs) {
  RpPair pair;
  std::ofstream(pair.dir().file("s1/epoch")) << "5\n";  // rp1 took over more recently
  pair.start(0, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  ASSERT_TRUE(pair.apply(0, routes(0, 50, 1)).value("ok", false));
  pair.start(1, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(1) == kActive; }, 10000));
  ASSERT_TRUE(pair.apply(1, routes(100, 20, 2)).value("ok", false));
  // rp0 sees an active peer at a higher epoch: it demotes and is bulk-synced from rp1.
  ASSERT_TRUE(pair.waitState(0, kStandbyHot)) << pair.logs();
  EXPECT_EQ(pair.state(1), kActive);
  EXPECT_NE(pair.process(0).log().find("SPLIT_BRAIN_DEMOTE"), std::string::npos);
  expectSameRib(pair.dump(1), pair.dump(0));
  EXPECT_EQ(pair.dump(0)["count"], 20);
  EXPECT_EQ(pair.status(0)["epoch"], 5);
}

TEST(RpdFaults, PeriodicDigestCatchesADivergedStandbyAndResyncs) {
  RpPair pair;
  pair.start(0, "1.1", true, {"--digest-interval-ms", "100"});
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  ASSERT_TRUE(pair.apply(0, routes(0, 300, 1)).value("ok", false));
  pair.start(1, "1.1", false, {"--test-hooks"});
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();
  auto d = pair.request(1, {{"cmd", "test-diverge"}});
  ASSERT_FALSE(d.value("removed", std::string()).empty());
  EXPECT_EQ(pair.dump(1)["count"], 299);
  ASSERT_TRUE(waitFor(
      [&] { return pair.process(1).log().find("DIGEST_MISMATCH") != std::string::npos; }, 10000))
      << pair.logs();
  // Resynchronised: hot again with every route.
  ASSERT_TRUE(
      waitFor([&] { return pair.state(1) == kStandbyHot && pair.dump(1)["count"] == 300; }, 10000))
      << pair.logs();
  expectSameRib(pair.dump(0), pair.dump(1));
}

TEST(RpdFaults, AStoppedStandbyNeverStallsTheActive) {
  RpPair pair;
  pair.start(0, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  pair.start(1, "1.1", false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();
  pair.process(1).signal(SIGSTOP);
  // The change waits at most for failure detection, then completes without the standby.
  auto r = pair.apply(0, routes(0, 10, 1));
  ASSERT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_FALSE(r["synced"].get<bool>());
  EXPECT_EQ(pair.state(0), kActive);
  EXPECT_EQ(pair.status(0)["communications"], "Down");
  auto again = pair.apply(0, routes(10, 10, 1));
  EXPECT_TRUE(again.value("ok", false));
  EXPECT_EQ(pair.dump(0)["count"], 20);
  // Resumed, the standby learns it was reset (not that the active died): no takeover.
  pair.process(1).signal(SIGCONT);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();
  EXPECT_EQ(pair.state(0), kActive);
  expectSameRib(pair.dump(0), pair.dump(1));
}

TEST(RpdCli, ShowRedundancyStatesInTheIosLayout) {
  RpPair pair;
  pair.start(0, "1.1", true);
  ASSERT_TRUE(waitFor([&] { return pair.state(0) == kActive; }, 10000));
  auto simplex = runProcess({std::string(HITLESS_BIN_DIR) + "/hitless", "show", "redundancy",
                             "states", "--socket", pair.controlSocket(0)},
                            std::chrono::seconds(10));
  ASSERT_TRUE(simplex.isOk());
  EXPECT_NE(simplex->out.find("Mode = Simplex"), std::string::npos) << simplex->out;
  EXPECT_NE(simplex->out.find("Communications = Down      Reason: Simplex mode"),
            std::string::npos);
  pair.start(1, "1.0", false);
  ASSERT_TRUE(pair.waitState(1, kStandbyHot)) << pair.logs();
  auto r = runProcess({std::string(HITLESS_BIN_DIR) + "/hitless", "show", "redundancy", "states",
                       "--socket", pair.controlSocket(0)},
                      std::chrono::seconds(10));
  EXPECT_NE(r->out.find("       my state = 13 -ACTIVE"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("     peer state = 8  -STANDBY HOT"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("Redundancy Mode (Operational) = Stateful Switchover"), std::string::npos);
  auto red = runProcess({std::string(HITLESS_BIN_DIR) + "/hitless", "show", "redundancy",
                         "--socket", pair.controlSocket(0)},
                        std::chrono::seconds(10));
  EXPECT_NE(red->out.find("Peer Processor Information :"), std::string::npos) << red->out;
  EXPECT_NE(red->out.find("Image Version = 1.0.0"), std::string::npos) << red->out;
  auto standby_write = runProcess({std::string(HITLESS_BIN_DIR) + "/hitless", "redundancy",
                                   "force-switchover", "--yes", "--socket", pair.controlSocket(1)},
                                  std::chrono::seconds(10));
  EXPECT_EQ(standby_write->exit_code, 1);
  EXPECT_NE(standby_write->err.find("this RP is not active"), std::string::npos);
}

}  // namespace
}  // namespace hitless::testing
