// The session shell over socketpairs (no TCP, no root, no port races): two BgpSessions, each on
// its own event loop, one fake clock. They come up and exchange an UPDATE; a neighbor that stops
// reading is declared dead by the hold timer as the clock moves; bytes that are not BGP get the
// NOTIFICATION RFC 4271 prescribes, read back from the wire.
#include "bgp/bgp_session.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hitless::bgp {
namespace {

struct Recorder : SessionObserver {
  int established = 0, updates = 0, prefixes = 0, deliveries = 0;
  std::vector<std::string> downs;
  // When set, each delivery takes `ms_per_delivery` of this clock (the host's work on it).
  event::FakeClock* clock = nullptr;
  int64_t ms_per_delivery = 0;
  void onEstablished(BgpSession&) override { ++established; }
  void onUpdates(BgpSession&, std::vector<UpdateMessage>& u, std::string_view, uint64_t) override {
    updates += static_cast<int>(u.size());
    for (const auto& m : u) prefixes += static_cast<int>(m.nlri.size());
    ++deliveries;
    if (clock != nullptr) clock->advanceMs(ms_per_delivery);
  }
  void onRouteRefresh(BgpSession&, AfiSafi) override {}
  void onDown(BgpSession&, const std::string& reason, bool) override { downs.push_back(reason); }
};

// Connections are socketpairs; the far end is offered to the neighbor's session as if its
// listener had accepted it.
struct PairConnector : Connector {
  BgpSession* neighbor = nullptr;
  Result<event::UniqueFd> connect(const PeerConfig&) override {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
      return Status::ioError("socketpair");
    }
    neighbor->acceptConnection(event::UniqueFd(fds[1]));
    return event::UniqueFd(fds[0]);
  }
};

LocalConfig local(uint32_t asn, const char* id) {
  LocalConfig l;
  l.asn = asn;
  const auto b = net::IpAddress::parse(id)->bytes;
  l.router_id = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  return l;
}

PeerConfig peer(const char* address, uint32_t remote_as, bool passive) {
  PeerConfig p;
  p.address = *net::IpAddress::parse(address);
  p.remote_as = remote_as;
  p.passive = passive;
  p.hold_time_s = 3;
  p.connect_retry_ms = 100;
  return p;
}

class BgpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { connector_.neighbor = &b_; }
  // Moves the fake clock 1 ms at a time serving the given loops, until `done` or `max_ms`.
  bool pump(const std::function<bool()>& done, int64_t max_ms, bool serve_b = true) {
    for (int64_t t = 0; t < max_ms && !done(); ++t) {
      clock_.advanceMs(1);
      loop_a_.runOnce(0);
      if (serve_b) loop_b_.runOnce(0);
    }
    return done();
  }
  void bothUp() {
    b_.start();
    a_.start();
    ASSERT_TRUE(pump([&] { return rec_a_.established && rec_b_.established; }, 1000));
  }

  event::FakeClock clock_;
  event::EventLoop loop_a_{clock_}, loop_b_{clock_};
  Recorder rec_a_, rec_b_;
  PairConnector connector_;
  BgpSession b_{loop_b_, local(65002, "198.18.0.2"), peer("198.18.0.1", 65001, true), rec_b_};
  BgpSession a_{loop_a_, local(65001, "198.18.0.1"), peer("198.18.0.2", 65002, false), rec_a_,
                connector_};
};

TEST_F(BgpSessionTest, TwoSessionsComeUpAndCarryAnUpdate) {
  bothUp();
  EXPECT_EQ(a_.state(), SessionState::kEstablished);
  EXPECT_EQ(a_.negotiatedHoldTime(), 3);
  PathAttributes attrs;
  attrs.as_path = {65001};
  attrs.next_hop = *net::IpAddress::parse("198.18.0.1");
  std::string out;
  encodeUpdates({*net::IpPrefix::parse("198.18.100.0/24")}, attrs, false, a_.codecOptions(), &out);
  a_.send(out, 1);
  ASSERT_TRUE(pump([&] { return rec_b_.updates == 1; }, 100));
  // Keepalives keep both up across many hold times.
  ASSERT_FALSE(pump([&] { return !rec_a_.downs.empty() || !rec_b_.downs.empty(); }, 20000));
  EXPECT_GE(a_.counters().keepalives_out, 20u);
}

