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

// A FIB-channel set: commit reply up to `reply_max`, route update [route_min, route_max].
MessageSet fibSet(MessageVersion reply_max, MessageVersion route_min, MessageVersion route_max) {
  MessageSet s;
  s.clients.push_back({5, "FIB channel", true, {{4, "fib commit reply", 1, reply_max, 0}}});
  s.clients.push_back(
      {2028, "ISSU RIB client", true, {{1, "route update", route_min, route_max, 0}}});
  return s;
}

Manifest fwddPackage(const char* version, const char* date, MessageSet fib) {
  Manifest m = sampleManifest(version, date);
  m.component = Component::kFwdd;
  m.message_set = {};
  m.channels[kChannelFib] = std::move(fib);
  m.files = {{"fwdd", std::string(64, 'b'), 99}};
  return m;
}

// The policy applies per component: an rpd image never upgrades a fwdd, and the checkpoint
// negotiation (an RP pair's operating mode) is not asked of two fwdd packages.
TEST(CompatCheck, APackageUpgradesOnlyItsOwnComponent) {
  Manifest rpd = sampleManifest("1.0.0", "2025-01-15");
  Manifest fwdd = fwddPackage("1.1.0", "2025-06-01", fibSet(2, 1, 2));
  auto mixed = evaluateCompat(rpd, fwdd);
  ASSERT_EQ(mixed.violations.size(), 1u);
  EXPECT_EQ(mixed.violations[0].rule, PolicyRule::kComponent);
  auto both = evaluateCompat(fwddPackage("1.0.0", "2025-01-15", fibSet(1, 1, 2)), fwdd);
  EXPECT_TRUE(both.allowed());
  EXPECT_FALSE(both.negotiation.has_value()) << "no RP pair, no operating mode";
}

// A candidate component against the ones running beside it: each channel negotiated from the
// two manifests before anything restarts; an Incompatible one refuses; a manifest without the
// channel is taken as speaking what every earlier release spoke.
TEST(CompatCheck, ChannelsToTheComponentsAlongsideAreNegotiated) {
  hitless::testing::TempDir dir;
  ASSERT_TRUE(generateKeyPair(dir.file("keys"), "k", false).isOk());
  auto secret = *loadSecretKey(dir.file("keys/k.key"));
  auto pub = *loadPublicKey(dir.file("keys/k.pub"));
  ASSERT_TRUE(writeFileAtomic(dir.file("bin"), "binary", 0755).isOk());
  auto build = [&](const Manifest& m, const std::string& name) {
    ASSERT_TRUE(buildImage({dir.file("bin"), m, dir.file(name), false}, secret).isOk()) << name;
  };
  Manifest rpd_v2_only = sampleManifest("2.0.0", "2025-06-01");
  rpd_v2_only.channels[kChannelFib] = fibSet(2, 2, 2);
  Manifest rpd_old = sampleManifest("1.0.0", "2025-01-15");  // lists no FIB set
  build(rpd_v2_only, "rpd2");
  build(rpd_old, "rpd1");
  build(fwddPackage("1.0.0", "2025-01-15", fibSet(1, 1, 2)), "fwdd10");
  build(fwddPackage("1.1.0", "2025-06-01", fibSet(2, 1, 2)), "fwdd11");
  build(fwddPackage("1.2.0", "2025-09-01", fibSet(2, 1, 1)), "fwdd12");  // reads routes v1 only
  auto legacy = [](const std::string&) { return fibSet(1, 1, 2); };

  CompatReport ok = checkCompat(dir.file("fwdd10"), dir.file("fwdd11"), pub);
  checkChannels({dir.file("rpd2"), dir.file("rpd1")}, pub, legacy, &ok);
  EXPECT_TRUE(ok.allowed()) << ok.violations[0].reason;
  ASSERT_EQ(ok.channels.size(), 2u);
  EXPECT_EQ(ok.channels[0].channel, kChannelFib);
  EXPECT_EQ(ok.channels[0].negotiation.versionFor(2028, 1), 2);
  EXPECT_EQ(ok.channels[0].negotiation.versionFor(5, 4), 2);
  EXPECT_FALSE(ok.channels[0].legacy_assumed);
  EXPECT_TRUE(ok.channels[1].legacy_assumed);
  EXPECT_EQ(ok.channels[1].negotiation.versionFor(5, 4), 1);

  CompatReport bad = checkCompat(dir.file("fwdd11"), dir.file("fwdd12"), pub);
  checkChannels({dir.file("rpd2")}, pub, legacy, &bad);
  ASSERT_EQ(bad.violations.size(), 1u);
  EXPECT_EQ(bad.violations[0].rule, PolicyRule::kChannel);
  EXPECT_NE(bad.violations[0].reason.find("ISSU RIB client"), std::string::npos)
      << bad.violations[0].reason;

  CompatReport none = checkCompat(dir.file("fwdd10"), dir.file("fwdd11"), pub);
  checkChannels({dir.file("fwdd12")}, pub, legacy, &none);
  ASSERT_EQ(none.violations.size(), 1u);
  EXPECT_EQ(none.violations[0].rule, PolicyRule::kChannel) << "two fwdd share no channel";
}

}  // namespace
}  // namespace hitless::issu
