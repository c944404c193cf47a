#include "chassis/fault_points.h"

#include <gtest/gtest.h>

namespace hitless::chassis {
namespace {

TEST(FaultPoints, ParsesEveryPointAndActionAndRefusesTheRest) {
  for (auto point : faultPointNames()) {
    for (auto action : faultActionNames()) {
      auto spec = parseFaultSpec(std::string(point) + ":3:" + std::string(action));
      ASSERT_TRUE(spec.isOk()) << spec.status().toString();
      EXPECT_EQ(spec->point, point);
      EXPECT_EQ(spec->occurrence, 3);
      EXPECT_EQ(faultActionName(spec->action), action);
    }
  }
  for (const char* bad : {"", "persist-after", "persist-after:1", "persist-after:0:chassisd",
                          "persist-after:x:chassisd", "persist-after:1:reboot",
                          "persist-during:1:chassisd", "persist-after:-1:both"}) {
    EXPECT_FALSE(parseFaultSpec(bad).isOk()) << bad;
  }
  EXPECT_EQ(parseFaultSpec("persist:1").status().message(),
            "fault 'persist:1': expected two ':' (POINT:N:ACTION)");
}

TEST(FaultPoints, FiresOnlyAtTheArmedPassOfTheArmedPoint) {
  FaultPoints faults;
  EXPECT_FALSE(faults.hit("persist-after"));  // unarmed: counts only
  faults.arm(*parseFaultSpec("persist-after:3:standby"));
  EXPECT_FALSE(faults.hit("persist-before"));
  EXPECT_FALSE(faults.hit("persist-after"));                          // 2nd pass
  EXPECT_EQ(faults.hit("persist-after"), FaultAction::kKillStandby);  // 3rd
  EXPECT_FALSE(faults.hit("persist-after"));
}

}  // namespace
}  // namespace hitless::chassis
