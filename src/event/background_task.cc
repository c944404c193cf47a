#include "event/background_task.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>
#include <utility>

namespace hitless::event {

std::unique_ptr<BackgroundTask> BackgroundTask::start(EventLoop& loop, std::function<void()> work,
                                                      std::function<void()> done) {
  auto task = std::make_unique<BackgroundTask>(Passkey(), loop, std::move(done));
  BackgroundTask* t = task.get();
  t->wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (t->wake_.valid() && loop.addFd(t->wake_.get(), EPOLLIN,
                                     [t](uint32_t) {
                                       t->loop_.removeFd(t->wake_.get());
                                       t->thread_.join();
                                       t->finish();
                                     })
                              .isOk()) {
    try {
      // `work` is copied: a thread that cannot start leaves it for the fallback below.
      t->thread_ = std::thread([work, fd = t->wake_.get()] {
        work();
        const uint64_t one = 1;
        (void)!::write(fd, &one, sizeof(one));
      });
      return task;
    } catch (const std::system_error&) {
      loop.removeFd(t->wake_.get());
    }
  }
  t->fallback_timer_ = loop.addTimer(0, [t, work = std::move(work)] {
    t->fallback_timer_ = 0;
    work();
    t->finish();
  });
  return task;
}

void BackgroundTask::finish() {
  finished_ = true;
  std::function<void()> done = std::move(done_);
  done();
}

BackgroundTask::~BackgroundTask() {
  if (fallback_timer_ != 0) loop_.cancelTimer(fallback_timer_);
  if (thread_.joinable()) {
    loop_.removeFd(wake_.get());
    thread_.join();
  }
}

}  // namespace hitless::event
