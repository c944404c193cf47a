#include "state/rib.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "state/route_text.h"

namespace hitless::state {
namespace {

net::Route route(const std::string& prefix, uint32_t metric, uint32_t weight = 1) {
  net::Route r;
  r.prefix = *net::IpPrefix::parse(prefix);
  r.nexthops = {{*net::IpAddress::parse("198.18.1.2"), 0, weight}};
  r.metric = metric;
  return r;
}

TEST(Rib, DigestIsOrderIndependentAndTracksEveryChange) {
  Rib a, b;
  std::vector<net::Route> routes;
  for (int i = 0; i < 500; ++i) {
    routes.push_back(
        route("198.18." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32", i));
  }
  for (const auto& r : routes) a.upsert(r);
  std::mt19937 rng(1);
  std::shuffle(routes.begin(), routes.end(), rng);
  for (const auto& r : routes) b.upsert(r);
  EXPECT_EQ(a.digest(), b.digest());

  b.upsert(route("198.18.0.7/32", 999));  // changed metric
  EXPECT_NE(a.digest(), b.digest());
  b.upsert(route("198.18.0.7/32", 7));  // back
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_TRUE(b.withdraw(*net::IpPrefix::parse("198.18.0.7/32")));
  EXPECT_NE(a.digest(), b.digest());
  EXPECT_EQ(b.digest().count(), 499u);
  EXPECT_FALSE(b.withdraw(*net::IpPrefix::parse("198.18.0.7/32")));
}

TEST(Rib, DigestAtV1IgnoresWhatV1CannotCarry) {
  Rib v1(1), v2(2);
  v1.upsert(route("198.18.10.0/24", 1, 5));
  v2.upsert(route("198.18.10.0/24", 1, 1));
  Rib v1b(1);
  v1b.upsert(route("198.18.10.0/24", 1, 1));
  EXPECT_EQ(v1.digest(), v1b.digest()) << "weights are not part of a v1 digest";
  v2.setDigestVersion(1);
  EXPECT_EQ(v2.digest(), v1.digest());
}

// Rebuilt from scratch at `version`: what an incrementally kept digest must equal.
StateDigest digestOf(const Rib& rib, issu::MessageVersion version) {
  Rib fresh(version);
  for (const auto& r : rib.sorted()) fresh.upsert(r);
  return fresh.digest();
}

TEST(Rib, DigestChangesVersionInPiecesWhileTheTableChanges) {
  Rib rib(1);
  std::mt19937 rng(7);
  auto name = [](int i) {
    return "198.18." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32";
  };
  for (int i = 0; i < 3000; ++i) rib.upsert(route(name(i), i, 1 + i % 3));
  rib.beginDigestVersion(2);
  EXPECT_TRUE(rib.digestChanging());
  int pieces = 0;
  while (!rib.continueDigestVersion(256)) {
    ++pieces;
    // Each kind of change, behind and ahead of the walk: new weights (v2 carries them, v1
    // not), withdrawals, and new routes (some reusing the positions just freed).
    for (int k = 0; k < 40; ++k) {
      const int i = static_cast<int>(rng() % 4000);
      switch (rng() % 3) {
        case 0:
          rib.upsert(route(name(i), i, 1 + static_cast<int>(rng() % 5)));
          break;
        case 1:
          rib.withdraw(*net::IpPrefix::parse(name(i)));
          break;
        default:
          rib.upsert(route(name(4000 + static_cast<int>(rng() % 2000)), i));
      }
    }
    ASSERT_EQ(rib.digestVersion(), 1);
    ASSERT_EQ(rib.digest(), digestOf(rib, 1)) << "the old version's digest stays right meanwhile";
  }
  EXPECT_GT(pieces, 5);
  EXPECT_FALSE(rib.digestChanging());
  EXPECT_EQ(rib.digestVersion(), 2);
  EXPECT_EQ(rib.digest(), digestOf(rib, 2));
  EXPECT_NE(rib.digest(), digestOf(rib, 1)) << "the weights count at v2";
  // Kept up to date afterwards as before.
  rib.upsert(route(name(1), 1, 4));
  EXPECT_EQ(rib.digest(), digestOf(rib, 2));
}

TEST(Rib, AClearEndsAVersionChangeAtOnce) {
  Rib rib(1);
  for (int i = 0; i < 100; ++i) rib.upsert(route("198.18.0." + std::to_string(i) + "/32", i, 2));
  rib.beginDigestVersion(2);
  EXPECT_FALSE(rib.continueDigestVersion(10));
  rib.clear();
  EXPECT_FALSE(rib.digestChanging());
  EXPECT_EQ(rib.digestVersion(), 2);
  rib.upsert(route("198.18.1.1/32", 1, 3));
  EXPECT_EQ(rib.digest(), digestOf(rib, 2));
  rib.beginDigestVersion(2);
  EXPECT_FALSE(rib.digestChanging()) << "already at that version";
}

TEST(Rib, DeltaKeepsOrder) {
  Rib rib;
  auto delta = parseRouteChanges(
      "add 198.18.10.0/24 via 198.18.1.2\ndel 198.18.10.0/24\n"
      "del 198.18.11.0/24\nadd 198.18.11.0/24 via 198.18.1.3 metric 4\n");
  ASSERT_TRUE(delta.isOk());
  rib.apply(*delta);
  EXPECT_EQ(rib.find(*net::IpPrefix::parse("198.18.10.0/24")), nullptr);
  ASSERT_NE(rib.find(*net::IpPrefix::parse("198.18.11.0/24")), nullptr);
  EXPECT_EQ(rib.find(*net::IpPrefix::parse("198.18.11.0/24"))->metric, 4u);
}

TEST(ConfigStore, DigestFollowsValues) {
  ConfigStore a, b;
  a.set("hostname", "r1");
  b.set("hostname", "r2");
  EXPECT_NE(a.digest(), b.digest());
  b.set("hostname", "r1");
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_TRUE(b.erase("hostname"));
  EXPECT_EQ(b.digest(), ConfigStore().digest());
}

TEST(RouteText, ParsesEveryAttributeAndRoundTrips) {
  auto d = parseRouteChanges(
      "# comment\n"
      "add 198.18.10.0/24 via 198.18.1.2 dev 3 weight 2 via 198.18.1.3 metric 20 distance 20 "
      "proto 186 tag 7\n"
      "add 2001:db8::/32 dev 4\n");
  ASSERT_TRUE(d.isOk()) << d.status().toString();
  ASSERT_EQ(d->size(), 2u);
  const net::Route& r = d->changes[0].route;
  ASSERT_EQ(r.nexthops.size(), 2u);
  EXPECT_EQ(r.nexthops[0].ifindex, 3u);
  EXPECT_EQ(r.nexthops[0].weight, 2u);
  EXPECT_EQ(r.tag, 7u);
  auto again = parseRouteChanges("add " + formatRoute(r));
  ASSERT_TRUE(again.isOk()) << formatRoute(r);
  EXPECT_EQ(again->changes[0].route, r);
}

TEST(RouteText, ErrorsNameTheLineAndTheProblem) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"add 198.18.10.1/24 via 198.18.1.2", "line 1: 198.18.10.1/24 has host bits set"},
      {"\nadd 198.18.10.0/24 via 2001:db8::1", "line 2: next hop 2001:db8::1 is not of"},
      {"add 198.18.10.0/24 color blue", "unknown word 'color'"},
      {"add 198.18.10.0/24 via", "'via' needs a value"},
      {"add 198.18.10.0/24 via 198.18.1.2 weight 0", "weight must be >= 1"},
      {"add 198.18.10.0/24 metric 5", "needs 'via ADDRESS' or 'dev IFINDEX'"},
      {"add 198.18.10.0/24 via 198.18.1.2 distance 300", "distance '300' is not valid"},
      {"replace 198.18.10.0/24", "expected 'add PREFIX ...' or 'del PREFIX'"},
  };
  for (const auto& c : cases) {
    auto d = parseRouteChanges(c.text);
    ASSERT_FALSE(d.isOk()) << c.text;
    EXPECT_NE(d.status().message().find(c.expect), std::string::npos) << d.status().message();
  }
}

}  // namespace
}  // namespace hitless::state
