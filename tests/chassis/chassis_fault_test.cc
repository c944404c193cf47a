// The deterministic subset of the fault campaign (make faults runs the long randomized one):
// the ISSU procedure with chassisd killed before and after each persisted write and around a
// reload and a switchover, rpds killed at transitions, and the state file corrupted — each run
// must end on one version with every route; and hitless install of fwdd with chassisd, fwdd or
// an rpd killed at each step of the switch and the install record torn (fault_scenario.h lists
// the invariants).
#include <gtest/gtest.h>

#include <memory>

#include "chassis/fault_scenario.h"

namespace hitless::testing {
namespace {

std::unique_ptr<ImageStore> images;

class FaultInjection : public ::testing::TestWithParam<FaultScenario> {
 protected:
  static void SetUpTestSuite() {
    images = std::make_unique<ImageStore>();
    ASSERT_EQ(images->error(), "");
  }
  static void TearDownTestSuite() { images.reset(); }
};

TEST_P(FaultInjection, EndsOnOneVersionWithEveryRoute) {
  const FaultScenario& scenario = GetParam();
  FaultOutcome out = runFaultScenario(*images, scenario);
  EXPECT_TRUE(out.fault_hit) << scenario.name() << ": the fault point was never reached\n"
                             << out.transcript;
  EXPECT_TRUE(out.violations.empty()) << scenario.name() << ":\n"
                                      << ::testing::PrintToString(out.violations) << "\n"
                                      << out.transcript;
}

std::vector<FaultScenario> deterministicSubset() {
  std::vector<FaultScenario> list;
  // A full upgrade writes the record 7 times: loadversion, standby hot, runversion, switchover
  // done, old active hot again, commitversion, done.
  for (int k = 1; k <= 7; ++k) {
    list.push_back({OperatorPath::kUpgrade, "persist-after:" + std::to_string(k) + ":chassisd"});
  }
  for (const char* fault :
       {"persist-before:1:chassisd", "persist-before:3:chassisd", "persist-before:6:chassisd",
        "reload-stopped:1:chassisd", "reload-started:2:chassisd", "switchover-before:1:chassisd",
        "switchover-after:1:chassisd", "persist-after:1:standby", "persist-after:3:active",
        "persist-after:4:both", "persist-after:5:active", "persist-after:4:corrupt",
        "persist-after:5:corrupt-both"}) {
    list.push_back({OperatorPath::kUpgrade, fault});
  }
  list.push_back({OperatorPath::kAbortAfterRun, "persist-after:5:chassisd"});
  list.push_back({OperatorPath::kAbortAfterLoad, "reload-stopped:2:chassisd"});
  list.push_back({OperatorPath::kChangeVersion, "persist-after:4:chassisd"});
  list.push_back({OperatorPath::kChangeVersionQuick, "switchover-after:1:chassisd"});
  // hitless install of fwdd. The install record is written at start (1), by add (2), before
  // the switch (3) and when it ends (4).
  for (const char* fault :
       {"install-persist-after:3:chassisd", "install-persist-after:3:corrupt",
        "install-persist-after:3:corrupt-both", "switch-stopped:1:chassisd",
        "switch-started:1:chassisd", "switch-started:1:fwdd", "switch-ready:1:fwdd",
        "switch-started:1:active", "install-persist-after:1:chassisd"}) {
    list.push_back({OperatorPath::kInstallActivate, fault});
  }
  list.push_back({OperatorPath::kInstallAbort, "switch-started:1:standby"});
  list.push_back({OperatorPath::kInstallAbort, "switch-stopped:2:chassisd"});
  // The abort of an ended activation, chassisd killed as it stops fwdd-1.1.0: its restart starts
  // the committed fwdd, which is what the abort asked for.
  list.push_back({OperatorPath::kInstallAbortEnded, "switch-stopped:2:chassisd"});
  // chassisd by re-exec: killed once the switch is recorded, before it execs; a torn record then.
  list.push_back({OperatorPath::kInstallChassisd, "install-persist-after:3:chassisd"});
  list.push_back({OperatorPath::kInstallChassisd, "install-persist-after:3:corrupt"});
  return list;
}

INSTANTIATE_TEST_SUITE_P(Chassis, FaultInjection, ::testing::ValuesIn(deterministicSubset()),
                         [](const ::testing::TestParamInfo<FaultScenario>& info) {
                           std::string name = info.param.name();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace hitless::testing
