// chassisd with real signed images and real rpd processes: the ISSU procedure, aborts, the
// rollback timer and policy refusals, driven through the real `hitless` CLI.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>

#include <fstream>
#include <memory>

#include "base/subprocess.h"
#include "chassis/chassis_rig.h"

namespace hitless::testing {
namespace {

class ChassisTest : public ::testing::Test, protected ChassisRig {
 protected:
  static void SetUpTestSuite() {
    images_ = std::make_unique<ImageStore>();
    ASSERT_EQ(images_->error(), "");
  }
  static void TearDownTestSuite() { images_.reset(); }

  ChassisTest() : ChassisRig(*images_) {}
  void SetUp() override {
    startChassisd();
    ASSERT_TRUE(waitFor([&] { return issu().value("standby_hot", false); }, 20000)) << logs();
  }
  void addRoutes() { ASSERT_TRUE(ChassisRig::addRoutes()) << logs(); }
  // loadversion 1.1.0 carried out: the standby is hot on it.
  bool loadVersionHot() {
    return cli({"issu", "loadversion", "1.1.0"}).exit_code == 0 &&
           waitIssu("Load Version", "standby-hot");
  }
  // Back where it started: slot 0 active, both RPs on 1.0.0, the active holding `before`'s routes.
  void expectBackOnOriginal(const nlohmann::json& before, const char* why) {
    auto s = issu();
    EXPECT_EQ(s["active_slot"], 0);
    EXPECT_EQ(s["slots"][0]["image"], "1.0.0");
    EXPECT_EQ(s["slots"][1]["image"], "1.0.0");
    EXPECT_EQ(rib(0)["routes"], before["routes"]) << why;
  }

  // `hitless issu loadversion 1.1.0` started with the standby rpd stopped (SIGSTOP: its SIGTERM
  // stays pending until the SIGKILL after the grace), once chassisd shows Load Version; null if
  // it does not.
  std::unique_ptr<ChildProcess> loadVersionWithTheStandbyStopped() {
    if (::kill(issu()["slots"][1]["pid"].get<int>(), SIGSTOP) != 0) return nullptr;
    auto lv = ChildProcess::spawn({std::string(HITLESS_BIN_DIR) + "/hitless", "issu", "loadversion",
                                   "1.1.0", "--chassis", file("chassis.ctl")},
                                  file("loadversion.out"));
    if (!waitFor([&] { return issu().value("issu_state", "") == "Load Version"; }, 20000)) {
      return nullptr;
    }
    return lv;
  }

