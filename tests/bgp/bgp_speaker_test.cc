// Two BgpSpeakers talking over loopback in one event loop: session set-up, route exchange,
// withdrawals, config parsing, and graceful restart in the helper role.
#include "bgp/bgp_speaker.h"
#include "bgp/tcp_stream.h"

#include "bgp/bgp_shadow.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <functional>
#include <nlohmann/json.hpp>

namespace hitless::bgp {
namespace {

// The host an RP would be: a RIB, and — standing in for the checkpoint channel and the
// SCM_RIGHTS socket — a BgpShadow fed directly (the socket by dup()).
class RibSink : public BgpHost {
 public:
  void applyBgpChanges(state::RibDelta delta, const messages::BgpInputCheckpoint* input) override {
    ++deltas;
    delta_sizes.push_back(delta.size());
    rib.apply(delta);
    if (input != nullptr) keep(shadow.apply(*input));
  }
  // As the RP with a standby: the checkpoint reaches the shadow now, its acknowledgement comes
  // when the test says (ack_later), so a crash can land between the two.
  void applyBgpInput(state::RibDelta delta, const messages::BgpInputCheckpoint& input,
                     std::function<void()> durable) override {
    if (lose_input) {  // as a checkpoint the standby never got
      ++deltas;
      rib.apply(delta);
    } else {
      applyBgpChanges(std::move(delta), &input);
    }
    ack(std::move(durable));
  }
  void checkpointBgpOutput(const messages::BgpOutputCheckpoint& output,
                           std::function<void()> durable) override {
    keep(shadow.apply(output));
    ack(std::move(durable));
  }
  void ack(std::function<void()> durable) {
    if (ack_later) {
      unacked.push_back(std::move(durable));
    } else {
      durable();
    }
  }
  void keep(Status s) {
    if (shadow_status.isOk()) shadow_status = s;
  }
  void bgpSessionChanged(const messages::BgpSessionCheckpoint& s, int fd) override {
    keep(shadow.apply(s));
    if (fd >= 0) {
      keep(shadow.attachSocket(BgpShadow::socketPayload(s.peer, s.session_id),
                               event::UniqueFd(::dup(fd))));
    }
  }
  PrefixWalk bgpPrefixesFrom(size_t from, size_t max_positions,
                             std::vector<net::IpPrefix>* out) const override {
    const size_t next = rib.forEachRouteAt(from, max_positions,
                                           [&](const net::Route& r) { out->push_back(r.prefix); });
    return {next, next >= rib.positions()};
  }
  bool readyForInput() const override { return ready; }
  bool forwardingPreserved() const override { return forwarding_preserved; }
  void bgpRestartComplete() override { ++restarts_completed; }
  bool ready = true;        // false: as a host whose standby is behind
  bool ack_later = false;   // the standby holds checkpoints but has not acknowledged
  bool lose_input = false;  // input checkpoints never reach the standby
  std::vector<std::function<void()>> unacked;
  bool forwarding_preserved = false;  // as after a cold takeover: the FIB kept routes
  int restarts_completed = 0;
  state::Rib rib;
  int deltas = 0;
  std::vector<size_t> delta_sizes;  // of each applyBgpChanges
  BgpShadow shadow;
  Status shadow_status;
};

uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

std::unordered_map<std::string, std::string> items(
    std::initializer_list<std::pair<const std::string, std::string>> kv) {
  return {kv};
}

// The speakers need two addresses that are not 127/8 (a loopback NEXT_HOP is semantically
// incorrect): the test process moves into a network namespace of its own, with 198.18.0.1 and
// 198.18.0.2 on its loopback. The namespace dies with the process.
class BgpSpeakerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static bool done = false;
    if (done) return;
    done = true;
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET) needs root";
    ASSERT_EQ(std::system("ip link set lo up && ip addr add 198.18.0.1/32 dev lo && "
                          "ip addr add 198.18.0.2/32 dev lo"),
              0);
  }

  // Serves the loop until `cond` holds; false after 10 s.
  // A BGP route A's RIB holds from before its restart (it came by checkpoint).
  void addPreRestartRoute(const net::IpPrefix& prefix) {
    net::Route r;
    r.prefix = prefix;
    r.protocol = kProtocolBgp;
    r.nexthops.push_back({*net::IpAddress::parse("198.18.0.2"), 0, 1});
    sink_a_.rib.upsert(r);
  }

  bool waitFor(const std::function<bool()>& cond) {
    int64_t deadline = loop_.clock().nowNs() + 10'000'000'000;
    while (!cond()) {
      if (loop_.clock().nowNs() > deadline) return false;
      loop_.runOnce(20);
    }
    return true;
  }

  BgpConfig configA() {
    return *parseBgpConfig(items({{"bgp.asn", "65001"},
                                  {"bgp.router-id", "198.18.0.1"},
                                  {"bgp.port", "0"},
                                  {"bgp.neighbor.198.18.0.2.remote-as", "65002"},
                                  {"bgp.neighbor.198.18.0.2.update-source", "198.18.0.1"},
                                  {"bgp.neighbor.198.18.0.2.port", std::to_string(port_)},
                                  {"bgp.neighbor.198.18.0.2.connect-retry-ms", "50"},
                                  {"bgp.neighbor.198.18.0.2.hold-time", "3"}}));
  }
  BgpConfig configB(std::vector<std::string> networks) {
    auto kv = items({{"bgp.asn", "65002"},
                     {"bgp.router-id", "198.18.0.2"},
                     {"bgp.port", std::to_string(port_)},
                     {"bgp.graceful-restart-time", "30"},
                     {"bgp.neighbor.198.18.0.1.remote-as", "65001"},
                     {"bgp.neighbor.198.18.0.1.passive", "true"}});
    for (const auto& n : networks) kv["bgp.network." + n] = "1";
    return *parseBgpConfig(kv);
  }
  static std::vector<std::string> hostRoutes(int n) {
    std::vector<std::string> nets;
    for (int i = 0; i < n; ++i) {
      nets.push_back("100.64." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32");
    }
    return nets;
  }
  // B (announcing) and A start; returns once A's RIB holds B's `routes`.
  void startBoth(BgpSpeaker& b, BgpSpeaker& a, size_t routes) {
    ASSERT_TRUE(b.start(false).isOk());
    ASSERT_TRUE(a.start(false).isOk());
    ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == routes; }));
  }
  static std::string neighborState(const BgpSpeaker& s) {
    return s.summary()["neighbors"][0]["state"].get<std::string>();
  }

  event::EventLoop loop_;
  uint16_t port_ = freePort();  // in the test's namespace: nothing else listens there
  RibSink sink_a_, sink_b_;
};

