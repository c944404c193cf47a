// `hitless install` of fwdd packages on a real chassis, in the netns testbed:
//
//   src ── rtr (chassisd: fwdd from a package, rpd RP0/RP1 on 1.0.0, AS 65001) ── dst
//           └── peer: BIRD 2 (AS 65002) announcing 10,000 prefixes and 198.19.0.0/24 via dst
//
// The loss meter's traffic src -> 198.19.0.1 flows only through the BGP-learned route in rtr's
// kernel FIB, so it measures the forwarding plane across the fwdd switch; BIRD's own CLI says
// whether its session flapped; the kernel's route table and fwdd's counters say what was
// rewritten; the rpd pids say whether the RPs were touched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bgp/peer_daemon.h"
#include "chassis/chassis_rig.h"
#include "control/control_server.h"
#include "fib/forwarding_rig.h"

namespace hitless::testing {
namespace {

using nlohmann::json;

constexpr size_t kRoutes = 10000;
constexpr size_t kFibRoutes = kRoutes + 1;  // + 198.19.0.0/24
constexpr int kPps = 50000;

class InstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = std::make_unique<ImageStore>();
    ASSERT_EQ(images_->error(), "");
  }
  static void TearDownTestSuite() { images_.reset(); }

  void SetUp() override {
    std::string err = rig_.up(/*with_peer=*/true);
    ASSERT_TRUE(err.empty()) << err;
    std::ofstream conf(chassis_.file("rpd.conf"));
    conf << "bgp.asn = 65001\n"
         << "bgp.router-id = 198.18.3.1\n"
         << "bgp.neighbor.198.18.3.2.remote-as = 65002\n"
         << "bgp.neighbor.198.18.3.2.hold-time = 9\n"
         << "bgp.neighbor.198.18.3.2.connect-retry-ms = 200\n";
    conf.close();
    peer_ = makeBirdPeer();
    err = peer_->start(testbedPeer(rig_.testbed().peer(), kRoutes), rig_.dir());
    ASSERT_TRUE(err.empty()) << err;
    chassis_.setLauncher(testbed::Testbed::inNetns(rig_.testbed().rtr(), {}));
    startChassisd();
    ASSERT_TRUE(waitFor([&] { return converged(); }, 60000)) << diagnostics();
    bird_before_ = peer_->view();
    rpd_pids_ = rpdPids();
  }

  void startChassisd() {
    const std::string fib = chassis_.file("fib.sock");
    chassis_.startChassisd(
        {"--fwdd-package", "fwdd-1.0.0",   "--fwdd-control", chassis_.file("fwdd.ctl"),
         "--fwdd-arg",     "--socket",     "--fwdd-arg",     fib,
         "--fwdd-arg",     "--state-dir",  "--fwdd-arg",     chassis_.stateDir(),
         "--rpd-arg",      "--fib-socket", "--rpd-arg",      fib,
         "--rpd-arg",      "--config",     "--rpd-arg",      chassis_.file("rpd.conf")});
  }

