// The BGP FSM alone: events in, actions out, time given with each event — no sockets, no root,
// no waiting. Hold, keepalive and connect-retry expiry; collisions; every NOTIFICATION path;
// graceful-restart verdicts; and invariants over long random event sequences.
#include "bgp/bgp_fsm.h"

#include <gtest/gtest.h>

#include <random>

namespace hitless::bgp {
namespace {

using S = SessionState;
using K = BgpAction::Kind;
constexpr int64_t kS = 1'000'000'000, kMs = 1'000'000;

FsmConfig config(bool passive = false, uint16_t hold = 90, uint32_t remote_as = 65002) {
  FsmConfig c;
  c.local_as = 65001;
  c.router_id = 0xc6120001;
  c.remote_as = remote_as;
  c.passive = passive;
  c.hold_time_s = hold;
  c.connect_retry_ms = 5000;
  return c;
}

std::vector<K> kinds(const std::vector<BgpAction>& actions) {
  std::vector<K> out;
  for (const auto& a : actions) out.push_back(a.kind);
  return out;
}

const BgpAction* find(const std::vector<BgpAction>& actions, K kind) {
  for (const auto& a : actions) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

ev::OpenReceived open(uint16_t hold = 90, bool gr = true, uint32_t asn = 65002,
                      uint32_t id = 0xc6120002) {
  return {asn, id, hold, gr};
}

// Drives a session from Idle to Established at time `t`.
void establish(BgpFsm& fsm, int64_t t = 0, uint16_t peer_hold = 90, bool gr = true) {
  fsm.handle(ev::Start{}, t);
  fsm.handle(ev::TcpConnected{}, t);
  fsm.handle(open(peer_hold, gr), t);
  auto a = fsm.handle(ev::KeepaliveReceived{}, t);
  ASSERT_EQ(kinds(a), std::vector<K>{K::kEstablished});
  ASSERT_EQ(fsm.state(), S::kEstablished);
}

TEST(BgpFsm, ConnectsExchangesOpensAndComesUp) {
  BgpFsm fsm(config());
  EXPECT_EQ(kinds(fsm.handle(ev::Start{}, 0)), std::vector<K>{K::kConnect});
  EXPECT_EQ(fsm.state(), S::kConnect);
  EXPECT_EQ(kinds(fsm.handle(ev::TcpConnected{}, 0)), std::vector<K>{K::kSendOpen});
  EXPECT_EQ(fsm.state(), S::kOpenSent);
  EXPECT_EQ(kinds(fsm.handle(open(30), 0)), std::vector<K>{K::kSendKeepalive});
  EXPECT_EQ(fsm.state(), S::kOpenConfirm);
  EXPECT_EQ(fsm.negotiatedHoldTime(), 30) << "the smaller of the two hold times";
  EXPECT_EQ(kinds(fsm.handle(ev::KeepaliveReceived{}, 0)), std::vector<K>{K::kEstablished});
  EXPECT_EQ(fsm.state(), S::kEstablished);
  EXPECT_TRUE(fsm.lastError().empty());
}

TEST(BgpFsm, APassiveNeighborWaitsInActiveAndTakesTheOfferedConnection) {
  BgpFsm fsm(config(/*passive=*/true));
  EXPECT_TRUE(fsm.handle(ev::Start{}, 0).empty());
  EXPECT_EQ(fsm.state(), S::kActive);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 60 * kS).empty()) << "it never connects";
  EXPECT_EQ(kinds(fsm.handle(ev::TcpOffered{}, 61 * kS)),
            (std::vector<K>{K::kTakeConnection, K::kSendOpen}));
  EXPECT_EQ(fsm.state(), S::kOpenSent);
}

TEST(BgpFsm, AFailedConnectIsRetriedAfterTheConnectRetryTime) {
  BgpFsm fsm(config());
  fsm.handle(ev::Start{}, 0);
  EXPECT_TRUE(fsm.handle(ev::TcpConnectFailed{"connect: Connection refused"}, 0).empty());
  EXPECT_EQ(fsm.state(), S::kActive);
  EXPECT_EQ(fsm.lastError(), "connect: Connection refused");
  EXPECT_EQ(fsm.nextDeadline(), 5000 * kMs);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 4999 * kMs).empty());
  EXPECT_EQ(kinds(fsm.handle(ev::Tick{}, 5000 * kMs)), std::vector<K>{K::kConnect});
  EXPECT_EQ(fsm.state(), S::kConnect);
}

