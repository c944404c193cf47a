#include "issu/negotiation.h"

#include <gtest/gtest.h>

#include <random>

#include "issu/manifest_fixture.h"

namespace hitless::issu {
namespace {

using testing::sampleSet;

TEST(Negotiation, IdenticalSetsAreCompatibleAtTheirHighestVersion) {
  auto r = negotiate(sampleSet(1, 2), sampleSet(1, 2));
  EXPECT_EQ(r.level, Compatibility::kCompatible);
  EXPECT_EQ(r.mode(), OperatingMode::kSso);
  EXPECT_EQ(r.versionFor(2028, 1), 2);
  EXPECT_EQ(r.versionFor(2028, 2), 1);
}

TEST(Negotiation, OlderAndNewerMeetAtTheHighestCommonVersion) {
  auto r = negotiate(sampleSet(1, 1), sampleSet(1, 2));
  EXPECT_EQ(r.level, Compatibility::kCompatible);
  EXPECT_EQ(r.versionFor(2028, 1), 1);
  const NegotiatedClient* rib = r.findClient(2028);
  ASSERT_NE(rib, nullptr);
  EXPECT_EQ(rib->messages[0].my_max, 1);
  EXPECT_EQ(rib->messages[0].peer_max, 2);
}

TEST(Negotiation, RequiredClientWithoutCommonVersionMakesThePairIncompatible) {
  auto r = negotiate(sampleSet(1, 1), sampleSet(2, 3));
  EXPECT_EQ(r.level, Compatibility::kIncompatible);
  EXPECT_EQ(r.mode(), OperatingMode::kRpr);
  EXPECT_EQ(r.versionFor(2028, 1), std::nullopt);
  EXPECT_EQ(r.versionFor(2028, 2), std::nullopt);  // the whole client is off
  EXPECT_EQ(r.versionFor(3, 1), 1);                // others still negotiated
  EXPECT_NE(r.findClient(2028)->reason.find("no common version"), std::string::npos);
}

TEST(Negotiation, OptionalClientFailureIsBaseLevel) {
  auto r = negotiate(sampleSet(1, 2, true, 1, 1), sampleSet(1, 2, true, 2, 2));
  EXPECT_EQ(r.level, Compatibility::kBaseLevel);
  EXPECT_EQ(r.mode(), OperatingMode::kSsoBaseLevel);
  EXPECT_FALSE(r.findClient(2050)->compatible);
  EXPECT_EQ(r.versionFor(2028, 1), 2);
}

TEST(Negotiation, ClientPresentOnOneSideOnly) {
  auto optional_missing = negotiate(sampleSet(1, 1, true), sampleSet(1, 1, false));
  EXPECT_EQ(optional_missing.level, Compatibility::kBaseLevel);
  EXPECT_EQ(optional_missing.findClient(2050)->reason, "client not present in the peer image");

  MessageSet without_config = sampleSet(1, 1);
  without_config.clients.erase(without_config.clients.begin() + 2);
  auto required_missing = negotiate(without_config, sampleSet(1, 1));
  EXPECT_EQ(required_missing.level, Compatibility::kIncompatible);
  EXPECT_EQ(required_missing.findClient(4)->reason, "client not present in this image");
}

TEST(Negotiation, MessageTypeUnknownToOneSideFailsItsClient) {
  MessageSet newer = sampleSet(1, 1);
  newer.clients[3].messages.push_back({3, "bulk marker", 1, 1, 0});
  auto r = negotiate(sampleSet(1, 1), newer);
  EXPECT_EQ(r.level, Compatibility::kIncompatible);
  EXPECT_EQ(r.findClient(2028)->reason, "message type bulk marker unknown to this image");
}

// A feature added to a client later (BGP's write-ahead output): the older side lacks the type,
// the client still negotiates both ways round, and the type is simply not exchanged.
TEST(Negotiation, OptionalMessageTypeUnknownToOneSideIsNotExchanged) {
  MessageSet newer = sampleSet(1, 1);
  newer.clients[3].messages.push_back({3, "bgp output", 1, 1, 0, /*optional=*/true});
  for (auto r : {negotiate(sampleSet(1, 1), newer), negotiate(newer, sampleSet(1, 1))}) {
    EXPECT_EQ(r.level, Compatibility::kCompatible);
    EXPECT_EQ(r.versionFor(2028, 3), std::nullopt);
    EXPECT_EQ(r.versionFor(2028, 1), 1);
  }
  EXPECT_EQ(negotiate(newer, newer).versionFor(2028, 3), 1);
}

TEST(Negotiation, IsSymmetricAndPicksTheHighestOverlapForRandomRanges) {
  std::mt19937 rng(20261125);  // fixed seed: a failure replays
  std::uniform_int_distribution<int> dist(1, 6);
  for (int i = 0; i < 2000; ++i) {
    int a1 = dist(rng), a2 = dist(rng), b1 = dist(rng), b2 = dist(rng);
    MessageVersion amin = std::min(a1, a2), amax = std::max(a1, a2);
    MessageVersion bmin = std::min(b1, b2), bmax = std::max(b1, b2);
    auto ab = negotiate(sampleSet(amin, amax), sampleSet(bmin, bmax));
    auto ba = negotiate(sampleSet(bmin, bmax), sampleSet(amin, amax));
    EXPECT_EQ(ab.level, ba.level);
    EXPECT_EQ(ab.versionFor(2028, 1), ba.versionFor(2028, 1));
    bool overlap = std::max(amin, bmin) <= std::min(amax, bmax);
    if (overlap) {
      EXPECT_EQ(ab.versionFor(2028, 1), std::min(amax, bmax));
      EXPECT_EQ(ab.level, Compatibility::kCompatible);
    } else {
      EXPECT_EQ(ab.level, Compatibility::kIncompatible);
    }
  }
}

TEST(Compatibility, NamesRoundTrip) {
  for (auto c : {Compatibility::kDynamic, Compatibility::kIncompatible, Compatibility::kBaseLevel,
                 Compatibility::kCompatible}) {
    EXPECT_EQ(*parseCompatibility(compatibilityName(c)), c);
  }
  EXPECT_FALSE(parseCompatibility("sort-of").isOk());
}

}  // namespace
}  // namespace hitless::issu
