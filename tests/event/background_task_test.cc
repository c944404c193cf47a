#include "event/background_task.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace hitless::event {
namespace {

// The loop serves its sockets while the work runs: here the work cannot end before the loop has
// served one (it waits for it), so a task run on the loop's thread would never finish.
TEST(BackgroundTaskTest, TheLoopServesSocketsWhileTheWorkRunsAndDoneRunsOnTheLoop) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::promise<void> served;
  std::future<void> served_seen = served.get_future();
  ASSERT_TRUE(loop.addFd(fds[0], EPOLLIN,
                         [&](uint32_t) {
                           char c;
                           if (::read(fds[0], &c, 1) == 1) served.set_value();
                         })
                  .isOk());
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id work_thread, done_thread;
  bool work_saw_the_socket_served = false;
  int result = 0;
  auto task = BackgroundTask::start(
      loop,
      [&] {
        work_thread = std::this_thread::get_id();
        work_saw_the_socket_served =
            served_seen.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        result = 42;
      },
      [&] { done_thread = std::this_thread::get_id(); });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!task->finished() && std::chrono::steady_clock::now() < deadline) loop.runOnce(100);
  EXPECT_TRUE(task->finished());
  EXPECT_TRUE(work_saw_the_socket_served);
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(done_thread, loop_thread);
  EXPECT_EQ(result, 42);
  loop.removeFd(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(BackgroundTaskTest, ATaskDestroyedFirstWaitsForItsWorkAndNeverCallsDone) {
  EventLoop loop;
  std::atomic<bool> ended{false};
  bool done = false;
  {
    std::promise<void> go;
    auto task = BackgroundTask::start(
        loop,
        [&, started = go.get_future().share()] {
          started.wait();
          ended = true;
        },
        [&] { done = true; });
    go.set_value();
  }  // the destructor joins the thread
  EXPECT_TRUE(ended);
  loop.runOnce(0);
  EXPECT_FALSE(done);
}

TEST(BackgroundTaskTest, TheOwnerMayDestroyTheTaskInDone) {
  EventLoop loop;
  std::unique_ptr<BackgroundTask> task;
  bool done = false;
  task = BackgroundTask::start(
      loop, [] {},
      [&] {
        done = true;
        task.reset();
      });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done && std::chrono::steady_clock::now() < deadline) loop.runOnce(100);
  EXPECT_TRUE(done);
  EXPECT_EQ(task, nullptr);
}

}  // namespace
}  // namespace hitless::event
