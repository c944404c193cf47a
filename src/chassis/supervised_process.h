// SupervisedProcess: one long-lived child of chassisd (an rpd slot, fwdd, gnoid) that outlives
// chassisd. It is started with its output appended to a log, recorded in a pid file
// ("PID LABEL") so a restarted chassisd adopts it instead of starting a second one, and watched
// through a pidfd, so its death is seen at once, whether it is our child or an adopted one.
//
// Adoption trusts a pid file only when /proc/PID/cmdline still names the process's `identity`
// (a path only this process has on its command line): pids are reused.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "event/event_loop.h"
#include "event/unix_socket.h"

namespace hitless::chassis {

class SupervisedProcess {
 public:
  // `on_exit(status)` runs on the loop when the process ends by itself (not after stop()).
  // `status` is the waitpid status (0 for an adopted process, whose status is not ours to read).
  SupervisedProcess(event::EventLoop& loop, std::string pid_file, std::string identity,
                    std::function<void(int status)> on_exit);
  ~SupervisedProcess();  // leaves the process running: it outlives its supervisor
  SupervisedProcess(const SupervisedProcess&) = delete;
  SupervisedProcess& operator=(const SupervisedProcess&) = delete;

  // Starts argv (argv[0] a path) with output appended to `log_path`; `label` (no spaces: an
  // image or package name) is kept in the pid file and returned by label() after an adoption.
  Status start(const std::vector<std::string>& argv, const std::string& log_path,
               const std::string& label);
  // Takes over the process a previous supervisor recorded; false if there is none alive.
  bool adopt();
  // SIGTERM, a bounded wait for it to exit, then SIGKILL; removes the pid file. No-op if not
  // running.
  void stop(int grace_ms = 2000);
  // The same without blocking the loop: SIGTERM now, SIGKILL after `grace_ms`, `done` on the
  // loop once the process is gone (at once if none runs). on_exit is not called.
  void terminate(int grace_ms, std::function<void()> done);
  // SIGKILL, for fault injection; the exit is seen as any death is.
  void kill() const;

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& label() const { return label_; }

 private:
  void watch(pid_t pid);
  void onExit();
  void forget();
  // The process has ended: collects its status, stops watching it, drops the pid file.
  int reap();

  event::EventLoop& loop_;
  std::string pid_file_;
  std::string identity_;
  std::function<void(int)> on_exit_;
  pid_t pid_ = -1;
  event::UniqueFd pidfd_;
  std::string label_;
  event::TimerId kill_timer_ = 0;  // terminate(): SIGKILL when the grace ends
};

// Describes a waitpid status for a log line: "signal 9", "status 1".
std::string describeExit(int status);

}  // namespace hitless::chassis
