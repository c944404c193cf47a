#include "base/subprocess.h"

#include <gtest/gtest.h>

namespace hitless {
namespace {

using std::chrono::milliseconds;

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r = runProcess({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(5000));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->succeeded());
}

TEST(Subprocess, KillsAChildPastItsDeadline) {
  auto start = std::chrono::steady_clock::now();
  auto r = runProcess({"/bin/sleep", "30"}, milliseconds(200));
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->term_signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Subprocess, ReportsAMissingProgram) {
  auto r = runProcess({"/nonexistent/program"}, milliseconds(1000));
  // posix_spawn may fail up front or the child may exit 127, depending on libc.
  EXPECT_TRUE(!r.isOk() || r->exit_code == 127);
}

}  // namespace
}  // namespace hitless
