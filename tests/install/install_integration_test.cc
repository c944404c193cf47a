// `hitless install` of fwdd packages, and a major release of rpd (RPR), on a real chassis in the
// netns testbed:
//
//   src ── rtr (chassisd: fwdd from a package, rpd RP0/RP1 on 1.0.0, AS 65001) ── dst
//           └── peer: BIRD 2 (AS 65002) announcing 10,000 prefixes and 198.19.0.0/24 via dst
//
// The loss meter's traffic src -> 198.19.0.1 flows only through the BGP-learned route in rtr's
// kernel FIB, so it measures the forwarding plane across the fwdd switch; BIRD's own CLI says
// whether its session flapped; the kernel's route table and fwdd's counters say what was
// rewritten; the rpd pids say whether the RPs were touched.
#include <gtest/gtest.h>

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
         << "bgp.neighbor.198.18.3.2.connect-retry-ms = 200\n"
         << "bgp.network.198.18.50.0/24 = 1\n";  // one route BIRD learns from us
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
  // BGP up both ways (BIRD holds our route) with every route in fwdd's FIB (no replay running)
  // and the standby hot.
  bool converged() {
    auto f = fwdd();
    return f.value("ok", false) && f.value("routes", size_t{0}) == kFibRoutes &&
           !f.value("replaying", true) && f.value("writer_slot", -1) >= 0 &&
           chassis_.issu().value("standby_hot", false) && peer_->view().established &&
           peer_->view().routes_imported == 1;
  }
  // After a cold switchover to `slot`: BGP came back and ended its graceful restart (so the RP
  // ended its FIB replay and fwdd swept what nobody re-announced) with every route in fwdd.
  bool restartedOn(int slot) {
    auto f = fwdd();
    return f.value("ok", false) && f.value("routes", size_t{0}) == kFibRoutes &&
           !f.value("replaying", true) && f.value("writer_slot", -1) == slot &&
           peer_->view().established;
  }
  // `command` makes a cold switchover to the other slot (RPR): under traffic, 0 packets lost
  // while the new active restarts BGP from config; BIRD helped exactly one graceful restart and
  // fwdd removed nothing (every route came back before the replay ended).
  void coldSwitchoverUnderTraffic(std::vector<std::string> command) {
    const int to = 1 - chassis_.issu()["active_slot"].get<int>();
    const uint64_t writes_before = fwdd()["kernel_writes"];
    rig_.startTraffic(kPps, 25000);
    waitIntoTraffic(500);
    const uint64_t fault_ns = monotonicNs();
    const int64_t started_ms = monotonicNs() / 1'000'000;
    auto r = chassis_.cli(command);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << diagnostics();
    const bool back = waitFor([&] { return restartedOn(to); }, 20000);
    const int64_t back_ms = monotonicNs() / 1'000'000 - started_ms;
    expectNoLoss(rig_.finishTraffic(), fault_ns);
    ASSERT_TRUE(back) << diagnostics();
    auto bird = peer_->view();
    EXPECT_EQ(bird.graceful_restarts, 1) << peer_->log();
    EXPECT_FALSE(sameSession(bird_before_, bird)) << "no restart seen: " << bird.raw;
    // Our route stayed at BIRD through the restart: re-announced, never withdrawn.
    EXPECT_EQ(bird.routes_imported, 1u) << bird.raw;
    EXPECT_EQ(bird.withdraws_received, bird_before_.withdraws_received) << bird.raw;
    auto f = fwdd();
    EXPECT_EQ(f["swept"], 0) << f.dump();
    EXPECT_EQ(rig_.kernelRoutes().size(), kFibRoutes);
    std::printf(
        "cold switchover to slot %d: BGP back and the FIB replay ended %lld ms after the "
        "command; %llu kernel writes for %zu routes\n",
        to, static_cast<long long>(back_ms),
        static_cast<unsigned long long>(f["kernel_writes"].get<uint64_t>() - writes_before),
        kFibRoutes);
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

// A major release: rpd 2.0 cannot negotiate the checkpoint channel with 1.0 (Incompatible), so
// the standby stays STANDBY COLD in RPR and runversion is a cold switchover — the new active
// starts from config while fwdd keeps forwarding and BIRD helps one graceful restart; the old
// active comes back as an RPR standby on 1.0, and commitversion ends in SSO on 2.0.
TEST_F(InstallTest, MajorReleaseRunsInRprWithOneGracefulRestartAndNoLoss) {
  auto load = chassis_.cli({"issu", "loadversion", "2.0.0"});
  ASSERT_EQ(load.exit_code, 0) << load.out << load.err;
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = chassis_.issu();
        return s.value("standby_rpr", false) && s["record"]["step"] == "standby-hot";
      },
      60000))
      << diagnostics();
  auto state = chassis_.cli({"show", "issu", "state"});
  EXPECT_NE(state.out.find("RPR (Incompatible pair"), std::string::npos) << state.out;

  coldSwitchoverUnderTraffic({"issu", "runversion", "--yes"});
  const PeerView after_run = peer_->view();
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = chassis_.issu();
        return s["record"]["step"] == "running" && s.value("standby_rpr", false);
      },
      60000))
      << diagnostics();
  ASSERT_EQ(chassis_.cli({"issu", "acceptversion"}).exit_code, 0);
  auto commit = chassis_.cli({"issu", "commitversion"});
  ASSERT_EQ(commit.exit_code, 0) << commit.out << commit.err;
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = chassis_.issu();
        return s["issu_state"] == "Init" && s.value("standby_hot", false) &&
               s["slots"][0]["image"] == "2.0.0" && s["slots"][1]["image"] == "2.0.0";
      },
      60000))
      << diagnostics();
  // The reload of the old slot into SSO touched no BGP session.
  auto bird = peer_->view();
  EXPECT_TRUE(sameSession(after_run, bird)) << bird.raw;
  EXPECT_EQ(bird.graceful_restarts, 1);
  EXPECT_EQ(fwdd()["routes"], kFibRoutes);
}

// `install activate` of the major release runs the whole procedure by itself, cold switchover
// included, and its impact report says so.
TEST_F(InstallTest, InstallActivateOfAMajorReleaseSwitchesOverColdWithoutLoss) {
  ASSERT_EQ(chassis_.cli({"install", "add", "2.0.0"}).exit_code, 0);
  auto test = chassis_.cli({"install", "activate", "2.0.0", "--test"});
  ASSERT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("cold RP switchover"), std::string::npos) << test.out;

  coldSwitchoverUnderTraffic({"install", "activate", "2.0.0"});
  ASSERT_TRUE(waitFor([&] { return idle(); }, 60000)) << diagnostics();
  auto s = install();
  const json* activate = lastOperation(s, "activate");
  ASSERT_NE(activate, nullptr);
  EXPECT_EQ((*activate)["state"], "succeeded") << activate->dump(1);
  auto issu = chassis_.issu();
  EXPECT_EQ(issu["issu_state"], "Init");
  EXPECT_EQ(issu["slots"][0]["image"], "2.0.0");
  EXPECT_EQ(issu["slots"][1]["image"], "2.0.0");
  EXPECT_EQ(peer_->view().graceful_restarts, 1);
}

}  // namespace
}  // namespace hitless::testing
