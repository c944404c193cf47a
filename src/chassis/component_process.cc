#include "chassis/component_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/log.h"
#include "control/control_server.h"

namespace hitless::chassis {
namespace {

constexpr int64_t kReadyPollMs = 20;
constexpr int64_t kRestartBackoffMaxMs = 5000;
constexpr int kStopGraceMs = 2000;

}  // namespace

ComponentProcess::ComponentProcess(event::EventLoop& loop, ComponentProcessOptions options,
                                   const issu::PublicKey& key)
    : loop_(loop), options_(std::move(options)), key_(key) {
  process_ = std::make_unique<SupervisedProcess>(
      loop_, options_.state_dir + "/" + name() + ".pid",
      options_.identity.empty() ? options_.control_socket : options_.identity,
      [this](int status) { onExit(status); });
}

ComponentProcess::~ComponentProcess() {
  if (restart_timer_ != 0) loop_.cancelTimer(restart_timer_);
  if (ready_timer_ != 0) loop_.cancelTimer(ready_timer_);
}

Result<issu::VerifiedImage> ComponentProcess::verified(const std::string& name) const {
  return issu::verifyStoreEntry(options_.image_dir, name, key_, options_.component);
}

Status ComponentProcess::startOrAdopt(const std::string& package) {
  if (process_->adopt()) {
    package_ = process_->label();
    auto v = verified(package_);
    if (v.isOk()) {
      release_ = std::to_string(v->manifest.version.major) + "." +
                 std::to_string(v->manifest.version.minor);
    }
    logEvent("CHASSIS", Severity::kNotice, "COMPONENT_ADOPT",
             name() + " " + package_ + " pid " + std::to_string(process_->pid()) +
                 " adopted from the previous chassisd");
    return Status::ok();
  }
  return launch(package);
}

Status ComponentProcess::launch(const std::string& package) {
  ASSIGN_OR_RETURN(issu::VerifiedImage v, verified(package));
  std::vector<std::string> argv = {v.binaryPath()};
  if (!options_.control_socket.empty()) {
    argv.insert(argv.end(), {"--control", options_.control_socket});
  }
  argv.insert(argv.end(), options_.args.begin(), options_.args.end());
  RETURN_IF_ERROR(process_->start(argv, options_.state_dir + "/" + name() + ".log", package));
  package_ = package;
  release_ =
      std::to_string(v.manifest.version.major) + "." + std::to_string(v.manifest.version.minor);
  logEvent("CHASSIS", Severity::kNotice, "COMPONENT_SPAWN",
           name() + " starts " + package + " (" + v.manifest.version.toString() + "), pid " +
               std::to_string(process_->pid()));
  return Status::ok();
}

bool ComponentProcess::listening() const {
  const size_t colon = options_.listen.rfind(':');
  if (colon == std::string::npos) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(options_.listen.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, options_.listen.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    return false;
  }
  event::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

nlohmann::json ComponentProcess::ask() const {
  auto r = control::controlRequest(options_.control_socket, {{"cmd", "show-fib"}}, 200);
  return r.isOk() && r->value("ok", false) ? *r : nlohmann::json();
}

void ComponentProcess::switchTo(const std::string& package, Done done) {
  if (switch_done_) return done(Status::failedPrecondition(name() + " is already switching"));
  auto target = verified(package);
  if (!target.isOk()) return done(target.status());
  nlohmann::json before = options_.control_socket.empty() ? nlohmann::json() : ask();
  wait_writer_ = before.is_object() && before.value("writer_slot", -1) >= 0;
  if (restart_timer_ != 0) loop_.cancelTimer(std::exchange(restart_timer_, 0));
  switch_done_ = std::move(done);
  // The old process gets its grace without holding the loop (gnoid's calls in flight, ...).
  process_->terminate(kStopGraceMs, [this, package, old = package_] {
    faultPoint("switch-stopped");
    if (Status s = launch(package); !s.isOk()) {
      // Nothing runs now: the old package comes back so the component is never left down.
      logEvent("CHASSIS", Severity::kError, "COMPONENT_SWITCH", name() + " " + s.message());
      if (!launch(old).isOk()) package_.clear();
      return std::exchange(switch_done_, nullptr)(s);
    }
    ready_deadline_ms_ = loop_.clock().nowMs() + options_.ready_timeout_ms;
    faultPoint("switch-started");
    pollReady();
  });
}

void ComponentProcess::pollReady() {
  ready_timer_ = 0;
  if (!switch_done_) return;
  nlohmann::json s = options_.control_socket.empty() ? nlohmann::json() : ask();
  const bool answers = options_.control_socket.empty()
                           ? listening()
                           : s.is_object() && s.value("release", std::string()) == release_;
  const bool writer_back = !wait_writer_ || (s.is_object() && s.value("writer_slot", -1) >= 0 &&
                                             !s.value("replaying", true));
  if (answers && writer_back) {
    faultPoint("switch-ready");
    // The fault may have killed the new process: its exit (on the loop) decides then.
    if (switch_done_ && process_->running()) finishSwitch(Status::ok());
    return;
  }
  if (loop_.clock().nowMs() >= ready_deadline_ms_) {
    return finishSwitch(Status::internal(
        name() + " " + package_ + " was not ready within " +
        std::to_string(options_.ready_timeout_ms / 1000) + " s (" +
        (!answers ? (options_.control_socket.empty()
                         ? "its port " + options_.listen + " did not accept a connection"
                         : "its control socket did not answer as release " + release_)
                  : std::string("the active RP did not finish its FIB replay")) +
        ")"));
  }
  ready_timer_ = loop_.addTimer(kReadyPollMs, [this] { pollReady(); });
}

void ComponentProcess::finishSwitch(Status result) {
  if (ready_timer_ != 0) loop_.cancelTimer(std::exchange(ready_timer_, 0));
  if (result.isOk()) {
    logEvent("CHASSIS", Severity::kNotice, "COMPONENT_READY",
             name() + " " + package_ + " ready, pid " + std::to_string(process_->pid()));
  }
  std::exchange(switch_done_, nullptr)(std::move(result));
}

void ComponentProcess::onExit(int status) {
  const int64_t now = loop_.clock().nowMs();
  logEvent("CHASSIS", Severity::kError, "COMPONENT_EXIT",
           name() + " " + package_ + " exited (" + describeExit(status) + ")");
  if (switch_done_) {
    finishSwitch(Status::internal(name() + " " + package_ + " exited (" + describeExit(status) +
                                  ") before it was ready"));
  }
  // Back-off doubles while it keeps dying within a minute of the last death.
  restarts_ = now - last_exit_ms_ < 60000 ? restarts_ + 1 : 1;
  last_exit_ms_ = now;
  const int64_t delay = std::min<int64_t>(kRestartBackoffMaxMs, 100LL << std::min(restarts_, 6));
  restart_timer_ = loop_.addTimer(delay, [this] {
    restart_timer_ = 0;
    if (process_->running() || package_.empty()) return;
    if (Status s = launch(package_); !s.isOk()) {
      logEvent("CHASSIS", Severity::kError, "COMPONENT_SPAWN", name() + ": " + s.message());
    }
  });
}

void ComponentProcess::faultPoint(std::string_view point) const {
  if (options_.fault_point) options_.fault_point(point);
}

nlohmann::json ComponentProcess::status() const {
  return {{"component", name()},
          {"package", package_},
          {"pid", process_->running() ? process_->pid() : -1},
          {"restarts", restarts_},
          {"switching", static_cast<bool>(switch_done_)}};
}

}  // namespace hitless::chassis