  static std::unique_ptr<ImageStore> images_;
};

std::unique_ptr<ImageStore> ChassisTest::images_;

TEST_F(ChassisTest, FullUpgradeKeepsTheRibAndEndsOnTheNewImage) {
  addRoutes();
  auto before = rib(0);
  auto lv = cli({"issu", "loadversion", "1.1.0"});
  EXPECT_EQ(lv.exit_code, 0) << lv.err;
  EXPECT_NE(lv.out.find("Standby is being reloaded"), std::string::npos);
  ASSERT_TRUE(waitIssu("Load Version", "standby-hot")) << logs();
  EXPECT_EQ(rib(1)["routes"], before["routes"]) << "the 1.1 standby was not synced";

  auto negotiated = cli({"show", "issu", "negotiated"});
  EXPECT_NE(negotiated.out.find("Message_Type = 1 (route update), Negotiated_Version = 1, "
                                "Version_Range = 1 ~ 1 (peer 1 ~ 2)"),
            std::string::npos)
      << negotiated.out;
  auto matrix = cli({"show", "issu", "comp-matrix", "negotiated"});
  EXPECT_NE(matrix.out.find("Compatibility = compatible, Operating mode = SSO"), std::string::npos)
      << matrix.out;
  EXPECT_NE(cli({"show", "issu", "clients"}).out.find("Client_ID = 2028"), std::string::npos);
  auto sessions = cli({"show", "issu", "sessions", "2028"});
  EXPECT_NE(sessions.out.find("*** Session_ID = 2028, Session_Name = ISSU RIB client :"),
            std::string::npos)
      << sessions.out << sessions.err;
  EXPECT_NE(sessions.out.find("   2        2028    PRIMARY    COMPATIBLE"), std::string::npos)
      << sessions.out;
  EXPECT_EQ(sessions.out.find("Client_ID = 3,"), std::string::npos) << "only the client asked";
  EXPECT_NE(cli({"show", "issu", "sessions", "9999"}).exit_code, 0);
  EXPECT_EQ(cli({"show", "issu", "sessions", "x"}).exit_code, 2);
  EXPECT_EQ(cli({"issu", "runversion", "--yes"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Run Version", "running")) << logs();
  EXPECT_EQ(issu()["active_slot"], 1);
  EXPECT_EQ(rib(1)["routes"], before["routes"]);
  auto detail = cli({"show", "issu", "state", "detail"});
  EXPECT_NE(detail.out.find("Rollback: automatic, remaining time before rollback: 00:4"),
            std::string::npos)
      << detail.out;
  EXPECT_NE(detail.out.find("Primary Version = 1.1.0"), std::string::npos) << detail.out;

  EXPECT_EQ(cli({"issu", "acceptversion"}).exit_code, 0);
  EXPECT_NE(cli({"show", "issu", "state", "detail"}).out.find("timer canceled by acceptversion"),
            std::string::npos);
  EXPECT_EQ(cli({"issu", "commitversion"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Init", "idle")) << logs();
  auto s = issu();
  EXPECT_EQ(s["slots"][0]["image"], "1.1.0");
  EXPECT_EQ(s["slots"][1]["image"], "1.1.0");
  EXPECT_EQ(rib(0)["routes"], before["routes"]);
  EXPECT_EQ(rib(1)["routes"], before["routes"]);
}

// changeversion: one command, a progress line per step, both RPs on the new image at the end.
TEST_F(ChassisTest, ChangeVersionUpgradesInOneCommand) {
  addRoutes();
  auto before = rib(0);
  auto cv = cli({"issu", "changeversion", "1.1.0", "--timeout", "60"});
  ASSERT_EQ(cv.exit_code, 0) << cv.out << cv.err << logs();
  for (const char* step : {"Load Version: Standby slot 1 is STANDBY HOT on 1.1.0",
                           "Run Version: Initiating active RP failover",
                           "Run Version: Standby slot 0 is STANDBY HOT on 1.0.0",
                           "Commit Version: %issu commitversion: the standby is being reloaded",
                           "%issu changeversion completed: both RPs run 1.1.0"}) {
    EXPECT_NE(cv.out.find(step), std::string::npos) << step << "\n" << cv.out;
  }
  auto s = issu();
  EXPECT_EQ(s["issu_state"], "Init");
  EXPECT_EQ(s["record"]["last_operation"], "changeversion");
  EXPECT_EQ(s["slots"][0]["image"], "1.1.0");
  EXPECT_EQ(s["slots"][1]["image"], "1.1.0");
  EXPECT_TRUE(s.value("standby_hot", false));
  EXPECT_EQ(rib(s["active_slot"].get<int>())["routes"], before["routes"]);
}

TEST_F(ChassisTest, ChangeVersionQuickSkipsTheResyncOnTheOldImage) {
  addRoutes();
  auto before = rib(0);
  auto cv = cli({"issu", "changeversion", "1.1.0", "quick", "--timeout", "60"});
  ASSERT_EQ(cv.exit_code, 0) << cv.out << cv.err << logs();
  EXPECT_NE(cv.out.find("Run Version: Initiating active RP failover"), std::string::npos) << cv.out;
  EXPECT_EQ(cv.out.find("STANDBY HOT on 1.0.0"), std::string::npos) << cv.out;
  ASSERT_TRUE(waitIssu("Init", "idle")) << logs();
  auto s = issu();
  EXPECT_EQ(s["slots"][0]["image"], "1.1.0");
  EXPECT_EQ(s["slots"][1]["image"], "1.1.0");
  EXPECT_EQ(rib(s["active_slot"].get<int>())["routes"], before["routes"]);
  EXPECT_EQ(rib(1 - s["active_slot"].get<int>())["routes"], before["routes"]);
  EXPECT_EQ(cli({"issu", "changeversion", "1.1.0", "fast"}).exit_code, 2);
}

TEST_F(ChassisTest, AbortAfterRunVersionReturnsToTheOriginalImage) {
  addRoutes();
  auto before = rib(0);
  ASSERT_TRUE(loadVersionHot()) << logs();
  ASSERT_EQ(cli({"issu", "runversion", "--yes"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Run Version", "running")) << logs();
  auto ab = cli({"issu", "abortversion"});
  EXPECT_EQ(ab.exit_code, 0) << ab.err;
  ASSERT_TRUE(waitIssu("Init", "idle")) << logs();
  expectBackOnOriginal(before, "abort lost state");
}

TEST_F(ChassisTest, RollbackTimerExpiryRollsBackAutomatically) {
  addRoutes();
  EXPECT_EQ(cli({"issu", "set", "rollback-timer", "2"}).out,
            "% Rollback timer value set to [ 2 ] seconds\n");
  ASSERT_EQ(cli({"issu", "loadversion", "1.1.0"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Load Version", "standby-hot")) << logs();
  auto refused = cli({"issu", "set", "rollback-timer", "60"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "% ISSU state should be [ init ] to set the rollback timer\n");
  ASSERT_EQ(cli({"issu", "runversion", "--yes"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Init", "idle", 30000)) << logs();
  auto s = issu();
  EXPECT_EQ(s["record"]["abort_reason"], "rollback timer expired");
  EXPECT_EQ(s["slots"][0]["image"], "1.0.0");
  EXPECT_EQ(s["slots"][1]["image"], "1.0.0");
  EXPECT_EQ(rib(s["active_slot"].get<int>())["count"], 3);
}

TEST_F(ChassisTest, PolicyAndStateRefusalsChangeNothing) {
  auto interim = cli({"issu", "loadversion", "1.1.0-interim"});
  EXPECT_EQ(interim.exit_code, 1);
  EXPECT_NE(interim.err.find("[target-not-release]"), std::string::npos) << interim.err;
  auto interim_cv = cli({"issu", "changeversion", "1.1.0-interim"});
  EXPECT_EQ(interim_cv.exit_code, 1);
  EXPECT_NE(interim_cv.err.find("[target-not-release]"), std::string::npos) << interim_cv.err;
  auto missing = cli({"issu", "loadversion", "9.9.9"});
  EXPECT_NE(missing.err.find("no image '9.9.9'"), std::string::npos) << missing.err;
  auto fwdd = cli({"issu", "loadversion", "fwdd-1.1.0"});
  EXPECT_EQ(fwdd.exit_code, 1);
  EXPECT_NE(fwdd.err.find("is a fwdd package: the RP slots run rpd images"), std::string::npos)
      << fwdd.err;
  auto rv = cli({"issu", "runversion", "--yes"});
  EXPECT_EQ(rv.err, "% ISSU state is [ init ]; runversion is valid only in [ load version ]\n");
  EXPECT_EQ(cli({"issu", "abortversion"}).err, "% No ISSU operation is in progress\n");
  EXPECT_EQ(issu()["issu_state"], "Init");
  EXPECT_EQ(issu()["slots"][1]["image"], "1.0.0");
}

TEST_F(ChassisTest, ChassisdKilledMidProcedureAdoptsTheRpsAndResumes) {
  addRoutes();
  auto before = rib(0);
  ASSERT_EQ(cli({"issu", "loadversion", "1.1.0"}).exit_code, 0);
  killChassisd();  // SIGKILL right after the record of loadversion was written
  EXPECT_EQ(rib(0)["routes"], before["routes"]) << "the active RP must not notice";
  startChassisd();
  ASSERT_TRUE(waitIssu("Load Version", "standby-hot")) << logs();
  EXPECT_EQ(rpdCount(), 2);

  ASSERT_EQ(cli({"issu", "runversion", "--yes"}).exit_code, 0);
  killChassisd();
  startChassisd();
  ASSERT_TRUE(waitIssu("Run Version", "running")) << logs();
  EXPECT_EQ(rpdCount(), 2);

  ASSERT_EQ(cli({"issu", "commitversion"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Init", "idle")) << logs();
  auto s = issu();
  EXPECT_EQ(s["slots"][0]["image"], "1.1.0");
  EXPECT_EQ(s["slots"][1]["image"], "1.1.0");
  EXPECT_EQ(rpdCount(), 2);
  EXPECT_EQ(rib(s["active_slot"].get<int>())["routes"], before["routes"]);
}

TEST_F(ChassisTest, ACorruptedStateFileIsSetAsideNotHalfUsed) {
  killChassisd();
  std::ofstream(file("issu.json"), std::ios::trunc) << "{\"format\": 1, \"state\": \"Ru";
  startChassisd();
  ASSERT_TRUE(waitFor([&] { return issu().value("issu_state", std::string()) == "Init"; }, 10000))
      << logs();
  std::ifstream kept(file("issu.json.corrupt"));
  EXPECT_TRUE(kept.good());
  EXPECT_EQ(rpdCount(), 2);
}

// The active dies (SIGKILL) after loadversion: the standby on 1.1.0 takes over with the state it
// holds, and the procedure rolls back by itself — both RPs end on 1.0.0, nothing lost.
TEST_F(ChassisTest, ActiveKilledDuringLoadVersionRollsBackAutomatically) {
  addRoutes();
  auto before = rib(0);
  ASSERT_TRUE(loadVersionHot()) << logs();
  ::kill(issu()["slots"][0]["pid"].get<int>(), SIGKILL);
  ASSERT_TRUE(waitIssu("Init", "idle", 30000)) << logs();
  EXPECT_EQ(issu()["record"]["abort_reason"], "unplanned switchover during Load Version");
  expectBackOnOriginal(before, "the rollback lost state");
  EXPECT_EQ(rib(1)["routes"], before["routes"]);
  // Counted as gNMI and the fleet's health gates see them: the takeover after the kill was
  // unplanned; the rollback's switch back to 1.0.0 was chassisd's own, planned.
  auto sw = issu()["switchovers"];
  EXPECT_EQ(sw["unplanned"], 1) << sw;
  EXPECT_EQ(sw["planned"], 1) << sw;
  EXPECT_EQ(sw["last_planned"], true) << sw;
}

// After runversion the new active (1.1.0) dies: the RP still on 1.0.0 takes over and the one
// that failed comes back on 1.0.0 — a rollback nobody had to type.
TEST_F(ChassisTest, NewActiveKilledDuringRunVersionRollsBackAutomatically) {
  addRoutes();
  auto before = rib(0);
  ASSERT_TRUE(loadVersionHot()) << logs();
  ASSERT_EQ(cli({"issu", "runversion", "--yes"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Run Version", "running")) << logs();
  ::kill(issu()["slots"][1]["pid"].get<int>(), SIGKILL);
  ASSERT_TRUE(waitIssu("Init", "idle", 30000)) << logs();
  EXPECT_EQ(issu()["record"]["abort_reason"], "unplanned switchover during Run Version");
  expectBackOnOriginal(before, "the rollback lost state");
}

// Prometheus metrics follow the procedure (a scrape is plain HTTP GET /metrics).
TEST_F(ChassisTest, MetricsShowTheIssuProgress) {
  killChassisd();
  startChassisd({"--metrics", "127.0.0.1:0"});
  ASSERT_TRUE(waitFor([&] { return issu().value("standby_hot", false); }, 20000)) << logs();
  const int port = issu().value("metrics_port", 0);
  ASSERT_GT(port, 0);
  auto scrape = [&] {
    auto r = runProcess({"/usr/bin/python3", "-c",
                         "import sys,urllib.request; sys.stdout.write(urllib.request.urlopen("
                         "'http://127.0.0.1:" +
                             std::to_string(port) + "/metrics').read().decode())"},
                        std::chrono::seconds(10));
    return r.isOk() ? r->out : std::string();
  };
  auto has = [](const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  };
  std::string m = scrape();
  EXPECT_TRUE(has(m, "hitless_build_info{version=\"0.1.0\"} 1")) << m;
  EXPECT_TRUE(waitFor([&] { return has(scrape(), "hitless_rf_state{slot=\"0\"} 13"); }, 5000))
      << scrape();
  addRoutes();
  EXPECT_TRUE(waitFor([&] { return has(scrape(), "hitless_rib_routes{slot=\"1\"} 3"); }, 5000))
      << scrape();
  ASSERT_TRUE(loadVersionHot()) << logs();
  EXPECT_TRUE(has(scrape(), "hitless_issu_state{state=\"Load Version\"} 1")) << scrape();
  ASSERT_EQ(cli({"issu", "runversion", "--yes"}).exit_code, 0);
  ASSERT_TRUE(waitIssu("Run Version", "running")) << logs();
  m = scrape();
  EXPECT_TRUE(has(m, "hitless_issu_state{state=\"Run Version\"} 1")) << m;
  EXPECT_TRUE(has(m, "hitless_switchovers_total{reason=\"planned\"} 1")) << m;
  EXPECT_TRUE(has(m, "hitless_switchover_duration_seconds_count 1")) << m;
  auto sw = issu()["switchovers"];
  EXPECT_EQ(sw["planned"], 1) << sw;
  EXPECT_EQ(sw["unplanned"], 0) << sw;
  EXPECT_EQ(sw["last_planned"], true) << sw;
  EXPECT_TRUE(has(m, "hitless_rf_state{slot=\"1\"} 13")) << m;
  // The replication lag is a number of seconds (0 when nothing waits for an acknowledgement).
  EXPECT_NE(m.find("\nhitless_checkpoint_lag_seconds{slot=\"1\"} "), std::string::npos) << m;
}

// systemd's Type=notify protocol, with this test as systemd: READY once the control socket
// serves, the ISSU state as STATUS, watchdog pings while the event loop runs.
TEST_F(ChassisTest, TellsSystemdItIsReadyAndPingsTheWatchdog) {
  killChassisd();
  const std::string path = file("notify.sock");
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);  // a ping at least every 200 ms
  startChassisd();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  std::string all;
  const bool got = waitFor(
      [&] {
        char buf[512];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) all.append(buf, n).append("|");
        return all.find("READY=1") != std::string::npos &&
               all.find("WATCHDOG=1", all.find("READY=1")) != std::string::npos;
      },
      10000);
  ::close(fd);
  EXPECT_TRUE(got) << all;
  EXPECT_NE(all.find("STATUS=ISSU Init, active slot 0 on 1.0.0"), std::string::npos) << all;
}

TEST_F(ChassisTest, AKilledStandbyRpdIsRestartedAndResyncs) {
  addRoutes();
  int pid = issu()["slots"][1]["pid"].get<int>();
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = issu();
        return s["slots"][1]["pid"].get<int>() != pid && s.value("standby_hot", false);
      },
      20000))
      << logs();
  EXPECT_EQ(rib(1)["routes"], rib(0)["routes"]);
}

// A standby that does not go when asked (stopped: SIGTERM stays pending until the SIGKILL after
// the grace) must not hold chassisd: it takes the step and answers others while the old rpd is
// still there; loadversion itself answers once the new rpd runs. A reload that waited for the
// exit in the loop could answer nobody until the old rpd was gone.
TEST_F(ChassisTest, AStandbyReloadDoesNotWaitForTheOldRpdToExit) {
  addRoutes();
  const int old_pid = issu()["slots"][1]["pid"].get<int>();
  auto lv = loadVersionWithTheStandbyStopped();
  ASSERT_TRUE(lv);
  EXPECT_EQ(::kill(old_pid, 0), 0) << "chassisd answered only after the old rpd was gone";
  auto during = issu();
  EXPECT_EQ(during["slots"][1]["image"], "1.1.0") << during.dump();
  EXPECT_FALSE(during.value("standby_hot", true)) << during.dump();
  EXPECT_FALSE(lv->exited()) << lv->log();

  ASSERT_TRUE(waitFor([&] { return lv->exited(); }, 20000));
  EXPECT_NE(lv->log().find("loadversion executed successfully"), std::string::npos) << lv->log();
  ASSERT_TRUE(waitIssu("Load Version", "standby-hot")) << logs();
  EXPECT_NE(issu()["slots"][1]["pid"].get<int>(), old_pid);
  EXPECT_EQ(rib(1)["routes"], rib(0)["routes"]);
  EXPECT_EQ(logs().find("RP_RELOAD_FAILED"), std::string::npos) << logs();
}

// abortversion while loadversion's reload still waits for the old rpd: the reload changes its
// image instead of starting a second one, and both commands are answered (once the new rpd
// runs, as any command that reloads).
TEST_F(ChassisTest, AnAbortDuringTheStandbysReloadRetargetsIt) {
  addRoutes();
  auto before = rib(0);
  auto lv = loadVersionWithTheStandbyStopped();
  ASSERT_TRUE(lv);
  auto abort = cli({"issu", "abortversion"});
  EXPECT_EQ(abort.exit_code, 0) << abort.out << abort.err;
  ASSERT_TRUE(waitFor([&] { return lv->exited(); }, 20000));
  ASSERT_TRUE(waitIssu("Init", "idle")) << logs();
  expectBackOnOriginal(before, "abort during the reload");
  ASSERT_TRUE(waitFor([&] { return issu().value("standby_hot", false); }, 20000)) << logs();
  EXPECT_EQ(rib(1)["routes"], before["routes"]);
  EXPECT_EQ(rpdCount(), 2);
  EXPECT_EQ(logs().find("RP_RELOAD_FAILED"), std::string::npos) << logs();
}

}  // namespace
}  // namespace hitless::testing
