// fwdd with the real kernel FIB in a network namespace: reconciliation across a change of
// writer, bad input, and forwarding under traffic while rpd or fwdd itself is killed -9.
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>

#include "base/subprocess.h"
#include "event/event_loop.h"
#include "event/unix_socket.h"
#include "fib/fib_client.h"
#include "forwarding_rig.h"
#include "messages/fib_messages.h"
#include "messages/release.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"
#include "redundancy/rp_pair.h"
#include "state/route_text.h"
#include "wire/frame.h"

namespace hitless::testing {
namespace {

constexpr int kRoutes = 10000;

net::Route hostRoute(int i, const char* gw = "198.18.2.2") {
  net::Route r;
  r.prefix = *net::IpPrefix::parse("198.19." + std::to_string(1 + i / 250) + "." +
                                   std::to_string(i % 250) + "/32");
  r.nexthops.push_back({*net::IpAddress::parse(gw), 0, 1});
  return r;
}

std::string routeLines(int n) {
  std::string text = std::string("add ") + testbed::Addresses::kTargetPrefix + " via " +
                     testbed::Addresses::kDst + "\n";
  for (int i = 0; i < n; ++i) {
    text += "add " + hostRoute(i).prefix.toString() + " via " + testbed::Addresses::kDst + "\n";
  }
  return text;
}

std::set<std::string> asText(const std::vector<net::Route>& routes) {
  std::set<std::string> out;
  for (const auto& r : routes) {
    std::string s = r.prefix.toString();
    for (const auto& nh : r.nexthops) s += " " + nh.gateway.toString();
    out.insert(s + " m" + std::to_string(r.metric));
  }
  return out;
}

// Route add/delete events of fwdd's protocol in the router namespace, from the moment of
// construction: what the kernel was told, independent of what fwdd says it did.
class RouteMonitor {
 public:
  explicit RouteMonitor(const std::string& ns) {
    auto fd = runInNetns(ns, [] {
      int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
      int size = 64 << 20;
      setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
      sockaddr_nl sa{};
      sa.nl_family = AF_NETLINK;
      sa.nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
      if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
        return Result<int>(Status::ioError("bind"));
      return Result<int>(fd);
    });
    fd_ = fd.isOk() ? *fd : -1;
  }
  ~RouteMonitor() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0 && !overflow_; }
  // Reads every event queued so far.
  void drain() {
    std::vector<char> buf(1 << 20);
    while (true) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == ENOBUFS) overflow_ = true;
        if (errno == EINTR || errno == ENOBUFS) continue;
        return;
      }
      int len = static_cast<int>(n);
      for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
           nlh = mnl_nlmsg_next(nlh, &len)) {
        if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE) continue;
        auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
        if (rtm->rtm_protocol != 200) continue;
        std::string dst;
        const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
        for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(rtmsg)));
             mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a)));
             a = mnl_attr_next(a)) {
          if (mnl_attr_get_type(a) == RTA_DST) {
            dst.assign(static_cast<const char*>(mnl_attr_get_payload(a)),
                       mnl_attr_get_payload_len(a));
          }
        }
        auto addr = net::IpAddress::fromBytes(dst);
        if (!addr.isOk()) continue;
        auto p = net::IpPrefix::make(*addr, rtm->rtm_dst_len);
        if (!p.isOk()) continue;
        (nlh->nlmsg_type == RTM_NEWROUTE ? added : deleted).insert(p->toString());
      }
    }
  }
  std::set<std::string> added, deleted;

 private:
  int fd_ = -1;
  bool overflow_ = false;
};

