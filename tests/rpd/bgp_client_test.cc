// BgpClient's parts that need no BGP peer: the standby's shadow fed through the checkpoint
// session (sessions and their input), configuration checks before a change applies, flow
// control by unacknowledged transactions, and what it says when BGP does not run here. The
// sessions themselves, with real peers, are in bgp_interop_test.
#include "rpd/bgp_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bgp/bgp_message.h"
#include "messages/wire_numbers.h"
#include "rpd/sync_pair.h"
#include "util/temp_dir.h"

namespace hitless::rpd {
namespace {

using testing::nativeRouteVersion;
using testing::SyncPair;

std::string openBytes(uint32_t asn, const char* id) {
  bgp::OpenMessage o;
  o.asn = asn;
  o.hold_time_s = 90;
  o.bgp_id = ntohl(inet_addr(id));
  o.caps.four_octet_as = asn;
  std::string out;
  bgp::encodeOpen(o, &out);
  return out;
}

class BgpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_.addActive(active_);
    pair_.addStandby(standby_);
    ASSERT_TRUE(standby_.start().isOk());
    active_rib_.onRole(active_role_);
    ASSERT_TRUE(pair_.connect());
  }

  testing::TempDir dir_;
  SyncPair pair_;
  issu::MessageCatalog catalog_ = *messages::buildCatalog(messages::kRelease1_1);
  CrashPoint no_crash_;
  checkpoint::Role active_role_{true, 1, "ACTIVE"};
  ConfigClient active_config_{pair_.link(), ""}, standby_config_{pair_.link(), ""};
  RibClient active_rib_{
      pair_.loop(), pair_.link(), nativeRouteVersion(messages::kRelease1_1), {}, no_crash_};
  RibClient standby_rib_{
      pair_.loop(), pair_.link(), nativeRouteVersion(messages::kRelease1_1), {}, no_crash_};
  BgpClient active_{pair_.loop(), pair_.link(), active_rib_, active_config_, 0, dir_.file("ckpt")};
  BgpClient standby_{pair_.loop(),     pair_.link(), standby_rib_, standby_config_, 1,
                     dir_.file("ckpt")};

  // An Established session with neighbor 198.18.2.2, as the active checkpoints it.
  static messages::BgpSessionCheckpoint established() {
    messages::BgpSessionCheckpoint s;
    s.peer = *net::IpAddress::parse("198.18.2.2");
    s.established = true;
    s.local_open = openBytes(65001, "198.18.2.1");
    s.peer_open = openBytes(65002, "198.18.2.2");
    s.session_id = 42;
    return s;
  }
};

TEST_F(BgpClientTest, TheStandbyShadowsSessionsAndTheirInput) {
  messages::BgpSessionCheckpoint s = established();
  active_.bgpSessionChanged(s, -1);  // no socket to pass: state only
  bgp::PathAttributes attrs;
  attrs.as_path = {65002};
  attrs.next_hop = s.peer;
  messages::BgpInputCheckpoint in{s.peer, 0, {}};
  bgp::encodeUpdates(
      {*net::IpPrefix::parse("198.18.100.0/24"), *net::IpPrefix::parse("198.18.101.0/24")}, attrs,
      false, {true}, &in.messages);
  active_.applyBgpChanges({}, &in);
  ASSERT_TRUE(pair_.drained());
  ASSERT_FALSE(pair_.standby_error.has_value()) << *pair_.standby_error;
  nlohmann::json shadow = standby_.shadowStatus();
  ASSERT_EQ(shadow.size(), 1u) << shadow.dump();
  EXPECT_EQ(shadow[0]["neighbor"], "198.18.2.2");
  EXPECT_EQ(shadow[0]["prefixes"], 2);
  EXPECT_EQ(shadow[0]["rx_offset"], in.messages.size());
  EXPECT_EQ(shadow[0]["socket"], false);

  // The session ends: the shadow forgets it.
  s.established = false;
  active_.bgpSessionChanged(s, -1);
  ASSERT_TRUE(pair_.drained());
  EXPECT_TRUE(standby_.shadowStatus().empty());
}

// Input whose bytes are not whole BGP messages is corruption: the session closes.
TEST_F(BgpClientTest, InputThatIsNotWholeMessagesClosesTheSession) {
  messages::BgpSessionCheckpoint s = established();
  active_.bgpSessionChanged(s, -1);
  messages::BgpInputCheckpoint in{s.peer, 0, std::string(19, '\xff')};
  active_.applyBgpChanges({}, &in);
  ASSERT_TRUE(pair_.runUntil([&] { return pair_.standby_error.has_value(); }));
  EXPECT_NE(pair_.standby_error->find("not whole messages"), std::string::npos)
      << *pair_.standby_error;
}

TEST_F(BgpClientTest, ABgpChangeTheSpeakerCouldNotRunWithIsRefused) {
  std::optional<ChangeResult> r;
  active_config_.set("bgp.asn", "not-a-number", false, [&](ChangeResult x) { r = x; });
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->status.isOk());
  EXPECT_EQ(active_config_.store().get("bgp.asn"), nullptr) << "refused before it applied";
}

TEST_F(BgpClientTest, SaysWhyBgpDoesNotRunHere) {
  active_.onRole({false, 1, "STANDBY HOT"});
  EXPECT_EQ(active_.summary().status().message(),
            "BGP runs on the active RP; this RP is STANDBY HOT");
  active_.onRole(active_role_);
  EXPECT_EQ(active_.neighbors().status().message(), "BGP is not configured (no bgp.asn)");
}

TEST_F(BgpClientTest, InputWaitsWhileTooManyTransactionsAreUnacknowledged) {
  EXPECT_TRUE(active_.readyForInput());
  for (int i = 0; i < 8; ++i) {
    checkpoint::Transaction txn = pair_.link().transaction();
    ConfigClient::add(txn, {"k" + std::to_string(i), "v", false});
    pair_.link().send(std::move(txn), [](bool) {});
  }
  EXPECT_FALSE(active_.readyForInput()) << "8 in flight, none acknowledged yet";
  ASSERT_TRUE(pair_.drained());
  EXPECT_TRUE(active_.readyForInput());
}

TEST_F(BgpClientTest, OnlyBgpRoutesAreVisitedForTheRestartCheck) {
  state::RibDelta d;
  net::Route bgp_route, static_route;
  bgp_route.prefix = *net::IpPrefix::parse("198.18.100.0/24");
  bgp_route.protocol = bgp::kProtocolBgp;
  static_route.prefix = *net::IpPrefix::parse("198.18.200.0/24");
  static_route.protocol = 4;
  d.upsert(bgp_route);
  d.upsert(static_route);
  active_rib_.apply(std::move(d), [](ChangeResult) {});
  std::vector<net::IpPrefix> seen;
  bgp::BgpHost::PrefixWalk walk = active_.bgpPrefixesFrom(0, 1, &seen);
  EXPECT_FALSE(walk.done);
  EXPECT_EQ(walk.next, 1u);
  walk = active_.bgpPrefixesFrom(walk.next, 100, &seen);
  EXPECT_TRUE(walk.done);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].toString(), "198.18.100.0/24");
}

}  // namespace
}  // namespace hitless::rpd
