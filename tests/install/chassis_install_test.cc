// hitless install of the components that need no traffic to judge: chassisd (a re-exec keeping
// the rpds and the ISSU procedure in progress) and rpd images (through the ISSU procedure), on a
// real chassis driven by the real CLI.
#include <gtest/gtest.h>

#include <filesystem>

#include "chassis/chassis_rig.h"

namespace hitless::testing {
namespace {

using nlohmann::json;

// chassisd upgraded by itself: it re-execs into the package's binary (same pid), adopts the rpds
// it left running, and the ISSU procedure in progress — record and rollback timer — carries on.
class ChassisdInstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = std::make_unique<ImageStore>();
    ASSERT_EQ(images_->error(), "");
  }
  static void TearDownTestSuite() { images_.reset(); }

  std::string exe() const {
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/" + std::to_string(chassis_.chassisdPid()) + "/exe",
                                         ec)
        .string();
  }
  std::vector<int> rpdPids() {
    auto s = chassis_.issu();
    if (!s.contains("slots")) return {};
    return {s["slots"][0]["pid"].get<int>(), s["slots"][1]["pid"].get<int>()};
  }

  static std::unique_ptr<ImageStore> images_;
  ChassisRig chassis_{*images_};
};

std::unique_ptr<ImageStore> ChassisdInstallTest::images_;