// An in-process writer: a RIB and a FibClient on a private event loop.
struct Feeder {
  Feeder(const std::string& socket, uint8_t slot,
         messages::Release release = messages::knownReleases().back()) {
    fib::FibClientOptions o;
    o.socket_path = socket;
    o.slot = slot;
    o.software_version = "test-feeder " + release.toString();
    o.release = release;
    client = std::make_unique<fib::FibClient>(loop, rib, o);
  }
  bool runUntilReplayed(int timeout_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      loop.runOnce(10);
      auto s = client->status();
      if (s["replay_ms"].get<int64_t>() >= 0 &&
          s["acked_sequence"].get<uint64_t>() == s["sent_sequence"].get<uint64_t>()) {
        return true;
      }
    }
    return false;
  }
  event::EventLoop loop;
  state::Rib rib;
  std::unique_ptr<fib::FibClient> client;
};

class FwddTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    std::string err = rig_.up();
    ASSERT_TRUE(err.empty()) << err;
  }
  ForwardingRig rig_;
};

TEST_F(FwddTest, NewWriterReplayRewritesOnlyWhatChanged) {
  rig_.startFwdd();
  ASSERT_TRUE(rig_.waitFwdd(0)) << rig_.fwddLog();
  Feeder first(rig_.fibSocket(), 0);
  for (int i = 0; i < kRoutes; ++i) first.rib.upsert(hostRoute(i));
  first.client->activate(1);
  ASSERT_TRUE(first.runUntilReplayed(30000)) << first.client->status().dump() << rig_.fwddLog();
  ASSERT_EQ(rig_.kernelRoutes().size(), static_cast<size_t>(kRoutes));

  // The next active (higher epoch) holds the same table with 500 next hops changed, 500 routes
  // gone and 200 new ones.
  Feeder second(rig_.fibSocket(), 1);
  std::set<std::string> changed, removed, added;
  for (int i = 0; i < kRoutes + 200; ++i) {
    net::Route r = hostRoute(i);
    if (i >= kRoutes) {
      added.insert(r.prefix.toString());
    } else if (i % 20 == 0) {
      r = hostRoute(i, "198.18.2.3");
      changed.insert(r.prefix.toString());
    } else if (i % 20 == 1) {
      removed.insert(r.prefix.toString());
      continue;
    }
    second.rib.upsert(r);
  }
  uint64_t writes_before = rig_.fwddStatus()["kernel_writes"];
  RouteMonitor monitor(rig_.testbed().rtr());
  ASSERT_TRUE(monitor.ok());
  second.client->activate(2);
  ASSERT_TRUE(second.runUntilReplayed(30000)) << second.client->status().dump() << rig_.fwddLog();
  monitor.drain();
  ASSERT_TRUE(monitor.ok()) << "route monitor overflowed: cannot prove what was rewritten";

  // The kernel holds exactly the new table.
  std::vector<net::Route> expected;
  second.rib.forEach([&](const net::Route& r) { expected.push_back(fib::kernelForm(r)); });
  EXPECT_EQ(asText(rig_.kernelRoutes()), asText(expected));
  // Only changed and new routes were written, only removed ones deleted; the 8,500 unchanged
  // routes were never touched.
  std::set<std::string> written = changed;
  written.insert(added.begin(), added.end());
  EXPECT_EQ(monitor.added, written);
  EXPECT_EQ(monitor.deleted, removed);
  auto st = rig_.fwddStatus();
  EXPECT_EQ(st["kernel_writes"].get<uint64_t>() - writes_before, 1200u);
  EXPECT_EQ(st["writer_slot"], 1);
  // The superseded writer was cut off.
  first.loop.runOnce(50);
  EXPECT_FALSE(first.client->status()["connected"].get<bool>());
}

