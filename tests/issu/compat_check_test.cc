#include "issu/compat_check.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "issu/manifest_fixture.h"
#include "util/temp_dir.h"

namespace hitless::issu {
namespace {

using testing::sampleManifest;
using testing::sampleSet;

SoftwareVersion ver(const char* s) { return *SoftwareVersion::parse(s); }

TEST(CompatCheck, NewerImagesStoredRowIsConsultedAndAgrees) {
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2025-06-01");
  target.message_set = sampleSet(1, 2);
  target.compat_matrix = {{ver("1.0.0"), Compatibility::kCompatible}};
  auto r = evaluateCompat(running, target);
  EXPECT_TRUE(r.allowed());
  ASSERT_TRUE(r.negotiation.has_value());
  EXPECT_EQ(r.negotiation->level, Compatibility::kCompatible);
  EXPECT_EQ(r.stored.matrix_owner, "1.1.0");
  EXPECT_EQ(r.stored.stored, Compatibility::kCompatible);
  EXPECT_FALSE(r.stored.disagrees);

  // A downgrade looks the pair up in the running (newer) image's matrix.
  auto down = evaluateCompat(target, running);
  EXPECT_EQ(down.stored.matrix_owner, "1.1.0");
  EXPECT_EQ(down.stored.peer, "1.0.0");
  EXPECT_EQ(down.stored.stored, Compatibility::kCompatible);
}

TEST(CompatCheck, StoredRowThatContradictsNegotiationIsFlagged) {
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2025-06-01");
  target.message_set = sampleSet(2, 2);  // drops v1: really incompatible
  target.compat_matrix = {{ver("1.0.0"), Compatibility::kCompatible}};
  auto r = evaluateCompat(running, target);
  EXPECT_EQ(r.negotiation->level, Compatibility::kIncompatible);
  EXPECT_TRUE(r.stored.disagrees);
}

TEST(CompatCheck, DynamicOrAbsentRowsNeverDisagree) {
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2025-06-01");
  target.message_set = sampleSet(2, 2);
  auto absent = evaluateCompat(running, target);
  EXPECT_FALSE(absent.stored.stored.has_value());
  EXPECT_FALSE(absent.stored.disagrees);
  target.compat_matrix = {{ver("1.0.0"), Compatibility::kDynamic}};
  EXPECT_FALSE(evaluateCompat(running, target).stored.disagrees);
}

TEST(CompatCheck, UnverifiableImageIsRefusedButOtherChecksStillRun) {
  hitless::testing::TempDir dir;
  ASSERT_TRUE(generateKeyPair(dir.file("keys"), "k", false).isOk());
  auto secret = *loadSecretKey(dir.file("keys/k.key"));
  auto pub = *loadPublicKey(dir.file("keys/k.pub"));
  ASSERT_TRUE(writeFileAtomic(dir.file("bin"), "binary", 0755).isOk());
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2027-01-01");  // also outside the window
  ASSERT_TRUE(buildImage({dir.file("bin"), running, dir.file("run"), false}, secret).isOk());
  ASSERT_TRUE(buildImage({dir.file("bin"), target, dir.file("tgt"), false}, secret).isOk());
  ASSERT_TRUE(writeFileAtomic(dir.file("tgt/rpd"), "evil", 0755).isOk());

  auto r = checkCompat(dir.file("run"), dir.file("tgt"), pub);
  EXPECT_FALSE(r.allowed());
  ASSERT_EQ(r.violations.size(), 2u);
  EXPECT_EQ(r.violations[0].rule, PolicyRule::kImageSignature);
  EXPECT_EQ(r.violations[1].rule, PolicyRule::kOutsideWindow);
  EXPECT_FALSE(r.running.key_id.empty());
  EXPECT_TRUE(r.target.key_id.empty());

  ASSERT_TRUE(writeFileAtomic(dir.file("tgt/manifest.json"), "{ not json").isOk());
  auto broken = checkCompat(dir.file("run"), dir.file("tgt"), pub);
  ASSERT_EQ(broken.violations.size(), 1u);
  EXPECT_EQ(broken.violations[0].rule, PolicyRule::kImageSignature);  // signature fails first
  EXPECT_FALSE(broken.negotiation.has_value());
}

}  // namespace
}  // namespace hitless::issu