TEST_F(ChassisdInstallTest, ReExecKeepsTheRpdsAndTheIssuInProgressThenRollsBack) {
  chassis_.startChassisd();
  ASSERT_TRUE(waitFor([&] { return chassis_.issu().value("standby_hot", false); }, 20000))
      << chassis_.logs();
  ASSERT_TRUE(chassis_.addRoutes()) << chassis_.logs();
  // An ISSU in Run Version, its rollback timer running.
  ASSERT_EQ(chassis_.cli({"issu", "set", "rollback-timer", "600"}).exit_code, 0);
  ASSERT_EQ(chassis_.cli({"issu", "loadversion", "1.1.0"}).exit_code, 0);
  ASSERT_TRUE(chassis_.waitIssu("Load Version", "standby-hot")) << chassis_.logs();
  ASSERT_EQ(chassis_.cli({"issu", "runversion", "--yes"}).exit_code, 0);
  ASSERT_TRUE(chassis_.waitIssu("Run Version", "running")) << chassis_.logs();
  const std::string installed = exe();
  const pid_t pid = chassis_.chassisdPid();
  const std::vector<int> rpds = rpdPids();
  const json routes = chassis_.rib(1)["routes"];
  const int64_t remaining = chassis_.issu()["rollback_remaining_s"];

  ASSERT_EQ(chassis_.cli({"install", "add", "chassisd-1.1.0"}).exit_code, 0);
  auto test = chassis_.cli({"install", "activate", "chassisd-1.1.0", "--test"});
  EXPECT_NE(test.out.find("chassisd: (installed binary) -> chassisd-1.1.0"), std::string::npos)
      << test.out;
  auto activate = chassis_.cli({"install", "activate", "chassisd-1.1.0"});
  ASSERT_EQ(activate.exit_code, 0) << activate.out << activate.err << chassis_.logs();
  EXPECT_NE(activate.out.find("re-exec'd into it"), std::string::npos) << activate.out;

  // The same process, now the package's binary; the same rpds, the same routes, the same ISSU.
  EXPECT_EQ(chassis_.chassisdPid(), pid);
  EXPECT_EQ(exe(), images_->images() + "/chassisd-1.1.0/chassisd");
  EXPECT_TRUE(chassis_.chassisdRunning());
  ASSERT_TRUE(chassis_.waitIssu("Run Version", "running")) << chassis_.logs();
  EXPECT_EQ(rpdPids(), rpds);
  EXPECT_EQ(chassis_.rib(1)["routes"], routes);
  const int64_t remaining_after = chassis_.issu()["rollback_remaining_s"];
  EXPECT_LE(remaining_after, remaining);
  EXPECT_GT(remaining_after, remaining - 60) << "the rollback timer restarted or jumped";
  auto active = chassis_.cli({"show", "install", "active"});
  EXPECT_NE(active.out.find("chassisd-1.1.0"), std::string::npos) << active.out;

  // Back to the installed binary, then the ISSU finishes as if nothing happened.
  auto back = chassis_.cli({"install", "rollback", "to", "committed"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err << chassis_.logs();
  EXPECT_EQ(chassis_.chassisdPid(), pid);
  EXPECT_EQ(exe(), installed);
  EXPECT_EQ(rpdPids(), rpds);
  ASSERT_TRUE(chassis_.waitIssu("Run Version", "running")) << chassis_.logs();
  ASSERT_EQ(chassis_.cli({"issu", "acceptversion"}).exit_code, 0);
  ASSERT_EQ(chassis_.cli({"issu", "commitversion"}).exit_code, 0);
  ASSERT_TRUE(chassis_.waitIssu("Init", "idle")) << chassis_.logs();
  EXPECT_EQ(chassis_.issu()["slots"][0]["image"], "1.1.0");
  EXPECT_EQ(chassis_.issu()["slots"][1]["image"], "1.1.0");
}

// rpd through install: `install activate IMAGE` runs the ISSU procedure (changeversion) and ends
// when it does; what `hitless issu` changes is recorded as it is.
TEST_F(ChassisdInstallTest, RpdImageGoesThroughTheIssuProcedure) {
  chassis_.startChassisd();
  ASSERT_TRUE(waitFor([&] { return chassis_.issu().value("standby_hot", false); }, 20000))
      << chassis_.logs();
  ASSERT_TRUE(chassis_.addRoutes()) << chassis_.logs();
  const json routes = chassis_.rib(0)["routes"];
  auto active = [&] {
    auto r = chassis_.cli({"show", "install", "active", "--json"});
    auto j = json::parse(r.out, nullptr, false);
    return j.is_discarded() ? json::object() : j;
  };
  ASSERT_TRUE(waitFor([&] { return active()["packages"].contains("1.0.0"); }, 5000));

  // Policy first: an interim build is refused before anything moves.
  ASSERT_EQ(chassis_.cli({"install", "add", "1.1.0", "1.1.0-interim"}).exit_code, 0);
  auto interim = chassis_.cli({"install", "activate", "1.1.0-interim"});
  EXPECT_EQ(interim.exit_code, 1);
  EXPECT_NE(interim.out.find("[target-not-release]"), std::string::npos) << interim.out;
  EXPECT_EQ(chassis_.issu()["issu_state"], "Init");

  auto test = chassis_.cli({"install", "activate", "1.1.0", "--test"});
  EXPECT_NE(test.out.find("rpd: 1.0.0 (1.0.0) -> 1.1.0 (1.1.0)"), std::string::npos) << test.out;
  EXPECT_NE(test.out.find("ISSU procedure"), std::string::npos) << test.out;
  auto activate = chassis_.cli({"install", "activate", "1.1.0"});
  ASSERT_EQ(activate.exit_code, 0) << activate.out << activate.err << chassis_.logs();
  EXPECT_NE(activate.out.find("rpd runs 1.1.0"), std::string::npos) << activate.out;
  auto s = chassis_.issu();
  EXPECT_EQ(s["issu_state"], "Init");
  EXPECT_EQ(s["slots"][0]["image"], "1.1.0");
  EXPECT_EQ(s["slots"][1]["image"], "1.1.0");
  EXPECT_EQ(chassis_.rib(s["active_slot"].get<int>())["routes"], routes);
  json a = active();
  EXPECT_TRUE(a["packages"]["1.1.0"].value("active", false)) << a.dump();
  EXPECT_TRUE(a["packages"]["1.1.0"].value("committed", false)) << a.dump();

  // Back by the ISSU commands themselves: install records it.
  ASSERT_EQ(chassis_.cli({"issu", "changeversion", "1.0.0"}).exit_code, 0) << chassis_.logs();
  EXPECT_TRUE(waitFor(
      [&] {
        json now = active();
        return now["packages"].contains("1.0.0") &&
               now["packages"]["1.0.0"].value("committed", false);
      },
      5000))
      << active().dump();
}

}  // namespace
}  // namespace hitless::testing