TEST_F(BgpSpeakerTest, SessionComesUpAndRoutesFlowBothWaysOfAChange) {
  BgpSpeaker b(loop_, configB({"198.18.100.0/24", "198.18.101.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a.start(false).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 2; }));
  EXPECT_EQ(neighborState(a), "Established");
  const net::Route* r = sink_a_.rib.find(*net::IpPrefix::parse("198.18.100.0/24"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->protocol, kProtocolBgp);
  EXPECT_EQ(r->distance, kDistanceEbgp);
  ASSERT_EQ(r->nexthops.size(), 1u);
  EXPECT_EQ(r->nexthops[0].gateway.toString(), "198.18.0.2");

  // Withdraw one network: the other side removes exactly that route.
  ASSERT_TRUE(b.reconfigure(configB({"198.18.101.0/24"})).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 1; }));
  EXPECT_NE(sink_a_.rib.find(*net::IpPrefix::parse("198.18.101.0/24")), nullptr);
  auto n = a.neighbors()[0];
  EXPECT_EQ(n["hold_time_s"], 3);
  EXPECT_EQ(n["flaps"], 0);

  // Keepalives hold the session over more than one hold time (3 s) with no other traffic.
  int64_t until = loop_.clock().nowNs() + 4'000'000'000;
  ASSERT_TRUE(
      waitFor([&] { return loop_.clock().nowNs() > until || neighborState(a) != "Established"; }));
  EXPECT_EQ(neighborState(a), "Established");
  EXPECT_GE(a.neighbors()[0]["counters"]["keepalives_in"].get<int>(), 2);
}

TEST_F(BgpSpeakerTest, InputWaitsWhileTheHostCannotTakeMoreAndNothingIsLost) {
  BgpSpeaker b(loop_, configB({"198.18.100.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a.start(false).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 1; }));
  // The host falls behind: what the neighbor sends meanwhile waits (in the socket, where TCP
  // pushes back on the neighbor) instead of being applied.
  sink_a_.ready = false;
  ASSERT_TRUE(
      b.reconfigure(configB({"198.18.100.0/24", "198.18.101.0/24", "198.18.102.0/24"})).isOk());
  auto counters = [&] { return a.neighbors()[0]["counters"]; };
  ASSERT_TRUE(waitFor([&] { return counters()["input_pauses"].get<int>() == 1; }));
  EXPECT_EQ(sink_a_.rib.size(), 1u);
  // Caught up (the host's acknowledgement arrived): every route of the wait is applied.
  sink_a_.ready = true;
  a.resumeInput();
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 3; }));
  EXPECT_EQ(counters()["input_pauses"], 1);
  EXPECT_GE(counters()["input_paused_ms"].get<int>(), 0);
  EXPECT_EQ(neighborState(a), "Established");
}

// A neighbor that shuts its session down (a Cease: no graceful restart) takes its whole table
// with it. The withdrawal goes in slices, one per loop turn, each its own RIB change, and waits
// while the host cannot take more (the standby behind), as input does.
TEST_F(BgpSpeakerTest, ASessionDownWithdrawsItsTableInSlicesUnderFlowControl) {
  const size_t kRoutes = 20'000;
  auto b = std::make_unique<BgpSpeaker>(loop_, configB(hostRoutes(kRoutes)), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  startBoth(*b, a, kRoutes);
  sink_a_.delta_sizes.clear();
  b->stop("test: administrative shutdown", false);
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() < kRoutes; }));
  b.reset();  // gone for good: nothing is re-announced
  EXPECT_GT(sink_a_.rib.size(), 0u) << "the whole table went in one turn";

  // The host falls behind: no slice runs until it has caught up.
  sink_a_.ready = false;
  const size_t held = sink_a_.rib.size();
  for (int i = 0; i < 10; ++i) loop_.runOnce(5);
  EXPECT_EQ(sink_a_.rib.size(), held);
  EXPECT_TRUE(a.selectPending()) << "a planned handover must wait for the rest";
  sink_a_.ready = true;
  a.resumeInput();
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 0; }));
  EXPECT_FALSE(a.selectPending());

  size_t withdrawn = 0;
  for (size_t n : sink_a_.delta_sizes) {
    EXPECT_LE(n, 8192u);
    withdrawn += n;
  }
  EXPECT_EQ(withdrawn, kRoutes);
  EXPECT_GE(sink_a_.delta_sizes.size(), 3u);
  EXPECT_EQ(a.neighbors()[0]["flaps"], 1);
}