// Every rpd release writes through every fwdd release, at the versions the two negotiate, and a
// fwdd of another release taking over the FIB rewrites nothing (re-adoption, then the replay).
TEST_F(FwddTest, EveryRpdReleaseWritesThroughEveryFwddRelease) {
  struct Expect {
    messages::Release rpd;
    uint16_t route_update;
  };
  uint64_t epoch = 0;
  for (const char* fwdd : {"fwdd-1.0", "fwdd-1.1"}) {
    const bool v2_replies = std::string(fwdd) == "fwdd-1.1";
    rig_.killFwdd();
    rig_.startFwdd({}, fwdd);
    ASSERT_TRUE(waitFor([&] { return rig_.fwddStatus().value("ok", false); }, 20000))
        << rig_.fwddLog();
    for (const Expect& e : {Expect{messages::kRelease1_0, 1}, Expect{messages::kRelease1_1, 2},
                            Expect{messages::kRelease2_0, 2}}) {
      SCOPED_TRACE(std::string(fwdd) + " with rpd " + e.rpd.toString());
      Feeder feeder(rig_.fibSocket(), static_cast<uint8_t>(epoch % 2), e.rpd);
      for (int i = 0; i < 1000; ++i) feeder.rib.upsert(hostRoute(i));
      uint64_t writes_before = rig_.fwddStatus().value("kernel_writes", uint64_t{0});
      feeder.client->activate(++epoch);
      ASSERT_TRUE(feeder.runUntilReplayed(30000))
          << feeder.client->status().dump() << rig_.fwddLog();
      auto st = rig_.fwddStatus();
      ASSERT_TRUE(st["writer"].is_object()) << st.dump();
      EXPECT_EQ(st["writer"]["route_update_version"], e.route_update);
      const bool v2 = v2_replies && e.rpd >= messages::kRelease1_1;
      EXPECT_EQ(st["writer"]["commit_reply_version"], v2 ? 2 : 1);
      EXPECT_EQ(feeder.client->status()["route_update_version"], e.route_update);
      EXPECT_EQ(feeder.client->status()["last_apply_us"].get<uint64_t>() > 0, v2)
          << "fwdd's time per batch crosses only at commit reply v2";
      EXPECT_EQ(rig_.kernelRoutes().size(), 1000u);
      if (epoch > 1) {
        EXPECT_EQ(st["kernel_writes"].get<uint64_t>(), writes_before)
            << "the same routes through another release: nothing rewritten";
      }
    }
  }
}