TEST_F(BgpSessionTest, ANeighborThatStopsIsDeclaredDeadByTheHoldTimer) {
  bothUp();
  const int64_t t0 = clock_.nowMs();
  ASSERT_TRUE(pump([&] { return !rec_a_.downs.empty(); }, 10000, /*serve_b=*/false));
  EXPECT_GE(clock_.nowMs() - t0, 3000) << "not before the 3 s hold time";
  EXPECT_LE(clock_.nowMs() - t0, 3010);
  EXPECT_EQ(rec_a_.downs[0], "sent NOTIFICATION Hold Timer Expired: hold timer expired");
  EXPECT_EQ(a_.counters().notifications_out, 1u);
  // The neighbor, running again, reads the NOTIFICATION and goes down too.
  ASSERT_TRUE(pump([&] { return !rec_b_.downs.empty(); }, 100));
  EXPECT_EQ(rec_b_.downs[0], "received NOTIFICATION Hold Timer Expired");
}

// A full-table burst is read in slices; a further slice runs in the same loop turn only while
// the turn is younger than EventLoop::kTurnBudgetNs (4 ms). Each slice here costs 5 ms: one per
// turn, all arrive.
TEST_F(BgpSessionTest, ABurstIsReadASliceATurnOnceTheTurnsBudgetIsSpent) {
  bothUp();
  PathAttributes attrs;
  attrs.as_path = {65001};
  attrs.next_hop = *net::IpAddress::parse("198.18.0.1");
  std::vector<net::IpPrefix> prefixes;
  for (uint32_t i = 0; i < 20'000; ++i) {
    prefixes.push_back(*net::IpPrefix::make(net::IpAddress::v4(0x64400000u + i), 32));
  }
  std::string out;
  encodeUpdates(prefixes, attrs, false, a_.codecOptions(), &out);
  ASSERT_GT(out.size(), 3u * 32 * 1024);  // more than three 32 KB slices
  a_.send(out, 1);
  ASSERT_TRUE(pump([&] { return a_.pendingOutput() == 0; }, 100, /*serve_b=*/false));
  rec_b_.clock = &clock_;
  rec_b_.ms_per_delivery = 5;
  int most_per_turn = 0, turns = 0;
  for (; turns < 100 && rec_b_.prefixes < 20'000; ++turns) {
    const int before = rec_b_.deliveries;
    loop_b_.runOnce(0);
    most_per_turn = std::max(most_per_turn, rec_b_.deliveries - before);
  }
  EXPECT_EQ(rec_b_.prefixes, 20'000);
  EXPECT_EQ(most_per_turn, 1);
  EXPECT_GE(turns, 3);
}

TEST(BgpSessionRawTest, BytesThatAreNotBgpGetAHeaderNotification) {
  event::FakeClock clock;
  event::EventLoop loop(clock);
  Recorder rec;
  BgpSession s(loop, local(65002, "198.18.0.2"), peer("198.18.0.1", 65001, true), rec);
  s.start();
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  event::UniqueFd raw(fds[1]);
  s.acceptConnection(event::UniqueFd(fds[0]));
  ASSERT_EQ(s.state(), SessionState::kOpenSent);
  std::string junk(19, '\x01');  // a header whose marker is not all ones
  ASSERT_EQ(::write(raw.get(), junk.data(), junk.size()), 19);
  for (int i = 0; i < 10 && s.state() != SessionState::kActive; ++i) loop.runOnce(0);
  EXPECT_EQ(s.state(), SessionState::kActive) << "a passive session waits again";
  // On the wire: our OPEN, then the NOTIFICATION (Message Header Error, Connection Not
  // Synchronized), then the end of the connection.
  char buf[4096];
  ssize_t n = ::read(raw.get(), buf, sizeof(buf));
  ASSERT_GT(n, 0);
  std::string_view wire(buf, static_cast<size_t>(n));
  size_t open_len = *messageLength(wire).value;
  ASSERT_EQ(messageType(wire.substr(0, open_len)), MessageType::kOpen);
  auto note = decodeNotification(wire.substr(open_len));
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note.value->code, err::kHeader);
  EXPECT_EQ(note.value->subcode, err::kNotSynchronized);
  EXPECT_NE(s.lastError().find("sent NOTIFICATION"), std::string::npos);
}

}  // namespace
}  // namespace hitless::bgp
