// InstallService: `hitless install` in chassisd (docs/install.md). The InstallEngine decides;
// this class verifies packages, writes the record (STATE_DIR/install.json, two copies), runs the
// switches on the components it supervises (fwdd and gnoid through ComponentProcesses, chassisd
// by re-exec) and answers the
// control commands:
//   install-add {packages}          verify and store (a path is copied into the image store)
//   install-activate {packages, test, auto_abort_min, commit}   impact report; then the switch
//                                   (commit: committed once it succeeded — gNOI Activate)
//   install-deactivate {packages}   install-commit   install-abort
//   install-rollback {to: "committed" | ID}   install-remove {packages | inactive}
//   show-install                    the record, rollback points, the components' processes
// A switch is answered when it starts, with its operation id; `show-install` follows it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chassis/component_process.h"
#include "event/event_loop.h"
#include "install/install_engine.h"
#include "issu/image.h"

namespace hitless::chassis {

struct InstallOptions {
  std::string state_dir;
  std::string image_dir;
  // The components chassisd runs from packages (fwdd, gnoid): the package each runs on first
  // start (later starts run the committed one) and how to run it. Empty package: chassisd does
  // not run that component.
  struct Supervised {
    std::string initial_package;
    ComponentProcessOptions process;
  };
  std::vector<Supervised> components;
  // Tests: called at install-persist-after and (through fwdd) the switch points.
  std::function<void(std::string_view point)> fault_point;
  // chassisd itself: the package it runs from ("" when started from an installed binary), and
  // how it replaces itself with another package's binary (returns only on failure).
  std::string running_package;
  std::string installed_binary;  // the chassisd binary outside any package
  std::function<Status(const std::string& binary, const std::string& package)> exec_self;
  // rpd through the ISSU procedure (unset: install does not touch the RPs): chassisd's
  // show-issu-state, and `issu changeversion IMAGE` (answered once started).
  std::function<nlohmann::json()> issu_status;
  std::function<void(const std::string& image, std::function<void(bool ok, std::string)> started)>
      change_version;
};

class InstallService {
 public:
  // `rpd_dirs()`: the image directories of the rpds running now (the other end of the FIB
  // channel, for the compatibility check of a fwdd package).
  InstallService(event::EventLoop& loop, InstallOptions options, const issu::PublicKey& key,
                 std::function<std::vector<std::string>()> rpd_dirs);
  ~InstallService();

  // Loads the record, starts or adopts the components, reverts what was left uncommitted.
  Status start();
  // One install-* or show-install request; the answer is immediate.
  nlohmann::json handle(const nlohmann::json& request);
  nlohmann::json show() const;

  // The process of a supervised component ("fwdd", "gnoid"), or null.
  ComponentProcess* component(const std::string& name);
  std::string recordPath() const { return options_.state_dir + "/install.json"; }

 private:
  nlohmann::json add(const std::vector<std::string>& packages);
  nlohmann::json activate(const std::vector<std::string>& packages, bool test,
                          int64_t auto_abort_min, bool commit);
  // The impact of activating `packages`, with the policy and channel checks of each.
  nlohmann::json impactReport(const std::vector<install::Impact>& impacts, bool* allowed) const;
  nlohmann::json answer(const Result<install::Opened>& opened, const std::string& what);
  // Replaces this chassisd with `package`'s binary ("" : the installed one).
  void switchSelf(const std::string& package);
  // Runs `issu changeversion image` and reports the switch when the procedure is over.
  void switchRpd(const std::string& image);
  void pollRpd(const std::string& image);
  // The image both RPs run with no procedure in progress, else "".
  std::string runningRpd() const;
  // Records an rpd image changed by `hitless issu` as active and committed.
  void followRpd();
  // Carries out the engine's effects until it asks for none.
  void runEffects();
  Status persist() const;

  event::EventLoop& loop_;
  InstallOptions options_;
  const issu::PublicKey& key_;
  std::function<std::vector<std::string>()> rpd_dirs_;
  std::unique_ptr<install::InstallEngine> engine_;
  std::map<std::string, std::unique_ptr<ComponentProcess>> processes_;
  event::TimerId tick_timer_ = 0;
  event::TimerId rpd_timer_ = 0;
  bool running_effects_ = false;
};

}  // namespace hitless::chassis