// A raw client on fwdd's socket for bad input.
class RawFibClient {
 public:
  explicit RawFibClient(const std::string& path) {
    auto fd = event::connectUnix(path);
    if (fd.isOk()) fd_ = std::move(*fd);
  }
  void send(const std::string& bytes) {
    (void)::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  void frame(uint16_t client, uint16_t type, uint16_t version, const std::string& payload) {
    std::string f;
    wire::appendFrame(&f, client, type, version, payload);
    send(f);
  }
  void hello(uint64_t epoch) {
    std::string p;
    messages::encodeFibHello({0, epoch, "raw", 0, {}}, &p);  // no message set: a legacy rpd
    frame(messages::kClientFib, messages::kMsgFibHello, 1, p);
  }
  void route(const net::Route& r) {
    std::string p;
    messages::encodeRouteUpdate(r, 2, &p);
    frame(messages::kClientRib, messages::kMsgRouteUpdate, 2, p);
  }
  void commit(uint64_t seq) {
    std::string p;
    messages::encodeFibCommit({seq, false}, &p);
    frame(messages::kClientFib, messages::kMsgFibCommit, 1, p);
  }
  // Reads one frame (bounded wait). nullopt on EOF or timeout.
  std::optional<std::pair<uint16_t, std::string>> read(int timeout_ms = 5000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      auto f = wire::parseFrame(in_);
      if (f.isOk() && f->has_value()) {
        std::pair<uint16_t, std::string> out{(*f)->header.msg_type, std::string((*f)->payload)};
        in_.erase(0, wire::kFrameHeaderSize + (*f)->header.payload_length);
        return out;
      }
      pollfd p{fd_.get(), POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
      if (n < 0 && errno == EAGAIN) continue;
      if (n <= 0) return std::nullopt;
      in_.append(buf, static_cast<size_t>(n));
    }
    return std::nullopt;
  }
  bool closedByPeer(int timeout_ms = 5000) {
    while (read(timeout_ms)) {
    }
    char c;
    return ::recv(fd_.get(), &c, 1, MSG_DONTWAIT) == 0;
  }

 private:
  event::UniqueFd fd_;
  std::string in_;
};

messages::FibCommitReply commitReply(RawFibClient& c) {
  while (auto f = c.read()) {
    if (f->first == messages::kMsgFibCommitReply) {
      auto r = messages::decodeFibCommitReply(f->second);
      if (r.isOk()) return *r;
    }
  }
  messages::FibCommitReply none;
  none.error = "<no reply>";
  return none;
}

TEST_F(FwddTest, BadInputIsRefusedAndNothingOfItIsInstalled) {
  rig_.startFwdd();
  ASSERT_TRUE(rig_.waitFwdd(0)) << rig_.fwddLog();
  {
    // Garbage: an error reply, then the connection is closed.
    RawFibClient c(rig_.fibSocket());
    c.send(std::string("\x05\x00\x03\x00\x00\x00\x00\x00\xff\xff\xff\x7f", 12) + "junk");
    auto r = commitReply(c);
    EXPECT_NE(r.error.find("garbled"), std::string::npos) << r.error;
    EXPECT_TRUE(c.closedByPeer());
  }
  {
    // Routes before any hello: refused.
    RawFibClient c(rig_.fibSocket());
    c.route(hostRoute(1));
    auto f = c.read();
    ASSERT_TRUE(f.has_value());
    auto r = messages::decodeFibHelloReply(f->second);
    ASSERT_TRUE(r.isOk());
    EXPECT_FALSE(r->accepted);
    EXPECT_NE(r->reason.find("expected a FIB hello"), std::string::npos);
  }
  {
    // A truncated batch (no commit, then the writer goes away): nothing installed.
    RawFibClient c(rig_.fibSocket());
    c.hello(5);
    ASSERT_TRUE(c.read().has_value());
    for (int i = 0; i < 100; ++i) c.route(hostRoute(i));
    c.send(std::string("\x02\x00\x01\x00\x02\x00\x00\x00\x40\x00\x00\x00", 12) + "part");
  }
  EXPECT_TRUE(waitFor([&] { return rig_.fwddStatus()["sessions"] == 0; }, 5000));
  {
    RawFibClient c(rig_.fibSocket());
    c.hello(5);
    ASSERT_TRUE(c.read().has_value());
    // A batch with one invalid prefix (host bits set): refused whole.
    c.route(hostRoute(1));
    net::Route bad = hostRoute(2);
    bad.prefix = {*net::IpAddress::parse("198.19.9.0"), 23};  // 9 is odd: a host bit
    c.route(bad);
    c.route(hostRoute(3));
    c.commit(1);
    auto r = commitReply(c);
    EXPECT_EQ(r.sequence, 1u);
    EXPECT_NE(r.error.find("host bits"), std::string::npos) << r.error;
    // An unknown message in a batch: refused whole too.
    c.route(hostRoute(4));
    c.frame(messages::kClientRib, 99, 1, "");
    c.commit(2);
    r = commitReply(c);
    EXPECT_NE(r.error.find("unknown message"), std::string::npos) << r.error;
    // The session still works: a good batch goes in.
    c.route(hostRoute(5));
    c.commit(3);
    r = commitReply(c);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.written, 1u);
  }
  {
    // An RP at an older epoch can never write.
    RawFibClient c(rig_.fibSocket());
    c.hello(4);
    auto f = c.read();
    ASSERT_TRUE(f.has_value());
    auto r = messages::decodeFibHelloReply(f->second);
    ASSERT_TRUE(r.isOk());
    EXPECT_FALSE(r->accepted);
    EXPECT_NE(r->reason.find("stale epoch 4"), std::string::npos) << r->reason;
  }
  auto kernel = rig_.kernelRoutes();
  ASSERT_EQ(kernel.size(), 1u) << "only the one good batch may have reached the kernel";
  EXPECT_EQ(kernel[0].prefix, hostRoute(5).prefix);
  auto st = rig_.fwddStatus();
  EXPECT_TRUE(st.value("ok", false)) << "fwdd must survive all of it";
  EXPECT_EQ(st["batches_refused"], 3);
}

