// Two BgpSpeakers talking over loopback in one event loop: session set-up, route exchange,
// withdrawals, config parsing, and graceful restart in the helper role.
#include "bgp/bgp_speaker.h"

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

class RibSink : public BgpRibSink {
 public:
  void applyBgpChanges(state::RibDelta delta) override {
    ++deltas;
    rib.apply(delta);
  }
  std::vector<net::IpPrefix> bgpPrefixes() const override { return rib.prefixes(); }
  state::Rib rib;
  int deltas = 0;
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

TEST_F(BgpSpeakerTest, GracefulRestartHelperKeepsRoutesUntilEndOfRib) {
  auto b =
      std::make_unique<BgpSpeaker>(loop_, configB({"198.18.100.0/24", "198.18.101.0/24"}), sink_b_);
  BgpSpeaker a(loop_, configA(), sink_a_);
  ASSERT_TRUE(b->start(false).isOk());
  ASSERT_TRUE(a.start(false).isOk());
  ASSERT_TRUE(waitFor([&] { return sink_a_.rib.size() == 2; }));

  // B vanishes without a NOTIFICATION (as a killed process would): A keeps both routes stale.
  b.reset();
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
    net::Route r;
    r.prefix = *net::IpPrefix::parse(p);
    r.protocol = kProtocolBgp;
    r.nexthops.push_back({*net::IpAddress::parse("198.18.0.2"), 0, 1});
    sink_a_.rib.upsert(r);
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