TEST(BgpFsm, TheHoldTimerIsLargeUntilTheOpenThenTheNegotiatedOne) {
  BgpFsm fsm(config());
  fsm.handle(ev::Start{}, 0);
  fsm.handle(ev::TcpConnected{}, 0);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 200 * kS).empty()) << "240 s in OpenSent (RFC 4271 8.2.2)";
  auto a = fsm.handle(ev::Tick{}, 240 * kS + 1);
  ASSERT_NE(find(a, K::kSendNotification), nullptr);
  EXPECT_EQ(find(a, K::kSendNotification)->notification.code, err::kHoldTimerExpired);
  EXPECT_EQ(fsm.state(), S::kIdle);

  BgpFsm up(config(false, 9));
  establish(up, 0, 90);
  EXPECT_EQ(up.negotiatedHoldTime(), 9);
  up.handle(ev::KeepaliveReceived{}, 5 * kS);  // the neighbor is alive: the hold timer restarts
  EXPECT_FALSE(up.holdExpired(14 * kS));
  EXPECT_TRUE(up.holdExpired(14 * kS + 1));
  auto expiry = up.handle(ev::Tick{}, 14 * kS + 1);
  EXPECT_EQ(kinds(expiry), (std::vector<K>{K::kSendNotification, K::kCloseConnection, K::kDown}));
  EXPECT_EQ(expiry[2].reason, "sent NOTIFICATION Hold Timer Expired: hold timer expired");
  EXPECT_FALSE(expiry[2].peer_restarting) << "a hold-timer expiry is not a graceful restart";
}

TEST(BgpFsm, KeepalivesGoAtAThirdOfTheHoldTimeSinceTheLastMessageSent) {
  BgpFsm fsm(config(false, 30));
  establish(fsm, 0, 30);
  EXPECT_EQ(fsm.nextDeadline(), 10 * kS);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 10 * kS - 1).empty());
  EXPECT_EQ(kinds(fsm.handle(ev::Tick{}, 10 * kS)), std::vector<K>{K::kSendKeepalive});
  fsm.handle(ev::Sent{}, 15 * kS);  // UPDATEs went out: no keepalive needed before 25 s
  fsm.handle(ev::KeepaliveReceived{}, 15 * kS);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 24 * kS).empty());
  EXPECT_EQ(kinds(fsm.handle(ev::Tick{}, 25 * kS)), std::vector<K>{K::kSendKeepalive});
}

TEST(BgpFsm, AZeroHoldTimeMeansNoKeepalivesAndNoExpiry) {
  BgpFsm fsm(config(false, 0));
  establish(fsm, 0, 90);
  EXPECT_EQ(fsm.negotiatedHoldTime(), 0);
  EXPECT_EQ(fsm.nextDeadline(), std::nullopt);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 3600 * kS).empty());
  EXPECT_EQ(fsm.state(), S::kEstablished);
}

TEST(BgpFsm, ACollisionKeepsTheSessionPastTheOpenExchange) {
  BgpFsm fsm(config());
  fsm.handle(ev::Start{}, 0);
  fsm.handle(ev::TcpConnected{}, 0);
  // In OpenSent the newer connection replaces ours.
  EXPECT_EQ(kinds(fsm.handle(ev::TcpOffered{}, 0)),
            (std::vector<K>{K::kTakeConnection, K::kSendOpen}));
  fsm.handle(open(), 0);
  for (S s : {S::kOpenConfirm, S::kEstablished}) {
    ASSERT_EQ(fsm.state(), s);
    auto a = fsm.handle(ev::TcpOffered{}, 0);
    ASSERT_EQ(kinds(a), std::vector<K>{K::kRejectConnection});
    EXPECT_EQ(a[0].notification.code, err::kCease);
    EXPECT_EQ(a[0].notification.subcode, err::kCeaseCollision);
    EXPECT_EQ(fsm.state(), s);
    fsm.handle(ev::KeepaliveReceived{}, 0);
  }
  BgpFsm stopped(config(true));
  EXPECT_EQ(kinds(stopped.handle(ev::TcpOffered{}, 0)), std::vector<K>{K::kRejectConnection})
      << "a session never started takes no connection";
}