TEST_F(FwddTest, ActiveRpKilledUnderTrafficLosesNoPacket) {
  rig_.startFwdd();
  ASSERT_TRUE(rig_.waitFwdd(0)) << rig_.fwddLog();
  RpPair pair;
  pair.start(0, "1.1", true, {"--fib-socket", rig_.fibSocket()});
  pair.start(1, "1.1", false, {"--fib-socket", rig_.fibSocket()});
  ASSERT_TRUE(pair.waitState(1, 8, 20000)) << pair.logs();
  auto applied = pair.apply(0, routeLines(kRoutes));
  ASSERT_TRUE(applied.value("ok", false)) << applied.dump();
  ASSERT_TRUE(rig_.waitFwdd(kRoutes + 1)) << rig_.fwddStatus().dump() << rig_.fwddLog();

  rig_.startTraffic(50000, 3000);
  waitIntoTraffic(1000);
  uint64_t kill_ns = monotonicNs();
  pair.kill(0);
  ASSERT_TRUE(pair.waitState(1, 13, 10000)) << pair.logs();
  ASSERT_TRUE(waitFor([&] { return rig_.fwddStatus()["writer_slot"] == 1; }, 10000));
  ASSERT_TRUE(rig_.waitFwdd(kRoutes + 1)) << rig_.fwddLog();
  auto traffic = rig_.finishTraffic();
  expectNoLoss(traffic, kill_ns);
  auto st = rig_.fwddStatus();
  EXPECT_EQ(st["swept"], 0) << "no route may be removed by the takeover";
  EXPECT_EQ(rig_.kernelRoutes().size(), static_cast<size_t>(kRoutes + 1));
}

TEST_F(FwddTest, FwddKilledAndRestartedUnderTrafficLosesNoPacket) {
  rig_.startFwdd();
  ASSERT_TRUE(rig_.waitFwdd(0)) << rig_.fwddLog();
  RpPair pair;
  pair.start(0, "1.1", true, {"--fib-socket", rig_.fibSocket()});
  ASSERT_TRUE(pair.waitState(0, 13, 10000)) << pair.logs();
  auto applied = pair.apply(0, routeLines(kRoutes));
  ASSERT_TRUE(applied.value("ok", false)) << applied.dump();
  ASSERT_TRUE(rig_.waitFwdd(kRoutes + 1)) << rig_.fwddLog();

  rig_.startTraffic(50000, 3000);
  waitIntoTraffic(1000);
  uint64_t kill_ns = monotonicNs();
  rig_.killFwdd();
  rig_.startFwdd();
  // The restarted fwdd adopts the kernel's routes and the rpd's replay confirms every one of
  // them: nothing is written, nothing swept.
  ASSERT_TRUE(waitFor([&] { return rig_.fwddStatus()["sweeps"] == 1; }, 10000)) << rig_.fwddLog();
  auto st = rig_.fwddStatus();
  EXPECT_EQ(st["routes"], kRoutes + 1);
  EXPECT_EQ(st["kernel_writes"], 0);
  EXPECT_EQ(st["swept"], 0);
  auto traffic = rig_.finishTraffic();
  expectNoLoss(traffic, kill_ns);
  // And the FIB follows the RIB again.
  ASSERT_TRUE(pair.apply(0, "del " + hostRoute(7).prefix.toString() + "\n").value("ok", false));
  EXPECT_TRUE(rig_.waitFwdd(kRoutes));
}

}  // namespace
}  // namespace hitless::testing