// A new standby gets each session's state, then its Adj-RIB-In a piece per continueResync();
// the neighbor withdraws a quarter of the table between two pieces, and the standby's copy ends
// exactly as the active's, in line with the stream (crash safe).
TEST_F(BgpSpeakerTest, ANewStandbyGetsTheAdjRibInInPiecesWhileItChanges) {
  const size_t kRoutes = 40'000, kKept = 30'000;
  BgpSpeaker b(loop_, configB(hostRoutes(kRoutes)), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  startBoth(b, a, kRoutes);
  sink_a_.shadow = BgpShadow();  // a new standby: holds nothing
  a.resyncStandby();
  int pieces = 0;
  while (!a.continueResync()) {
    if (++pieces == 1) {
      ASSERT_TRUE(b.reconfigure(configB(hostRoutes(kKept))).isOk());
      ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == kKept; }));
    }
  }
  EXPECT_GE(pieces, 2);  // 16,384 prefixes a piece
  ASSERT_TRUE(sink_a_.shadow_status.isOk()) << sink_a_.shadow_status.message();
  nlohmann::json shadow = sink_a_.shadow.status();
  ASSERT_EQ(shadow.size(), 1u);
  EXPECT_EQ(shadow[0]["prefixes"], kKept);
  EXPECT_EQ(shadow[0]["crash_safe"], true) << shadow[0]["not_crash_safe_because"];
}

