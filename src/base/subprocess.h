// Runs a child process to completion and captures its output, bounded in time and size.
// A child still running at the deadline is killed with SIGKILL and reaped; nothing is left
// behind. Not for long-lived daemons (those need supervision, see chassisd).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace hitless {

struct ProcessOutput {
  int exit_code = -1;   // valid when !signaled
  int term_signal = 0;  // the signal that ended the child, or 0
  bool timed_out = false;
  std::string out;
  std::string err;

  bool succeeded() const { return !timed_out && term_signal == 0 && exit_code == 0; }
};

// Starts argv[0] (no PATH search) with stdout and stderr appended to `log_path`, and returns
// its pid without waiting. The caller owns reaping it (waitpid), e.g. a supervisor or a test.
Result<pid_t> spawnWithLog(const std::vector<std::string>& argv, const std::string& log_path);

// argv[0] is the path of the program (no PATH search).
Result<ProcessOutput> runProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout,
                                 size_t max_output_bytes = size_t{16} << 20);

}  // namespace hitless