namespace hitless::testing {
namespace {

TEST_F(FwddTest, Ipv6AndEcmpRoutesReachTheKernelAndReplayWithoutWrites) {
  rig_.startFwdd();
  ASSERT_TRUE(rig_.waitFwdd(0)) << rig_.fwddLog();
  const char* table =
      "add 198.19.10.0/24 via 198.18.2.2 via 198.18.2.3 weight 3\n"
      "add 198.19.11.0/24 via 198.18.2.2 metric 50\n"
      "add 2001:2:0:100::/64 via 2001:2:0:2::2\n"
      "add 2001:2:0:101::/64 via 2001:2:0:2::2 via 2001:2:0:2::3\n"
      "add 2001:2:0:102::/64 via 2001:2:0:2::2 metric 7\n";
  auto load = [&](Feeder& f) {
    auto d = state::parseRouteChanges(table);
    ASSERT_TRUE(d.isOk()) << d.status().message();
    f.rib.apply(*d);
  };
  Feeder first(rig_.fibSocket(), 0);
  load(first);
  first.client->activate(1);
  ASSERT_TRUE(first.runUntilReplayed(10000)) << first.client->status().dump() << rig_.fwddLog();
  EXPECT_EQ(first.client->status()["route_errors"], 0) << rig_.fwddLog();
  std::vector<net::Route> expected;
  first.rib.forEach([&](const net::Route& r) { expected.push_back(fib::kernelForm(r)); });
  // What an independent dump of the kernel reads back is what was asked, ECMP weights and the
  // IPv6 metrics included.
  EXPECT_EQ(asText(rig_.kernelRoutes()), asText(expected));
  auto ecmp = rig_.kernelRoutes();
  for (const auto& r : ecmp) {
    if (r.prefix.toString() == "198.19.10.0/24") {
      ASSERT_EQ(r.nexthops.size(), 2u);
      EXPECT_EQ(r.nexthops[1].weight, 3u);
    }
  }
  // fwdd restarts and a new writer replays the same table: nothing is written.
  rig_.killFwdd();
  rig_.startFwdd();
  ASSERT_TRUE(waitFor([&] { return rig_.fwddStatus().value("ok", false); }, 5000));
  EXPECT_EQ(rig_.fwddStatus()["adopted"], 5);
  Feeder second(rig_.fibSocket(), 1);
  load(second);
  second.client->activate(2);
  ASSERT_TRUE(second.runUntilReplayed(10000)) << rig_.fwddLog();
  auto st = rig_.fwddStatus();
  EXPECT_EQ(st["kernel_writes"], 0) << "adopted routes must match their replay exactly";
  EXPECT_EQ(st["routes"], 5);
  EXPECT_EQ(asText(rig_.kernelRoutes()), asText(expected));
}

// `ip -j -n NS ARGS...`, parsed (read independently of fwdd).
nlohmann::json ipJson(const std::string& ns, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/sbin/ip", "-j", "-n", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = runProcess(argv, std::chrono::seconds(20), size_t{64} << 20);
  if (!out.isOk() || !out->succeeded()) return nlohmann::json::array();
  auto j = nlohmann::json::parse(out->out, nullptr, false);
  return j.is_discarded() ? nlohmann::json::array() : j;
}

std::vector<uint32_t> nexthopObjects(const std::string& ns) {
  std::vector<uint32_t> ids;
  for (const auto& nh : ipJson(ns, {"nexthop", "show", "proto", "200"})) ids.push_back(nh["id"]);
  return ids;
}

size_t routesNamingObjects(const std::string& ns) {
  size_t n = 0;
  for (const auto& r : ipJson(ns, {"route", "show", "proto", "200"})) n += r.contains("nhid");
  return n;
}

TEST_F(FwddTest, RoutesShareANexthopObjectAndOutliveItsRemoval) {
  const std::string ns = rig_.testbed().rtr();
  rig_.startFwdd();
  ASSERT_TRUE(rig_.waitFwdd(0)) << rig_.fwddLog();
  Feeder first(rig_.fibSocket(), 0);
  for (int i = 0; i < kRoutes; ++i) first.rib.upsert(hostRoute(i));
  first.client->activate(1);
  ASSERT_TRUE(first.runUntilReplayed(30000)) << rig_.fwddLog();
  // One object for the one gateway, named by every route.
  std::vector<uint32_t> objects = nexthopObjects(ns);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(routesNamingObjects(ns), static_cast<size_t>(kRoutes));
  EXPECT_EQ(rig_.fwddStatus()["nexthop_objects"], 1);

  // Someone removes the object (as the kernel does when its interface goes down): the kernel
  // drops the routes using it. The next route for that gateway still gets installed — the
  // vanished object is noticed and the route sent with its gateway — and the one after names a
  // new object.
  auto del =
      runProcess({"/usr/sbin/ip", "-n", ns, "nexthop", "del", "id", std::to_string(objects[0])},
                 std::chrono::seconds(10));
  ASSERT_TRUE(del.isOk() && del->succeeded());
  ASSERT_EQ(rig_.kernelRoutes().size(), 0u);
  auto installed = [&](int i) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      first.loop.runOnce(10);
      for (const auto& r : rig_.kernelRoutes()) {
        if (r.prefix == hostRoute(i).prefix) return true;
      }
    }
    return false;
  };
  auto add = [&](int i) {
    state::RibDelta d;
    d.upsert(hostRoute(i));
    first.rib.apply(d);
    first.client->send(d);
  };
  add(kRoutes);
  ASSERT_TRUE(installed(kRoutes)) << rig_.fwddLog();
  add(kRoutes + 1);
  ASSERT_TRUE(installed(kRoutes + 1)) << rig_.fwddLog();
  ASSERT_TRUE(first.runUntilReplayed(10000));
  EXPECT_EQ(first.client->status()["route_errors"], 0) << rig_.fwddLog();
  EXPECT_EQ(rig_.kernelRoutes().size(), 2u);
  objects = nexthopObjects(ns);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(routesNamingObjects(ns), 1u);  // the first went in with its gateway

