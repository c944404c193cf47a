#include "event/event_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/log.h"

namespace hitless::event {

void LoopStats::count(int64_t took_ns) {
  ++turns;
  turns_over_1ms += took_ns > 1'000'000;
  turns_over_10ms += took_ns > 10'000'000;
  turns_over_20ms += took_ns > 20'000'000;
  turns_over_100ms += took_ns > 100'000'000;
  longest_turn_ns = std::max(longest_turn_ns, took_ns);
}

namespace {

int64_t stallLogNs() {
  const char* env = std::getenv("HITLESS_LOOP_STALL_MS");
  if (env != nullptr) {
    char* end = nullptr;
    long ms = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && ms > 0) return int64_t{ms} * 1'000'000;
  }
  return 200'000'000;
}

}  // namespace

EventLoop::EventLoop(const Clock& clock)
    : stall_log_ns_(stallLogNs()), clock_(clock), epfd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epfd_ < 0) abort();  // no epoll: nothing in hitless can run
}

EventLoop::~EventLoop() { ::close(epfd_); }

Status EventLoop::addFd(int fd, uint32_t events, FdCallback cb) {
  struct epoll_event ev {};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return Status::ioError(std::string("epoll_ctl add: ") + std::strerror(errno));
  }
  fds_[fd] = std::make_shared<FdCallback>(std::move(cb));
  return Status::ok();
}

Status EventLoop::modifyFd(int fd, uint32_t events) {
  struct epoll_event ev {};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    return Status::ioError(std::string("epoll_ctl mod: ") + std::strerror(errno));
  }
  return Status::ok();
}

void EventLoop::removeFd(int fd) {
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  fds_.erase(fd);
}

TimerId EventLoop::addTimer(int64_t delay_ms, TimerCallback cb, bool repeat) {
  TimerId id = next_timer_++;
  timers_[id] = Timer{delay_ms, repeat, std::move(cb)};
  heap_.push({clock().nowNs() + delay_ms * 1000000, id});
  return id;
}

void EventLoop::cancelTimer(TimerId id) { timers_.erase(id); }

int64_t EventLoop::runDueTimers() {
  // One pass serves the timers due when it began. A timer added during the pass waits for the
  // next turn, even with a 0 ms delay: work that reschedules itself to yield ("the rest on the
  // next turn") must let epoll run in between, or it starves every socket — heartbeats included.
  const int64_t pass_start = clock().nowNs();
  const TimerId first_new = next_timer_;
  while (!heap_.empty()) {
    auto [due, id] = heap_.top();
    auto it = timers_.find(id);
    if (it == timers_.end()) {  // cancelled
      heap_.pop();
      continue;
    }
    if (id >= first_new) return 0;
    int64_t now = clock().nowNs();
    if (due > pass_start) return std::max<int64_t>(0, (due - now + 999999) / 1000000);
    heap_.pop();
    TimerCallback cb = it->second.cb;  // copy: the callback may cancel or re-add
    if (it->second.repeat) {
      heap_.push({now + it->second.interval_ms * 1000000, id});
    } else {
      timers_.erase(it);
    }
    cb();
    noteCallback(clock().nowNs() - now, "timer", id);
  }
  return -1;
}

void EventLoop::runOnce(int64_t wait_ms) {
  // I/O first, then timers: after a pause (SIGSTOP, a slow machine) what peers sent meanwhile is
  // read before any timeout passes a verdict on their silence.
  int64_t timeout = wait_ms;
  if (!heap_.empty() && clock_.passesByItself()) {
    int64_t due_ms = (heap_.top().first - clock().nowNs() + 999999) / 1000000;
    if (due_ms < 0) due_ms = 0;
    if (timeout < 0 || due_ms < timeout) timeout = due_ms;
  }
  struct epoll_event events[64];
  int n = ::epoll_wait(epfd_, events, 64, static_cast<int>(timeout));
  const int64_t start = turn_started_ns_ = clock().nowNs();
  // The thread's own usage across the turn: a stall that was not spent on the CPU (preempted,
  // waiting on a lock, faulting pages in) reads differently from one that was all work.
  rusage usage_before{};
  ::getrusage(RUSAGE_THREAD, &usage_before);
  for (int i = 0; i < n; ++i) {
    auto it = fds_.find(events[i].data.fd);
    if (it == fds_.end()) continue;  // removed by an earlier callback in this batch
    auto cb = it->second;            // keep alive while it runs
    const int64_t t0 = clock().nowNs();
    (*cb)(events[i].events);
    noteCallback(clock().nowNs() - t0, "fd", static_cast<uint64_t>(events[i].data.fd));
  }
  runDueTimers();
  const int64_t took = clock().nowNs() - start;
  stats_.count(took);
  window_.count(took);
  if (took > stall_log_ns_) {
    rusage usage_after{};
    ::getrusage(RUSAGE_THREAD, &usage_after);
    auto ms = [](const timeval& a, const timeval& b) {
      return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000;
    };
    int64_t user_ms = ms(usage_before.ru_utime, usage_after.ru_utime);
    int64_t system_ms = ms(usage_before.ru_stime, usage_after.ru_stime);
    logEvent("EVENT", Severity::kWarning, "LOOP_STALL",
             "one turn of the event loop took " + std::to_string(took / 1000000) +
                 " ms (on the CPU " + std::to_string(user_ms + system_ms) + " ms, " +
                 std::to_string(system_ms) + " of them in the kernel; " +
                 std::to_string(usage_after.ru_minflt - usage_before.ru_minflt) +
                 " page faults; preempted " +
                 std::to_string(usage_after.ru_nivcsw - usage_before.ru_nivcsw) +
                 " times); the slowest callback was " + slowest_what_ + " (" +
                 std::to_string(slowest_ns_ / 1000000) + " ms)");
  }
  slowest_ns_ = 0;
}

namespace {

// "fd 12 (tcp 198.18.3.2:179)", "fd 9 (unix /run/x.sock)": which socket was slow, for the log.
std::string describeFd(int fd) {
  std::string out = "fd " + std::to_string(fd);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  if (::getpeername(fd, sa, &len) != 0 ||
      (sa->sa_family == AF_UNIX && len <= sizeof(sa_family_t))) {
    len = sizeof(ss);
    if (::getsockname(fd, sa, &len) != 0) return out;
  }
  char host[INET6_ADDRSTRLEN] = "";
  if (sa->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    return out + " (unix " +
           std::string(un->sun_path, strnlen(un->sun_path, sizeof(un->sun_path))) + ")";
  }
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return out + " (tcp " + host + ":" + std::to_string(ntohs(in->sin_port)) + ")";
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return out + " (tcp [" + host + "]:" + std::to_string(ntohs(in6->sin6_port)) + ")";
  }
  return out;
}

}  // namespace

void EventLoop::noteCallback(int64_t took_ns, const char* kind, uint64_t id) {
  if (took_ns <= slowest_ns_ || took_ns < stall_log_ns_ / 2) return;
  slowest_ns_ = took_ns;
  slowest_what_ = std::string(kind) == "fd" ? describeFd(static_cast<int>(id))
                                            : std::string(kind) + " " + std::to_string(id);
}

void EventLoop::run(int64_t max_ms) {
  stopped_ = false;
  int64_t end = max_ms < 0 ? -1 : clock().nowNs() + max_ms * 1000000;
  while (!stopped_) {
    int64_t wait = 1000;
    if (end >= 0) {
      int64_t left = (end - clock().nowNs()) / 1000000;
      if (left <= 0) break;
      wait = std::min<int64_t>(wait, left);
    }
    runOnce(wait);
  }
}

}  // namespace hitless::event
