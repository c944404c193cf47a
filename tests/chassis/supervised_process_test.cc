// SupervisedProcess on real processes: the pid file, adoption by a second supervisor (as a
// restarted chassisd does), refusal of a stale or reused pid, exit seen through the pidfd, and a
// bounded stop.
#include "chassis/supervised_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "base/file_util.h"
#include "event/event_loop.h"
#include "util/child_process.h"
#include "util/temp_dir.h"

namespace hitless::chassis {
namespace {

using testing::TempDir;
using testing::waitFor;

// `tail -f FILE` runs until signalled and carries FILE (inside the test's own directory) on its
// command line: a process only this test has, as rpN.sock is for an rpd.
class SupervisedProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(marker()) << ""; }
  void TearDown() override {
    // Whatever a failed test left running.
    for (pid_t pid : started_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, WNOHANG);
    }
  }
  std::string marker() const { return dir_.file("marker"); }
  std::string pidFile() const { return dir_.file("child.pid"); }
  std::unique_ptr<SupervisedProcess> make(std::optional<int>* exit_status = nullptr) {
    return std::make_unique<SupervisedProcess>(loop_, pidFile(), marker(),
                                               [exit_status](int status) {
                                                 if (exit_status != nullptr) *exit_status = status;
                                               });
  }
  void startTail(SupervisedProcess& process) {
    ASSERT_TRUE(
        process.start({"/usr/bin/tail", "-f", marker()}, dir_.file("log"), "pkg-1.0").isOk());
    started_.push_back(process.pid());
  }
  bool alive(pid_t pid) const { return ::kill(pid, 0) == 0; }
  // A tail that ignores SIGTERM (`trap '' TERM` is inherited through the exec); its pid once
  // the shell has exec'd into it (the trap is set by then), or -1.
  pid_t startIgnoringSigterm(SupervisedProcess& process) {
    if (!process
             .start({"/bin/sh", "-c", "trap '' TERM; exec tail -f \"$0\"", marker()},
                    dir_.file("log"), "stubborn")
             .isOk()) {
      return -1;
    }
    const pid_t pid = process.pid();
    started_.push_back(pid);
    const bool execed = waitFor(
        [&] {
          auto cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline", 4096);
          return cmdline.isOk() && cmdline->starts_with("tail");
        },
        5000);
    return execed ? pid : -1;
  }
  // Serves the loop until `condition` holds; bounded.
  bool serveUntil(const std::function<bool()>& condition) {
    return waitFor(
        [&] {
          loop_.runOnce(5);
          return condition();
        },
        5000);
  }

  TempDir dir_;
  event::EventLoop loop_;
  std::vector<pid_t> started_;
};

TEST_F(SupervisedProcessTest, StartRecordsPidAndLabel) {
  auto process = make();
  startTail(*process);
  ASSERT_TRUE(process->running());
  auto text = readFile(pidFile(), 4096);
  ASSERT_TRUE(text.isOk());
  EXPECT_EQ(*text, std::to_string(process->pid()) + " pkg-1.0\n");
  EXPECT_EQ(process->label(), "pkg-1.0");
  process->stop();
}

TEST_F(SupervisedProcessTest, SecondSupervisorAdoptsTheRunningProcess) {
  auto first = make();
  startTail(*first);
  pid_t pid = first->pid();
  first.reset();  // the supervisor goes away, the process stays
  ASSERT_TRUE(alive(pid));

  std::optional<int> exit_status;
  auto second = make(&exit_status);
  ASSERT_TRUE(second->adopt());
  EXPECT_EQ(second->pid(), pid);
  EXPECT_EQ(second->label(), "pkg-1.0");

  // Its death is seen although it is not our child.
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(serveUntil([&] { return exit_status.has_value(); }));
  EXPECT_FALSE(second->running());
  EXPECT_FALSE(std::filesystem::exists(pidFile()));
  ::waitpid(pid, nullptr, 0);
}

TEST_F(SupervisedProcessTest, AdoptRefusesAPidThatIsNotOurs) {
  // The pid of a process with another command line (pid reuse): this test's own.
  ASSERT_TRUE(writeFileAtomic(pidFile(), std::to_string(::getpid()) + " pkg-1.0\n").isOk());
  auto process = make();
  EXPECT_FALSE(process->adopt());
  EXPECT_FALSE(process->running());
  EXPECT_FALSE(std::filesystem::exists(pidFile()));  // stale: dropped
}

TEST_F(SupervisedProcessTest, AdoptRefusesADeadOrGarbledRecord) {
  auto first = make();
  startTail(*first);
  pid_t pid = first->pid();
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  first.reset();
  EXPECT_FALSE(make()->adopt());

  ASSERT_TRUE(writeFileAtomic(pidFile(), "garbage\n").isOk());
  EXPECT_FALSE(make()->adopt());
  EXPECT_FALSE(make()->adopt());  // no pid file at all
}

TEST_F(SupervisedProcessTest, ExitOfOwnChildReportsItsStatus) {
  std::optional<int> exit_status;
  auto process = make(&exit_status);
  startTail(*process);
  process->kill();
  ASSERT_TRUE(serveUntil([&] { return exit_status.has_value(); }));
  EXPECT_TRUE(WIFSIGNALED(*exit_status));
  EXPECT_EQ(describeExit(*exit_status), "signal 9");
  EXPECT_FALSE(std::filesystem::exists(pidFile()));
}

TEST_F(SupervisedProcessTest, StopEndsTheProcessWithoutReportingAnExit) {
  std::optional<int> exit_status;
  auto process = make(&exit_status);
  startTail(*process);
  pid_t pid = process->pid();
  process->stop();
  EXPECT_FALSE(process->running());
  EXPECT_FALSE(alive(pid));
  EXPECT_FALSE(std::filesystem::exists(pidFile()));
  loop_.runOnce(0);
  EXPECT_FALSE(exit_status.has_value());
}

TEST_F(SupervisedProcessTest, StopKillsAProcessThatIgnoresSigterm) {
  auto process = make();
  const pid_t pid = startIgnoringSigterm(*process);
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGTERM);
  ASSERT_TRUE(alive(pid));  // it really ignores SIGTERM
  process->stop(/*grace_ms=*/100);
  EXPECT_FALSE(alive(pid));
}

TEST_F(SupervisedProcessTest, TerminateEndsTheProcessWithoutBlockingTheLoop) {
  std::optional<int> exit_status;
  auto process = make(&exit_status);
  startTail(*process);
  const pid_t pid = process->pid();
  bool done = false;
  process->terminate(/*grace_ms=*/5000, [&] { done = true; });
  EXPECT_FALSE(done);  // it returned before the process was gone
  ASSERT_TRUE(serveUntil([&] { return done; }));
  EXPECT_FALSE(process->running());
  EXPECT_FALSE(alive(pid));
  EXPECT_FALSE(std::filesystem::exists(pidFile()));
  EXPECT_FALSE(exit_status.has_value());  // a requested end is not reported as a death
}

TEST_F(SupervisedProcessTest, TerminateKillsAProcessThatIgnoresSigtermAfterTheGrace) {
  auto process = make();
  const pid_t pid = startIgnoringSigterm(*process);
  ASSERT_GT(pid, 0);
  bool done = false;
  process->terminate(/*grace_ms=*/100, [&] { done = true; });
  ASSERT_TRUE(serveUntil([&] { return done; }));
  EXPECT_FALSE(alive(pid));
}

}  // namespace
}  // namespace hitless::chassis