// Every NOTIFICATION the FSM can send, with the state it is sent from.
struct NotificationCase {
  const char* name;
  S from;
  BgpEvent event;
  uint8_t code, subcode;
  std::string data;
};

class BgpFsmNotification : public ::testing::TestWithParam<NotificationCase> {};

void driveTo(BgpFsm& fsm, S target) {
  fsm.handle(ev::Start{}, 0);
  if (target == S::kConnect) return;
  fsm.handle(ev::TcpConnected{}, 0);
  if (target == S::kOpenSent) return;
  fsm.handle(open(), 0);
  if (target == S::kOpenConfirm) return;
  fsm.handle(ev::KeepaliveReceived{}, 0);
}

TEST_P(BgpFsmNotification, IsSentAndTheSessionGoesDown) {
  const auto& c = GetParam();
  BgpFsm fsm(config());
  driveTo(fsm, c.from);
  ASSERT_EQ(fsm.state(), c.from);
  auto a = fsm.handle(c.event, kS);
  const BgpAction* n = find(a, K::kSendNotification);
  ASSERT_NE(n, nullptr) << eventName(c.event);
  EXPECT_EQ(n->notification.code, c.code);
  EXPECT_EQ(n->notification.subcode, c.subcode);
  EXPECT_EQ(n->notification.data, c.data);
  EXPECT_NE(find(a, K::kCloseConnection), nullptr);
  EXPECT_EQ(find(a, K::kDown) != nullptr, c.from == S::kEstablished)
      << "only an Established session goes down";
  EXPECT_EQ(fsm.state(), S::kIdle);
  if (std::holds_alternative<ev::Stop>(c.event)) {
    EXPECT_EQ(fsm.nextDeadline(), std::nullopt) << "a stopped session stays down";
  } else {
    EXPECT_EQ(fsm.nextDeadline(), kS + 5000 * kMs) << "it connects again after the retry time";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, BgpFsmNotification,
    ::testing::Values(
        NotificationCase{"BadPeerAs", S::kOpenSent, open(90, true, 65099), err::kOpen,
                         err::kBadPeerAs, std::string("\xfe\x4b", 2)},
        NotificationCase{"OpenInOpenConfirm", S::kOpenConfirm, open(), err::kFsm, 0, ""},
        NotificationCase{"OpenInEstablished", S::kEstablished, open(), err::kFsm, 0, ""},
        NotificationCase{"KeepaliveInOpenSent", S::kOpenSent, ev::KeepaliveReceived{}, err::kFsm, 0,
                         ""},
        NotificationCase{"UpdateInOpenSent", S::kOpenSent, ev::UpdateReceived{}, err::kFsm, 0, ""},
        NotificationCase{"UpdateInOpenConfirm", S::kOpenConfirm, ev::UpdateReceived{}, err::kFsm, 0,
                         ""},
        NotificationCase{"RouteRefreshInOpenConfirm", S::kOpenConfirm, ev::RouteRefreshReceived{},
                         err::kFsm, 0, ""},
        NotificationCase{"HoldTimerInOpenConfirm", S::kOpenConfirm, ev::HoldTimerExpired{},
                         err::kHoldTimerExpired, 0, ""},
        NotificationCase{"HoldTimerInEstablished", S::kEstablished, ev::HoldTimerExpired{},
                         err::kHoldTimerExpired, 0, ""},
        NotificationCase{"BadMessageInEstablished", S::kEstablished,
                         ev::MessageError{{err::kUpdate, err::kMalformedAsPath, "", "as path"}},
                         err::kUpdate, err::kMalformedAsPath, ""},
        NotificationCase{
            "BadMessageInOpenSent", S::kOpenSent,
            ev::MessageError{{err::kHeader, err::kBadLength, std::string("\x00\x05", 2), "length"}},
            err::kHeader, err::kBadLength, std::string("\x00\x05", 2)},
        NotificationCase{"StopInOpenSent", S::kOpenSent, ev::Stop{err::kCeaseAdminShutdown, "x"},
                         err::kCease, err::kCeaseAdminShutdown, ""},
        NotificationCase{"StopInEstablished", S::kEstablished,
                         ev::Stop{err::kCeasePeerDeconfigured, "x"}, err::kCease,
                         err::kCeasePeerDeconfigured, ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BgpFsm, TheFsmErrorSaysWhatCameInWhichState) {
  BgpFsm fsm(config());
  driveTo(fsm, S::kOpenSent);
  auto a = fsm.handle(ev::KeepaliveReceived{}, 0);
  EXPECT_EQ(find(a, K::kSendNotification)->notification.reason, "KEEPALIVE in state OpenSent");
  EXPECT_EQ(fsm.lastError(),
            "sent NOTIFICATION Finite State Machine Error: KEEPALIVE in state OpenSent");
}

TEST(BgpFsm, AnIbgpNeighborWithOurIdentifierIsRefusedAnEbgpOneIsNot) {
  BgpFsm ibgp(config(false, 90, /*remote_as=*/65001));
  driveTo(ibgp, S::kOpenSent);
  auto a = ibgp.handle(open(90, true, 65001, 0xc6120001), 0);
  EXPECT_EQ(find(a, K::kSendNotification)->notification.subcode, err::kBadBgpId);
  BgpFsm ebgp(config());
  driveTo(ebgp, S::kOpenSent);
  EXPECT_EQ(kinds(ebgp.handle(open(90, true, 65002, 0xc6120001), 0)),
            std::vector<K>{K::kSendKeepalive});
}

TEST(BgpFsm, StopBeforeTheOpenSendsNothingAndNeverRetries) {
  BgpFsm fsm(config());
  fsm.handle(ev::Start{}, 0);
  EXPECT_EQ(kinds(fsm.handle(ev::Stop{}, 0)), std::vector<K>{K::kCloseConnection});
  EXPECT_EQ(fsm.state(), S::kIdle);
  EXPECT_TRUE(fsm.stopped());
  EXPECT_EQ(fsm.nextDeadline(), std::nullopt);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 3600 * kS).empty());
}

// RFC 4724 §4.2: a neighbor that negotiated graceful restart and whose connection ended without a
// NOTIFICATION may be restarting; its routes are kept. Any NOTIFICATION means it is not.
TEST(BgpFsm, GracefulRestartIsAssumedOnlyWithoutANotification) {
  BgpFsm gr(config());
  establish(gr, 0, 90, /*gr=*/true);
  auto a = gr.handle(ev::TcpClosed{"peer closed the connection"}, kS);
  ASSERT_NE(find(a, K::kDown), nullptr);
  EXPECT_TRUE(find(a, K::kDown)->peer_restarting);
  EXPECT_EQ(find(a, K::kDown)->reason, "connection closed: peer closed the connection");

  BgpFsm no_gr(config());
  establish(no_gr, 0, 90, /*gr=*/false);
  EXPECT_FALSE(find(no_gr.handle(ev::TcpClosed{"reset"}, kS), K::kDown)->peer_restarting);

  BgpFsm notified(config());
  establish(notified, 0, 90, /*gr=*/true);
  auto n = notified.handle(ev::NotificationReceived{err::kCease, err::kCeaseAdminReset}, kS);
  EXPECT_EQ(kinds(n), (std::vector<K>{K::kCloseConnection, K::kDown}));
  EXPECT_FALSE(n[1].peer_restarting);
  EXPECT_EQ(notified.lastError(),
            "received NOTIFICATION " + describeError(err::kCease, err::kCeaseAdminReset));
}

TEST(BgpFsm, QuiescedTimersStopAndHeldInputKeepsTheNeighborAlive) {
  BgpFsm fsm(config(false, 9));
  establish(fsm, 0, 9);
  fsm.handle(ev::Quiesce{}, 0);
  EXPECT_EQ(fsm.nextDeadline(), std::nullopt);
  EXPECT_TRUE(fsm.handle(ev::Tick{}, 60 * kS).empty()) << "a quiesced session sends nothing";
  fsm.handle(ev::Resume{}, 60 * kS);
  fsm.handle(ev::InputHeld{}, 60 * kS);  // unread input waits in the socket: it is alive
  EXPECT_FALSE(fsm.holdExpired(69 * kS));
  EXPECT_TRUE(fsm.holdExpired(69 * kS + 1));
}

TEST(BgpFsm, AnAdoptedSessionIsEstablishedAndSaysSoAtOnce) {
  BgpFsm fsm(config());
  auto a = fsm.handle(ev::Adopted{30, true}, 7 * kS);
  EXPECT_EQ(kinds(a), std::vector<K>{K::kSendKeepalive}) << "no Established: nothing changed";
  EXPECT_EQ(fsm.state(), S::kEstablished);
  EXPECT_EQ(fsm.negotiatedHoldTime(), 30);
  EXPECT_TRUE(fsm.peerGracefulRestart());
  EXPECT_EQ(fsm.nextDeadline(), 17 * kS);
}

// Invariants over long random event sequences (seeded: a failure replays): the observer hears
// Down only from Established and Established only from OpenConfirm; after Stop nothing connects
// until Start; nothing but an OPEN exchange leads to Established; deadlines never lie in the past
// of the last event when the FSM says a timer runs.
TEST(BgpFsm, InvariantsHoldOverRandomEventSequences) {
  const std::vector<BgpEvent> events = {ev::Start{},
                                        ev::Stop{},
                                        ev::Tick{},
                                        ev::TcpConnected{},
                                        ev::TcpConnectFailed{},
                                        ev::TcpOffered{},
                                        ev::TcpClosed{},
                                        open(),
                                        open(90, true, 1),
                                        ev::KeepaliveReceived{},
                                        ev::UpdateReceived{},
                                        ev::NotificationReceived{6, 2},
                                        ev::RouteRefreshReceived{},
                                        ev::MessageError{{1, 2, "", "bad"}},
                                        ev::Quiesce{},
                                        ev::Resume{},
                                        ev::InputHeld{},
                                        ev::Sent{},
                                        ev::HoldTimerExpired{},
                                        ev::KeepaliveTimerExpired{},
                                        ev::ConnectRetryExpired{}};
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    BgpFsm fsm(config(seed % 3 == 0, static_cast<uint16_t>(seed % 4 == 0 ? 0 : 3 + seed)));
    int64_t t = 0;
    for (int step = 0; step < 5000; ++step) {
      t += std::uniform_int_distribution<int64_t>(0, 3 * kS)(rng);
      const BgpEvent& e = events[rng() % events.size()];
      const S before = fsm.state();
      const bool was_stopped = fsm.stopped();
      auto actions = fsm.handle(e, t);
      for (const auto& a : actions) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step) + ": " +
                     std::string(eventName(e)) + " in " + std::string(sessionStateName(before)));
        if (a.kind == K::kDown) {
          EXPECT_EQ(before, S::kEstablished);
        }
        if (a.kind == K::kEstablished) {
          EXPECT_EQ(before, S::kOpenConfirm);
        }
        if (a.kind == K::kConnect) {
          EXPECT_TRUE(!was_stopped || std::holds_alternative<ev::Start>(e));
        }
      }
      if (fsm.state() == S::kEstablished && before != S::kEstablished) {
        EXPECT_TRUE(std::holds_alternative<ev::KeepaliveReceived>(e));
      }
    }
  }
}

}  // namespace
}  // namespace hitless::bgp