  // An object of fwdd's protocol no route uses (an earlier fwdd's) goes when fwdd starts; the
  // one in use stays. The next writer's replay rewrites only what the kernel lost with the
  // object, not the two adopted routes.
  std::string dev = ipJson(ns, {"route", "get", "198.18.2.2"})[0].value("dev", "");
  ASSERT_FALSE(dev.empty());
  auto stray = runProcess({"/usr/sbin/ip", "-n", ns, "nexthop", "add", "id", "4242", "via",
                           "198.18.2.3", "dev", dev, "proto", "200"},
                          std::chrono::seconds(10));
  ASSERT_TRUE(stray.isOk() && stray->succeeded());
  rig_.killFwdd();
  rig_.startFwdd();
  ASSERT_TRUE(waitFor([&] { return rig_.fwddStatus().value("ok", false); }, 5000));
  EXPECT_EQ(nexthopObjects(ns), objects);
  Feeder second(rig_.fibSocket(), 1);
  first.rib.forEach([&](const net::Route& r) { second.rib.upsert(r); });
  second.client->activate(2);
  ASSERT_TRUE(second.runUntilReplayed(10000)) << rig_.fwddLog();
  EXPECT_EQ(rig_.fwddStatus()["kernel_writes"], kRoutes);
  EXPECT_EQ(rig_.kernelRoutes().size(), static_cast<size_t>(kRoutes + 2));
  EXPECT_EQ(nexthopObjects(ns), objects);
  EXPECT_EQ(routesNamingObjects(ns), static_cast<size_t>(kRoutes + 1));
}

}  // namespace
}  // namespace hitless::testing