TEST_F(BgpSpeakerTest, GracefulRestartHelperKeepsRoutesUntilEndOfRib) {
  auto b =
      std::make_unique<BgpSpeaker>(loop_, configB({"198.18.100.0/24", "198.18.101.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b->start(false).isOk());
  ASSERT_TRUE(a.start(false).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 2; }));

  // B vanishes without a NOTIFICATION (as a killed process would, with no standby holding its
  // socket): A keeps both routes stale.
  b.reset();
  sink_b_.shadow = BgpShadow();  // its copies of the sockets die with the process too
  ASSERT_TRUE(waitFor([&] { return a.summary()["neighbors"][0]["prefixes_stale"] == 2; }));
  EXPECT_EQ(sink_a_.rib.size(), 2u);

  // B comes back announcing only one of them: after its End-of-RIB the other is swept.
  b = std::make_unique<BgpSpeaker>(loop_, configB({"198.18.101.0/24"}), sink_b_);
  ASSERT_TRUE(b->start(false).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 1; }));
  EXPECT_NE(sink_a_.rib.find(*net::IpPrefix::parse("198.18.101.0/24")), nullptr);
  EXPECT_EQ(a.summary()["neighbors"][0]["prefixes_stale"], 0);
  EXPECT_EQ(a.summary()["neighbors"][0]["flaps"], 1);
}

