#include "chassis/supervised_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <utility>

#include "base/file_util.h"
#include "base/log.h"
#include "base/subprocess.h"

namespace hitless::chassis {
namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

std::string describeExit(int status) {
  return WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                             : "status " + std::to_string(WEXITSTATUS(status));
}

SupervisedProcess::SupervisedProcess(event::EventLoop& loop, std::string pid_file,
                                     std::string identity, std::function<void(int)> on_exit)
    : loop_(loop),
      pid_file_(std::move(pid_file)),
      identity_(std::move(identity)),
      on_exit_(std::move(on_exit)) {}

SupervisedProcess::~SupervisedProcess() {
  if (pidfd_.valid()) loop_.removeFd(pidfd_.get());
  if (kill_timer_ != 0) loop_.cancelTimer(kill_timer_);
}

Status SupervisedProcess::start(const std::vector<std::string>& argv, const std::string& log_path,
                                const std::string& label) {
  ASSIGN_OR_RETURN(pid_t pid, spawnWithLog(argv, log_path));
  label_ = label;
  Status recorded = writeFileAtomic(pid_file_, std::to_string(pid) + " " + label + "\n");
  if (!recorded.isOk()) logEvent("CHASSIS", Severity::kError, "PIDFILE", recorded.message());
  watch(pid);
  return Status::ok();
}

bool SupervisedProcess::adopt() {
  auto text = readFile(pid_file_, 4096);
  if (!text.isOk()) return false;
  pid_t pid = 0;
  char label[256] = {};
  if (std::sscanf(text->c_str(), "%d %255s", &pid, label) != 2 || pid <= 1) return false;
  auto cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline", 1 << 16);
  if (!cmdline.isOk() || cmdline->find(identity_) == std::string::npos) {
    std::filesystem::remove(pid_file_);
    return false;
  }
  label_ = label;
  watch(pid);
  return true;
}

void SupervisedProcess::watch(pid_t pid) {
  pid_ = pid;
  pidfd_ = event::UniqueFd(pidfdOpen(pid));
  if (pidfd_.valid()) {
    (void)loop_.addFd(pidfd_.get(), EPOLLIN, [this](uint32_t) { onExit(); });
  }
}

int SupervisedProcess::reap() {
  int status = 0;
  ::waitpid(pid_, &status, WNOHANG);  // ECHILD for an adopted process: status stays 0
  forget();
  std::filesystem::remove(pid_file_);
  return status;
}

void SupervisedProcess::forget() {
  if (pidfd_.valid()) loop_.removeFd(pidfd_.get());
  pidfd_.reset();
  pid_ = -1;
}

void SupervisedProcess::stop(int grace_ms) {
  if (pid_ <= 0) return;
  if (pidfd_.valid()) loop_.removeFd(pidfd_.get());  // a terminate() under way ends here too
  if (kill_timer_ != 0) loop_.cancelTimer(std::exchange(kill_timer_, 0));
  ::kill(pid_, SIGTERM);
  // Bounded: a restart must not hang on a stuck process.
  struct pollfd p {
    pidfd_.get(), POLLIN, 0
  };
  if (!pidfd_.valid() || ::poll(&p, 1, grace_ms) <= 0) ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);  // ECHILD for an adopted process: its exit was seen on the pidfd
  pidfd_.reset();
  pid_ = -1;
  std::filesystem::remove(pid_file_);
}

void SupervisedProcess::terminate(int grace_ms, std::function<void()> done) {
  if (pid_ <= 0 || !pidfd_.valid()) {
    stop(grace_ms);  // no pidfd to wait on: the bounded blocking path
    return done();
  }
  loop_.removeFd(pidfd_.get());  // a terminate() under way is replaced by this one
  if (kill_timer_ != 0) loop_.cancelTimer(std::exchange(kill_timer_, 0));
  ::kill(pid_, SIGTERM);
  const pid_t pid = pid_;
  kill_timer_ = loop_.addTimer(grace_ms, [this, pid] {
    kill_timer_ = 0;
    ::kill(pid, SIGKILL);
  });
  (void)loop_.addFd(pidfd_.get(), EPOLLIN, [this, done = std::move(done)](uint32_t) {
    if (kill_timer_ != 0) loop_.cancelTimer(std::exchange(kill_timer_, 0));
    reap();
    done();
  });
}

void SupervisedProcess::kill() const {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

void SupervisedProcess::onExit() {
  const int status = reap();
  if (on_exit_) on_exit_(status);
}

}  // namespace hitless::chassis
