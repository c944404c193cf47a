#include "messages/release.h"

#include <gtest/gtest.h>

#include "issu/negotiation.h"
#include "messages/rib_messages.h"
#include "messages/sample_messages.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {
namespace {

issu::MessageSet setOf(Release r) { return buildCatalog(r)->messageSet(); }

TEST(Releases, EveryKnownReleaseBuildsAValidCatalog) {
  for (Release r : knownReleases()) {
    auto c = buildCatalog(r);
    ASSERT_TRUE(c.isOk()) << r.toString() << ": " << c.status().toString();
    EXPECT_TRUE(c->messageSet().validate().isOk());
    EXPECT_EQ(*Release::parse(r.toString()), r);
  }
  EXPECT_FALSE(buildCatalog({9, 9}).isOk());
  EXPECT_FALSE(Release::parse("9.9").isOk());
}

TEST(Releases, PairsNegotiateAsDocumented) {
  auto v10_11 = issu::negotiate(setOf(kRelease1_0), setOf(kRelease1_1));
  EXPECT_EQ(v10_11.level, issu::Compatibility::kCompatible);
  EXPECT_EQ(v10_11.versionFor(kClientRib, kMsgRouteUpdate), 1);

  auto v11_20 = issu::negotiate(setOf(kRelease1_1), setOf(kRelease2_0));
  EXPECT_EQ(v11_20.level, issu::Compatibility::kCompatible);
  EXPECT_EQ(v11_20.versionFor(kClientRib, kMsgRouteUpdate), 2);

  auto v10_20 = issu::negotiate(setOf(kRelease1_0), setOf(kRelease2_0));
  EXPECT_EQ(v10_20.level, issu::Compatibility::kIncompatible);
}

TEST(Releases, OnlyTheNewerImageCanTransform) {
  auto old_catalog = *buildCatalog(kRelease1_0);
  auto new_catalog = *buildCatalog(kRelease1_1);
  std::string v2;
  encodeRouteUpdate(testing::sampleRouteV2(), 2, &v2);
  // 1.1 downgrades its native v2 for a 1.0 peer...
  auto v1 = new_catalog.convert(kClientRib, kMsgRouteUpdate, v2, 2, 1);
  ASSERT_TRUE(v1.isOk());
  // ...which the 1.0 image reads natively.
  EXPECT_TRUE(decodeRouteUpdate(*v1, 1).isOk());
  // 1.0 knows nothing of v2.
  EXPECT_EQ(old_catalog.convert(kClientRib, kMsgRouteUpdate, v2, 2, 1).status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace hitless::messages
