// ComponentProcess: a component chassisd runs from a package rather than from an RP image —
// fwdd and gnoid. At chassisd start it adopts the process a previous chassisd left running (the
// forwarding agent must outlive its supervisor) or starts the package; after a crash it starts
// the same package again; and switchTo() replaces it with another package for `hitless install`:
// stop the old process (it leaves the kernel FIB as it is), start the new one, and report once
// the new one is ready — it answers its control socket as the package's release and, if the
// old one had a FIB writer, the active RP has reconnected and finished its replay.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "chassis/supervised_process.h"
#include "event/event_loop.h"
#include "issu/image.h"

namespace hitless::chassis {

struct ComponentProcessOptions {
  issu::Component component = issu::Component::kFwdd;
  std::string state_dir;  // COMPONENT.pid and COMPONENT.log live here
  std::string image_dir;  // packages: IMAGE_DIR/<name>/{COMPONENT,manifest.json,...}
  // fwdd: its control socket, given to it as --control; ready when it answers show-fib as the
  // package's release (and the FIB writer is back). gnoid: no control socket; ready when its
  // gRPC port (`listen`, from its --listen argument) accepts a connection.
  std::string control_socket;
  std::string listen;
  // A string only this process has on its command line, for adoption (a socket path).
  std::string identity;
  std::vector<std::string> args;
  int ready_timeout_ms = 30000;
  // Tests: called at switch-stopped, switch-started and switch-ready (chassis/fault_points.h).
  std::function<void(std::string_view point)> fault_point;
};

class ComponentProcess {
 public:
  using Done = std::function<void(Status)>;
  ComponentProcess(event::EventLoop& loop, ComponentProcessOptions options,
                   const issu::PublicKey& key);
  ~ComponentProcess();
  ComponentProcess(const ComponentProcess&) = delete;
  ComponentProcess& operator=(const ComponentProcess&) = delete;

  // The verified package `name` of this component, or why it is not one.
  Result<issu::VerifiedImage> verified(const std::string& name) const;
  // Adopts the process a previous chassisd left running, else starts `package`.
  Status startOrAdopt(const std::string& package);
  // Replaces the running process with `package`; `done` once it is ready, or with why not (the
  // component then runs whatever package() says).
  void switchTo(const std::string& package, Done done);
  // SIGKILL, for fault injection.
  void kill() const { process_->kill(); }

  std::string package() const { return package_; }
  pid_t pid() const { return process_->pid(); }
  std::string name() const { return std::string(issu::componentName(options_.component)); }
  nlohmann::json status() const;

 private:
  Status launch(const std::string& package);
  void onExit(int status);
  void pollReady();
  void finishSwitch(Status result);
  // fwdd: the control socket's show-fib answer, or null.
  nlohmann::json ask() const;
  // gnoid: its port accepts a connection.
  bool listening() const;
  void faultPoint(std::string_view point) const;

  event::EventLoop& loop_;
  ComponentProcessOptions options_;
  const issu::PublicKey& key_;
  std::unique_ptr<SupervisedProcess> process_;
  std::string package_;
  std::string release_;  // "1.1": what a ready process reports
  int restarts_ = 0;
  int64_t last_exit_ms_ = 0;
  event::TimerId restart_timer_ = 0;
  // A switch in progress.
  Done switch_done_;
  bool wait_writer_ = false;
  int64_t ready_deadline_ms_ = 0;
  event::TimerId ready_timer_ = 0;
};

}  // namespace hitless::chassis
