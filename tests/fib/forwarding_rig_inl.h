// Template part of forwarding_rig.h.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <thread>

namespace hitless::testing {

template <typename Fn>
auto runInNetns(const std::string& ns, Fn fn) -> decltype(fn()) {
  std::optional<decltype(fn())> result;
  std::thread t([&] {
    int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && setns(fd, CLONE_NEWNET) == 0) result.emplace(fn());
    if (fd >= 0) ::close(fd);
  });
  t.join();
  if (!result) return decltype(fn())(Status::ioError("cannot enter netns " + ns));
  return std::move(*result);
}

}  // namespace hitless::testing
