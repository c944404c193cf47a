// ChassisRig: one chassis under test — chassisd with its own state directory and the real rpd
// processes it spawns from signed images — driven through the real `hitless` CLI and the control
// sockets. The rig kills chassisd and every rpd of its state directory when it goes away, pass or
// fail. ImageStore builds the signed images once (1.0.0, 1.1.0, and an interim 1.1.0) and the
// fwdd and chassisd packages fwdd-1.0.0, fwdd-1.1.0, chassisd-1.0.0 and chassisd-1.1.0.
// Free of GoogleTest: the fault campaign binary uses it too.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/subprocess.h"
#include "util/child_process.h"
#include "util/temp_dir.h"

namespace hitless::testing {

class ImageStore {
 public:
  ImageStore();
  const std::string& error() const { return error_; }  // empty when every image was built
  std::string images() const { return dir_.file("images"); }
  std::string pubkey() const { return dir_.file("keys/hitless.pub"); }

 private:
  void build(const std::string& version, const std::string& date, const std::string& kind,
             const std::string& rpd, const std::string& name, std::vector<std::string> extra = {});
  void buildPackage(const std::string& component, const std::string& version,
                    const std::string& date, const std::string& binary, const std::string& name);
  TempDir dir_;
  std::string error_;
};

// The `hitless` binary with `args`; a failure to run it reads as exit code -1.
ProcessOutput runHitless(std::vector<std::string> args);

class ChassisRig {
 public:
  explicit ChassisRig(const ImageStore& images) : images_(images) {}
  ~ChassisRig();
  ChassisRig(const ChassisRig&) = delete;
  ChassisRig& operator=(const ChassisRig&) = delete;

  // A prefix for chassisd's command line (ip netns exec NS).
  void setLauncher(std::vector<std::string> prefix) { launcher_ = std::move(prefix); }
  // chassisd on this state directory (short rpd heartbeats), plus `extra` arguments.
  void startChassisd(const std::vector<std::string>& extra = {});
  void killChassisd();
  bool chassisdRunning();
  pid_t chassisdPid() const { return chassisd_ ? chassisd_->pid() : -1; }

  nlohmann::json issu();  // show-issu-state, or {} when chassisd does not answer
  ProcessOutput cli(std::vector<std::string> args);
  // ISSU state and step reached with a hot standby.
  bool waitIssu(const std::string& state, const std::string& step, int timeout_ms = 20000);
  nlohmann::json rib(int slot);
  // The RF state number the rpd of `slot` reports itself (13 ACTIVE, 8 STANDBY HOT), 0 if it
  // does not answer.
  int rfState(int slot);
  // Three routes (two IPv4, one IPv6) through the active RP (slot 0), acknowledged by the standby.
  bool addRoutes();
  // `changes` (rib-apply text) through the active RP (`slot`), acknowledged by the standby.
  bool applyRoutes(const std::string& changes, int slot = 0);
  int processCount(const std::string& program);  // `program` processes of this chassis
  int rpdCount();                                // rpd processes of this chassis
  std::string logs();
  std::string file(const std::string& name) const { return state_.file(name); }
  const std::string& stateDir() const { return state_.path(); }

 private:
  const ImageStore& images_;
  TempDir state_;
  std::unique_ptr<ChildProcess> chassisd_;
  std::vector<std::string> launcher_;
};

}  // namespace hitless::testing
