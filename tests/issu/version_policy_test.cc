#include "issu/version_policy.h"

#include <gtest/gtest.h>

#include <functional>

#include "issu/manifest_fixture.h"

namespace hitless::issu {
namespace {

using testing::sampleManifest;

struct PolicyCase {
  const char* name;
  std::function<void(Manifest& running, Manifest& target)> change;
  std::vector<PolicyRule> expected;  // empty: allowed
};

CalendarDate date(const char* s) { return *CalendarDate::parse(s); }

// Running 1.0.0 released 2025-01-15; the 18-month window is 2023-07-15 .. 2026-07-15.
const std::vector<PolicyCase>& cases() {
  static const std::vector<PolicyCase> kCases = {
      {"plain upgrade", [](Manifest&, Manifest&) {}, {}},
      {"window: exactly 18 months later",
       [](Manifest&, Manifest& t) { t.release_date = date("2026-07-15"); },
       {}},
      {"window: 18 months minus one day",
       [](Manifest&, Manifest& t) { t.release_date = date("2026-07-14"); },
       {}},
      {"window: 18 months plus one day",
       [](Manifest&, Manifest& t) { t.release_date = date("2026-07-16"); },
       {PolicyRule::kOutsideWindow}},
      {"window: downgrade exactly 18 months older",
       [](Manifest& r, Manifest& t) {
         r.version = *SoftwareVersion::parse("1.5.0");
         t.version = *SoftwareVersion::parse("1.0.0");
         t.release_date = date("2023-07-15");
       },
       {}},
      {"window: downgrade 18 months plus one day older",
       [](Manifest& r, Manifest& t) {
         r.version = *SoftwareVersion::parse("1.5.0");
         t.version = *SoftwareVersion::parse("1.0.0");
         t.release_date = date("2023-07-14");
       },
       {PolicyRule::kOutsideWindow}},
      {"window: month-end clamp (2025-08-31 + 18 = 2027-02-28)",
       [](Manifest& r, Manifest& t) {
         r.release_date = date("2025-08-31");
         t.release_date = date("2027-02-28");
       },
       {}},
      {"window: month-end clamp plus one day",
       [](Manifest& r, Manifest& t) {
         r.release_date = date("2025-08-31");
         t.release_date = date("2027-03-01");
       },
       {PolicyRule::kOutsideWindow}},
      {"interim target",
       [](Manifest&, Manifest& t) { t.kind = BuildKind::kInterim; },
       {PolicyRule::kTargetNotRelease}},
      {"special target",
       [](Manifest&, Manifest& t) { t.kind = BuildKind::kSpecial; },
       {PolicyRule::kTargetNotRelease}},
      {"interim running",
       [](Manifest& r, Manifest&) { r.kind = BuildKind::kInterim; },
       {PolicyRule::kRunningNotRelease}},
      {"running from before ISSU support",
       [](Manifest& r, Manifest&) { r.issu_capable = false; },
       {PolicyRule::kRunningNotIssuCapable}},
      {"target without ISSU support",
       [](Manifest&, Manifest& t) { t.issu_capable = false; },
       {PolicyRule::kTargetNotIssuCapable}},
      {"major release not listed",
       [](Manifest&, Manifest& t) { t.version = *SoftwareVersion::parse("2.0.0"); },
       {PolicyRule::kMajorRelease}},
      {"major release listed by the target",
       [](Manifest&, Manifest& t) {
         t.version = *SoftwareVersion::parse("2.0.0");
         t.major_compat = {1};
       },
       {}},
      {"major release listed for another major",
       [](Manifest&, Manifest& t) {
         t.version = *SoftwareVersion::parse("3.0.0");
         t.major_compat = {2};
       },
       {PolicyRule::kMajorRelease}},
      {"other platform",
       [](Manifest&, Manifest& t) { t.platform = "linux-aarch64"; },
       {PolicyRule::kPlatform}},
      {"every rule at once",
       [](Manifest& r, Manifest& t) {
         r.kind = BuildKind::kSpecial;
         r.issu_capable = false;
         t.kind = BuildKind::kInterim;
         t.issu_capable = false;
         t.release_date = date("2030-01-01");
         t.version = *SoftwareVersion::parse("4.0.0");
         t.platform = "other";
       },
       {PolicyRule::kRunningNotRelease, PolicyRule::kTargetNotRelease,
        PolicyRule::kRunningNotIssuCapable, PolicyRule::kTargetNotIssuCapable,
        PolicyRule::kOutsideWindow, PolicyRule::kMajorRelease, PolicyRule::kPlatform}},
  };
  return kCases;
}

class VersionPolicyTest : public ::testing::TestWithParam<size_t> {};

TEST_P(VersionPolicyTest, AppliesEachRuleAtItsBoundary) {
  const PolicyCase& c = cases()[GetParam()];
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2025-06-01");
  c.change(running, target);
  std::vector<PolicyRule> got;
  for (const auto& v : checkVersionPolicy(running, target)) {
    got.push_back(v.rule);
    EXPECT_FALSE(v.reason.empty());
    EXPECT_EQ(v.reason.find('\n'), std::string::npos) << "one line per reason";
  }
  EXPECT_EQ(got, c.expected) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Rules, VersionPolicyTest, ::testing::Range<size_t>(0, cases().size()),
                         [](const auto& info) {
                           std::string n = cases()[info.param].name;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(VersionPolicy, ReasonsNameTheVersionsAndTheWindow) {
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2026-07-16");
  auto v = checkVersionPolicy(running, target);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].reason.find("2023-07-15 to 2026-07-15"), std::string::npos) << v[0].reason;
  EXPECT_EQ(policyRuleName(v[0].rule), "outside-window");
}

TEST(VersionPolicy, WindowLengthIsAnOption) {
  Manifest running = sampleManifest("1.0.0", "2025-01-15");
  Manifest target = sampleManifest("1.1.0", "2026-07-16");
  EXPECT_TRUE(checkVersionPolicy(running, target, {.window_months = 36}).empty());
}

}  // namespace
}  // namespace hitless::issu