TEST_F(BgpSpeakerTest, RestartingSpeakerSweepsPreRestartRoutesAfterEndOfRib) {
  // A restarts with two BGP routes in its RIB (from the checkpoint); B now announces one.
  for (const char* p : {"198.18.100.0/24", "198.18.102.0/24"}) {
    addPreRestartRoute(*net::IpPrefix::parse(p));
  }
  BgpSpeaker b(loop_, configB({"198.18.100.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a.start(true).isOk());
  EXPECT_EQ(a.summary()["restart_stale"], 2);
  ASSERT_TRUE(waitFor([&] { return a.summary()["restarting"] == false; }));
  EXPECT_EQ(sink_a_.rib.size(), 1u);
  EXPECT_NE(sink_a_.rib.find(*net::IpPrefix::parse("198.18.100.0/24")), nullptr);
}

// A full table is scanned for stale routes a piece of RIB positions per loop turn (a million
// lookups in the takeover's turn stalled the new active), and the restart waits for the scan.
TEST_F(BgpSpeakerTest, TheRestartsStaleRouteScanRunsInPiecesAndTheRestartWaitsForIt) {
  constexpr uint32_t kRoutes = 100000;
  for (uint32_t i = 0; i < kRoutes; ++i) {
    addPreRestartRoute(*net::IpPrefix::make(net::IpAddress::v4(0x64400000u + i), 32));
  }
  BgpSpeaker b(loop_, configB({"198.18.100.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a.start(true).isOk());
  EXPECT_EQ(a.summary()["restarting"], true);
  const uint64_t first = a.summary()["restart_stale"];
  EXPECT_GT(first, 0u);
  EXPECT_LE(first, 32768u) << "one piece of the table in start()'s turn, not all of it";
  ASSERT_TRUE(waitFor([&] { return a.summary()["restarting"] == false; }));
  EXPECT_EQ(sink_a_.rib.size(), 1u) << "every route B did not announce again is swept";
  EXPECT_NE(sink_a_.rib.find(*net::IpPrefix::parse("198.18.100.0/24")), nullptr);
}

TEST_F(BgpSpeakerTest, ColdRestartWithForwardingPreservedEndsAtEndOfRibAndSaysSo) {
  // A took over cold: its RIB is empty but the FIB kept forwarding. It restarts gracefully all
  // the same, and tells its host when every neighbor sent End-of-RIB (the FIB may sweep then).
  sink_a_.forwarding_preserved = true;
  BgpSpeaker b(loop_, configB({"198.18.100.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a.start(true).isOk());
  EXPECT_EQ(a.summary()["restarting"], true);
  EXPECT_EQ(sink_a_.restarts_completed, 0);
  ASSERT_TRUE(waitFor([&] { return sink_a_.restarts_completed == 1; }));
  EXPECT_EQ(a.summary()["restarting"], false);
  EXPECT_NE(sink_a_.rib.find(*net::IpPrefix::parse("198.18.100.0/24")), nullptr);
}

TEST_F(BgpSpeakerTest, WrongRemoteAsIsRefusedWithBadPeerAs) {
  auto cfg = configA();
  cfg.peers[0].remote_as = 65099;
  BgpSpeaker b(loop_, configB({}), sink_b_);
  BgpSpeaker a(loop_, cfg, sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a.start(false).isOk());
  ASSERT_TRUE(waitFor([&] {
    return a.neighbors()[0]["last_error"].get<std::string>().find(
               "OPEN Message Error / subcode 2") != std::string::npos;
  }));
  EXPECT_NE(neighborState(a), "Established");
}

// NSR in one process: A hands its session over to A2 (its shadow, the socket by dup()) while B
// keeps announcing; B sees no flap and A2 goes on from the exact byte where A stopped.
TEST_F(BgpSpeakerTest, PlannedHandoverMovesTheSessionWithoutTheNeighborNoticing) {
  std::vector<std::string> nets = hostRoutes(2000);
  BgpSpeaker b(loop_, configB(nets), sink_b_);
  auto a = std::make_unique<BgpSpeaker>(loop_, configA(), sink_a_);
  ASSERT_NO_FATAL_FAILURE(startBoth(b, *a, nets.size()));
  ASSERT_TRUE(sink_a_.shadow_status.isOk()) << sink_a_.shadow_status.message();
  EXPECT_EQ(sink_a_.shadow.sessions(), 1u);

  // B starts a change; A stops at a message boundary wherever it is in the stream.
  nets.resize(1500);
  ASSERT_TRUE(b.reconfigure(configB(nets)).isOk());
  ASSERT_TRUE(waitFor([&] { return a->quiesce(); }));
  for (const auto& state : a->handoverState()) ASSERT_TRUE(sink_a_.shadow.apply(state).isOk());
  a.reset();  // the old active goes away; its socket lives on in the shadow

  RibSink sink_a2;
  sink_a2.rib = sink_a_.rib;  // the RIB came over by checkpoint
  BgpSpeaker a2(loop_, configA(), sink_a2);
  auto adopted = sink_a_.shadow.takeAdoptable();
  ASSERT_EQ(adopted.size(), 1u);
  ASSERT_TRUE(a2.start(sink_a2.rib.size() > 0, std::move(adopted)).isOk());
  EXPECT_EQ(a2.summary()["restarting"], false) << "every BGP route came with the session";
  ASSERT_TRUE(waitFor([&] { return sink_a2.rib.size() == 1500; }));
  EXPECT_EQ(neighborState(a2), "Established");
  auto nb = b.summary()["neighbors"][0];
  EXPECT_EQ(nb["flaps"], 0) << "B must not have seen the session drop";
  EXPECT_EQ(nb["state"], "Established");
  EXPECT_EQ(b.neighbors()[0]["counters"]["established_transitions"], 1);
  EXPECT_EQ(b.neighbors()[0]["counters"]["notifications_in"], 0);
  // And the session goes on: a further change reaches A2.
  nets.resize(1000);
  ASSERT_TRUE(b.reconfigure(configB(nets)).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a2.rib.size() == 1000; }));
}

// NSR across a crash, in one process: A dies (destroyed mid-stream, no handover) while B sends a
// change, with checkpoints the standby holds but has not acknowledged — input it applied still
// in the kernel's queue, output it holds not yet written. The shadow lines the socket up with the
// kernel and A2 goes on from the right byte in both directions: B sees nothing.
TEST_F(BgpSpeakerTest, ACrashedSpeakersSessionIsTakenOverWhereTheKernelStands) {
  if (!kernelPeeksAheadOnTcp()) GTEST_SKIP() << "this kernel cannot peek ahead on TCP";
  std::vector<std::string> nets = hostRoutes(2000);
  BgpSpeaker b(loop_, configB(nets), sink_b_);
  auto a = std::make_unique<BgpSpeaker>(loop_, configA(), sink_a_);
  ASSERT_NO_FATAL_FAILURE(startBoth(b, *a, nets.size()));

  sink_a_.ack_later = true;
  nets.resize(1500);
  ASSERT_TRUE(b.reconfigure(configB(nets)).isOk());
  // Part of the change is in: applied and checkpointed, not acknowledged, so still queued.
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() < 2000; }));
  ASSERT_TRUE(sink_a_.shadow_status.isOk()) << sink_a_.shadow_status.message();
  ASSERT_FALSE(sink_a_.unacked.empty());
  a.reset();  // the active dies: no handover, no FIN (the shadow holds the socket)
  sink_a_.unacked.clear();

  RibSink sink_a2;
  sink_a2.rib = sink_a_.rib;  // the RIB came over with the input, in the same transactions
  BgpSpeaker a2(loop_, configA(), sink_a2);
  auto adopted = sink_a_.shadow.takeAdoptable();
  ASSERT_EQ(adopted.size(), 1u);
  ASSERT_TRUE(a2.start(true, std::move(adopted)).isOk());
  EXPECT_EQ(a2.summary()["restarting"], false) << "every BGP route came with the session";
  ASSERT_TRUE(waitFor([&] { return sink_a2.rib.size() == 1500; }));
  nets.resize(1000);  // and the session goes on
  ASSERT_TRUE(b.reconfigure(configB(nets)).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a2.rib.size() == 1000; }));
  auto nb = b.neighbors()[0];
  EXPECT_EQ(nb["flaps"], 0) << "B must not have seen the session drop";
  EXPECT_EQ(nb["counters"]["established_transitions"], 1);
  EXPECT_EQ(nb["counters"]["notifications_in"], 0);
}

// Input the standby never got (a checkpoint lost): the kernel released bytes the shadow does
// not hold, so the session is not adopted — it ends, and B keeps A's routes as a helper.
TEST_F(BgpSpeakerTest, ACrashWithInputTheStandbyNeverGotEndsInGracefulRestart) {
  BgpSpeaker b(loop_, configB({"198.18.100.0/24", "198.18.101.0/24"}), sink_b_);
  auto a = std::make_unique<BgpSpeaker>(loop_, configA(), sink_a_);
  ASSERT_TRUE(b.start(false).isOk());
  ASSERT_TRUE(a->start(false).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 2; }));
  sink_a_.lose_input = true;
  ASSERT_TRUE(b.reconfigure(configB({"198.18.100.0/24"})).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 1; }));
  a.reset();
  EXPECT_TRUE(sink_a_.shadow.takeAdoptable().empty());
  ASSERT_TRUE(waitFor([&] { return neighborState(b) != "Established"; }));
  EXPECT_EQ(b.neighbors()[0]["flaps"], 1);
}