  json fwdd() {
    auto r = control::controlRequest(chassis_.file("fwdd.ctl"), {{"cmd", "show-fib"}}, 2000);
    return r.isOk() ? *r : json::object();
  }
  json install() {
    auto r = control::controlRequest(chassis_.file("chassis.ctl"), {{"cmd", "show-install"}}, 2000);
    return r.isOk() ? *r : json::object();
  }
  std::vector<int> rpdPids() {
    auto s = chassis_.issu();
    if (!s.contains("slots")) return {};
    return {s["slots"][0]["pid"].get<int>(), s["slots"][1]["pid"].get<int>()};
  }
  // BGP up with every route in fwdd's FIB (no replay running) and the standby hot.
  bool converged() {
    auto f = fwdd();
    return f.value("ok", false) && f.value("routes", size_t{0}) == kFibRoutes &&
           !f.value("replaying", true) && f.value("writer_slot", -1) >= 0 &&
           chassis_.issu().value("standby_hot", false) && peer_->view().established;
  }
  // The install operation now running has ended (or none runs).
  bool idle() {
    auto s = install();
    return s.contains("record") && s["record"]["running_id"] == 0;
  }
  const json* lastOperation(const json& s, const std::string& kind) {
    const json* found = nullptr;
    for (const auto& op : s["record"]["operations"]) {
      if (op["kind"] == kind) found = &op;
    }
    return found;
  }
  std::string diagnostics() {
    return chassis_.logs() + "\n--- fwdd:\n" + readLog("fwdd.log") + "\n--- install:\n" +
           install().dump(1) + "\n--- BIRD:\n" + peer_->view().raw;
  }
  std::string readLog(const std::string& name) {
    std::ifstream in(chassis_.file(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Runs `command` (the hitless CLI) under traffic; expects it to succeed and 0 packets lost.
  void underTraffic(std::vector<std::string> command) {
    rig_.startTraffic(kPps, 5000);
    waitIntoTraffic(500);
    const uint64_t fault_ns = monotonicNs();
    auto r = chassis_.cli(command);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << diagnostics();
    expectNoLoss(rig_.finishTraffic(), fault_ns);
  }
  // The BGP session never flapped and BIRD received no UPDATE; both RPs still the same pids.
  void expectControlPlaneUntouched() {
    auto bird = peer_->view();
    EXPECT_TRUE(sameSession(bird_before_, bird)) << bird.raw;
    EXPECT_EQ(bird.updates_received, bird_before_.updates_received) << bird.raw;
    EXPECT_EQ(rpdPids(), rpd_pids_);
  }
  // fwdd runs `release`, holds every route, rewrote none and has the active RP as writer.
  void expectFwdd(const std::string& release) {
    auto f = fwdd();
    EXPECT_EQ(f["release"], release) << f.dump();
    EXPECT_EQ(f["routes"], kFibRoutes);
    EXPECT_EQ(f["kernel_writes"], 0) << "unchanged routes were rewritten: " << f.dump();
    EXPECT_EQ(f["swept"], 0);
    EXPECT_EQ(rig_.kernelRoutes().size(), kFibRoutes);
  }

  static std::unique_ptr<ImageStore> images_;
  ForwardingRig rig_;
  ChassisRig chassis_{*images_};  // after rig_: its processes die before the namespaces go
  std::unique_ptr<PeerDaemon> peer_;
  PeerView bird_before_;
  std::vector<int> rpd_pids_;
};

std::unique_ptr<ImageStore> InstallTest::images_;

TEST_F(InstallTest, ActivateFwddThenRollBackWithoutLossOrFlapOrRewrite) {
  auto add = chassis_.cli({"install", "add", "fwdd-1.1.0"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("Install operation"), std::string::npos) << add.out;

  // --test: the impact report, nothing touched.
  const int fwdd_pid = install()["components"]["fwdd"]["pid"];
  auto test = chassis_.cli({"install", "activate", "fwdd-1.1.0", "--test"});
  ASSERT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("fwdd: fwdd-1.0.0 (1.0.0) -> fwdd-1.1.0 (1.1.0)"), std::string::npos)
      << test.out;
  EXPECT_NE(test.out.find("fib channel with rpd 1.0.0: compatible"), std::string::npos) << test.out;
  EXPECT_NE(test.out.find("forwarding kept"), std::string::npos) << test.out;
  EXPECT_EQ(install()["components"]["fwdd"]["pid"], fwdd_pid);

  underTraffic({"install", "activate", "fwdd-1.1.0"});
  expectFwdd("1.1");
  expectControlPlaneUntouched();
  auto s = install();
  EXPECT_EQ(s["record"]["active"]["fwdd"], "fwdd-1.1.0");
  EXPECT_EQ(s["record"]["committed"]["fwdd"], "fwdd-1.0.0");
  EXPECT_NE(s["components"]["fwdd"]["pid"], fwdd_pid);
  auto active = chassis_.cli({"show", "install", "active"});
  EXPECT_NE(active.out.find("not committed"), std::string::npos) << active.out;

  underTraffic({"install", "rollback", "to", "committed"});
  expectFwdd("1.0");
  expectControlPlaneUntouched();
  s = install();
  EXPECT_EQ(s["record"]["active"]["fwdd"], "fwdd-1.0.0");
  const json* rollback = lastOperation(s, "rollback");
  ASSERT_NE(rollback, nullptr);
  EXPECT_EQ((*rollback)["state"], "succeeded");
  auto log = chassis_.cli({"show", "install", "log", "detail"});
  EXPECT_NE(log.out.find("restarting fwdd: fwdd-1.1.0 -> fwdd-1.0.0"), std::string::npos)
      << log.out;
}

TEST_F(InstallTest, SecondOperationRefusedAndUncommittedRevertedByChassisdRestart) {
  ASSERT_EQ(chassis_.cli({"install", "add", "fwdd-1.1.0"}).exit_code, 0);
  auto started =
      control::controlRequest(chassis_.file("chassis.ctl"),
                              {{"cmd", "install-activate"}, {"packages", {"fwdd-1.1.0"}}}, 10000);
  ASSERT_TRUE(started.isOk() && started->value("ok", false)) << started->dump();
  const uint64_t id = (*started)["id"];
  // The switch takes at least fwdd's start and the RP's replay; a request now finds it running.
  auto second = chassis_.cli({"install", "commit"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(
      second.err.find("install operation " + std::to_string(id) + " (activate) is in progress"),
      std::string::npos)
      << second.err;
  ASSERT_TRUE(waitFor([&] { return idle(); }, 60000)) << diagnostics();
  ASSERT_EQ(install()["record"]["active"]["fwdd"], "fwdd-1.1.0") << diagnostics();
  ASSERT_TRUE(waitFor([&] { return converged(); }, 30000)) << diagnostics();

  // chassisd dies and comes back: it adopts fwdd and both RPs, and the uncommitted fwdd 1.1 is
  // reverted to the committed 1.0 — under traffic, without a loss.
  rig_.startTraffic(kPps, 6000);
  waitIntoTraffic(500);
  const uint64_t fault_ns = monotonicNs();
  chassis_.killChassisd();
  startChassisd();
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = install();
        const json* revert = s.contains("record") ? lastOperation(s, "revert") : nullptr;
        return revert != nullptr && (*revert)["state"] != "running";
      },
      30000))
      << diagnostics();
  expectNoLoss(rig_.finishTraffic(), fault_ns);
  auto s = install();
  const json* revert = lastOperation(s, "revert");
  EXPECT_EQ((*revert)["state"], "succeeded") << revert->dump(1);
  EXPECT_EQ((*revert)["trigger"], "chassisd-start");
  EXPECT_EQ(s["record"]["active"]["fwdd"], "fwdd-1.0.0");
  ASSERT_TRUE(waitFor([&] { return converged(); }, 30000)) << diagnostics();
  expectFwdd("1.0");
  expectControlPlaneUntouched();

  // Committed, it survives a chassisd restart.
  ASSERT_EQ(chassis_.cli({"install", "activate", "fwdd-1.1.0"}).exit_code, 0) << diagnostics();
  ASSERT_EQ(chassis_.cli({"install", "commit"}).exit_code, 0);
  chassis_.killChassisd();
  startChassisd();
  ASSERT_TRUE(waitFor([&] { return !install().empty(); }, 20000)) << diagnostics();
  s = install();
  EXPECT_EQ(s["record"]["running_id"], 0);
  EXPECT_EQ(s["record"]["active"]["fwdd"], "fwdd-1.1.0");
  EXPECT_EQ(fwdd()["release"], "1.1");
  EXPECT_EQ(rpdPids(), rpd_pids_);
}

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
