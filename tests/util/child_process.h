// A real child process for integration tests: spawned with its output in a log file, killed with
// SIGKILL and reaped when the object goes away (pass or fail), so no test leaves processes behind.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hitless::testing {

class ChildProcess {
 public:
  // argv[0] is the program path. Output (stdout and stderr) is appended to `log_path`.
  static std::unique_ptr<ChildProcess> spawn(const std::vector<std::string>& argv,
                                             const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // SIGKILL and reap. Idempotent.
  void kill();
  // True once the process has exited (reaps it).
  bool exited();
  const std::string& logPath() const { return log_path_; }
  std::string log() const;

 private:
  ChildProcess(pid_t pid, std::string log) : pid_(pid), log_path_(std::move(log)) {}
  pid_t pid_;
  bool reaped_ = false;
  std::string log_path_;
};

// Polls `condition` every few milliseconds until it holds or `timeout_ms` passes. This waits for
// a state, it does not sleep a fixed time: the bound only limits a broken run.
bool waitFor(const std::function<bool()>& condition, int timeout_ms);

}  // namespace hitless::testing