TEST(BgpConfig, ParsesAndRefusesWithTheKeyNamed) {
  auto c = parseBgpConfig(items({{"bgp.asn", "65001"},
                                 {"bgp.router-id", "198.18.0.1"},
                                 {"bgp.neighbor.198.18.3.2.remote-as", "65002"},
                                 {"bgp.neighbor.2001:2:0:3::2.remote-as", "65003"},
                                 {"bgp.neighbor.2001:2:0:3::2.passive", "true"},
                                 {"bgp.network.198.18.100.0/24", "1"},
                                 {"hostname", "rtr"}}));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_TRUE(c->enabled);
  ASSERT_EQ(c->peers.size(), 2u);
  EXPECT_EQ(c->peers[0].address.toString(), "198.18.3.2");
  EXPECT_TRUE(c->peers[1].passive);
  EXPECT_EQ(c->networks.size(), 1u);

  EXPECT_FALSE(parseBgpConfig({}).value().enabled);
  struct Bad {
    std::unordered_map<std::string, std::string> kv;
    const char* mentions;
  };
  for (const auto& bad : std::vector<Bad>{
           {{{"bgp.asn", "x"}}, "bgp.asn"},
           {{{"bgp.asn", "1"}}, "bgp.router-id"},
           {{{"bgp.asn", "1"}, {"bgp.router-id", "1.1.1.1"}, {"bgp.neighbor.1.1.1.2.passive", "1"}},
            "no remote-as"},
           {{{"bgp.asn", "1"}, {"bgp.router-id", "1.1.1.1"}, {"bgp.neighbor.1.1.1.2.colour", "1"}},
            "unknown neighbor attribute"},
           {{{"bgp.asn", "1"}, {"bgp.router-id", "1.1.1.1"}, {"bgp.network.10.0.0.1/8", "1"}},
            "bgp.network.10.0.0.1/8"},
           {{{"bgp.asn", "1"},
             {"bgp.router-id", "1.1.1.1"},
             {"bgp.neighbor.1.1.1.2.hold-time", "2"}},
            "hold time"},
           {{{"bgp.frobnicate", "1"}}, "unknown BGP setting"},
       }) {
    auto r = parseBgpConfig(bad.kv);
    ASSERT_FALSE(r.isOk());
    EXPECT_NE(r.status().message().find(bad.mentions), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace hitless::bgp
