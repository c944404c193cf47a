#include "install/install_engine.h"

#include <algorithm>

namespace hitless::install {
namespace {

std::string shown(const std::string& package) {
  return package.empty() ? "(installed binary)" : package;
}

std::string describeSet(const PackageSet& set) {
  std::string out;
  for (const auto& [component, package] : set) {
    out += (out.empty() ? "" : ", ") + component + " " + shown(package);
  }
  return out.empty() ? "(installed binaries only)" : out;
}

std::string packageOf(const PackageSet& set, const std::string& component) {
  auto it = set.find(component);
  return it == set.end() ? "" : it->second;
}

void setPackage(PackageSet& set, const std::string& component, const std::string& package) {
  if (package.empty()) {
    set.erase(component);
  } else {
    set[component] = package;
  }
}

// `target` naming every component `active` has: one it does not name goes back to its
// installed binary ("").
PackageSet withAllComponents(PackageSet target, const PackageSet& active) {
  for (const auto& [component, package] : active) target.try_emplace(component, "");
  return target;
}

bool isUncommitted(const PackageSet& active, const PackageSet& committed) {
  return withAllComponents(active, committed) != withAllComponents(committed, active);
}

}  // namespace

std::vector<std::string> switchOrder(const PackageSet& target) {
  static const std::vector<std::string> kOrder = {"fwdd", "gnoid", "chassisd", "rpd"};
  std::vector<std::string> out;
  for (const auto& c : kOrder) {
    if (target.count(c) != 0) out.push_back(c);
  }
  for (const auto& [c, p] : target) {
    if (std::find(kOrder.begin(), kOrder.end(), c) == kOrder.end()) out.push_back(c);
  }
  return out;
}

InstallEngine::InstallEngine(InstallRecord record, std::set<std::string> switchable)
    : r_(std::move(record)), switchable_(std::move(switchable)) {}

std::optional<uint64_t> InstallEngine::runningId() const {
  const Operation* op = r_.running();
  return op != nullptr ? std::optional<uint64_t>(op->id) : std::nullopt;
}

std::vector<Effect> InstallEngine::takeEffects() { return std::exchange(effects_, {}); }

Status InstallEngine::refuseWhileRunning() const {
  if (const Operation* op = r_.running()) {
    return Status::failedPrecondition("install operation " + std::to_string(op->id) + " (" +
                                      op->kind +
                                      ") is in progress; wait for it or run "
                                      "'install abort'");
  }
  return Status::ok();
}

Operation& InstallEngine::open(std::string kind, std::vector<std::string> args, std::string trigger,
                               int64_t now) {
  Operation op;
  op.id = r_.next_id++;
  op.kind = std::move(kind);
  op.args = std::move(args);
  op.trigger = std::move(trigger);
  op.started_ms = now;
  op.before = r_.active;
  r_.operations.push_back(std::move(op));
  if (r_.operations.size() > InstallRecord::kMaxOperations) {
    r_.operations.erase(r_.operations.begin());
  }
  return r_.operations.back();
}

void InstallEngine::note(Operation& op, std::string text, int64_t now) {
  op.log.push_back({now, std::move(text)});
}

void InstallEngine::finish(Operation& op, OperationState state, int64_t now) {
  op.state = state;
  op.ended_ms = now;
  if (state == OperationState::kSucceeded && op.isSwitch()) op.target = r_.active;
  if (r_.running_id == op.id) r_.running_id = 0;
  note(op, "ended: " + std::string(operationStateName(state)), now);
  persist();
}

void InstallEngine::bootstrap(const std::string& component, const std::string& package,
                              int64_t now) {
  if (r_.committed.count(component) != 0) return;
  Operation& op = open("bootstrap", {package}, "chassisd-start", now);
  r_.active[component] = r_.committed[component] = package;
  note(op, component + " runs " + package + " from first start; committed", now);
  finish(op, OperationState::kSucceeded, now);
  op.target = r_.active;
}

void InstallEngine::follow(const std::string& component, const std::string& package, int64_t now) {
  if (r_.running() != nullptr || package.empty()) return;
  if (packageOf(r_.active, component) == package && packageOf(r_.committed, component) == package) {
    return;
  }
  Operation& op = open("follow", {package}, "issu", now);
  note(op, component + " runs " + package + " (changed outside install: committed as it is)", now);
  r_.active[component] = r_.committed[component] = package;
  op.target = r_.active;
  finish(op, OperationState::kSucceeded, now);
}

void InstallEngine::startup(const PackageSet& running, int64_t now) {
  Operation* op = r_.running();
  // This start may be the step itself: chassisd re-exec'd into the package it was asked to run.
  bool reexeced = false;
  if (op != nullptr) {
    const std::string& component = op->step_component;
    const PackageSet want = withAllComponents(op->reverting ? op->before : op->target, r_.active);
    auto now_runs = running.find(component);
    reexeced = component == kSelfComponent && now_runs != running.end() &&
               want.count(component) != 0 && want.at(component) == now_runs->second;
  }
  for (const auto& [component, package] : running) setPackage(r_.active, component, package);
  if (op != nullptr) {
    const std::string component = std::exchange(op->step_component, "");
    if (reexeced) {
      note(*op, component + " runs " + shown(running.at(component)) + " (re-exec'd into it)", now);
      persist();
      return step(now);
    }
    // chassisd starts the committed packages: an operation whose target they are (an abort, a
    // revert, a rollback to the committed set) is done by that start, not cut off by it — even
    // one that was going back when chassisd died: the record says where things are.
    const bool reached =
        !isUncommitted(r_.active, r_.committed) && !isUncommitted(r_.active, op->target);
    note(*op,
         reached ? "chassisd restarted during this operation and started the committed "
                   "packages, which are its target: it ends here, done"
                 : "chassisd restarted during this operation: it ends here, and the "
                   "uncommitted packages are reverted",
         now);
    finish(*op, reached ? OperationState::kSucceeded : OperationState::kAborted, now);
  }
  r_.auto_abort_at_ms = 0;
  persist();
  if (isUncommitted(r_.active, r_.committed)) {
    (void)startSwitch("revert", {}, r_.committed, "chassisd-start", now);
  }
}

Result<Opened> InstallEngine::add(const std::vector<std::pair<std::string, PackageInfo>>& packages,
                                  int64_t now, const std::string& trigger) {
  RETURN_IF_ERROR(refuseWhileRunning());
  if (packages.empty()) return Status::invalidArgument("install add: name at least one package");
  std::vector<std::string> names;
  for (const auto& [name, info] : packages) names.push_back(name);
  Operation& op = open("add", names, trigger, now);
  Opened opened{op.id, {}};
  for (const auto& [name, info] : packages) {
    auto known = r_.packages.find(name);
    if (known != r_.packages.end() && known->second == info) {
      opened.notes.push_back(name + " was already added");
    }
    r_.packages[name] = info;
    note(op, "added " + name + ": " + info.component + " " + info.version, now);
  }
  finish(op, OperationState::kSucceeded, now);
  return opened;
}

Result<std::vector<Impact>> InstallEngine::impact(const std::vector<std::string>& packages) const {
  if (packages.empty()) return Status::invalidArgument("name at least one package to activate");
  std::vector<Impact> out;
  std::set<std::string> components;
  for (const auto& name : packages) {
    auto it = r_.packages.find(name);
    if (it == r_.packages.end()) {
      return Status::notFound("package " + name + " was not added (hitless install add " + name +
                              ")");
    }
    const PackageInfo& info = it->second;
    if (switchable_.count(info.component) == 0) {
      return Status::unimplemented("package " + name + " is a " + info.component +
                                   " package; this chassis activates packages of: " + [&] {
                                     std::string list;
                                     for (const auto& c : switchable_) {
                                       list += (list.empty() ? "" : ", ") + c;
                                     }
                                     return list;
                                   }());
    }
    if (!components.insert(info.component).second) {
      return Status::invalidArgument("two " + info.component +
                                     " packages named: activate one per component");
    }
    Impact impact{name, info, {}, {}};
    auto current = r_.active.find(info.component);
    if (current != r_.active.end()) {
      if (current->second == name) {
        return Status::alreadyExists("package " + name + " is already active");
      }
      impact.from_package = current->second;
      auto from = r_.packages.find(current->second);
      if (from != r_.packages.end()) impact.from_version = from->second.version;
    }
    out.push_back(std::move(impact));
  }
  return out;
}

Result<Opened> InstallEngine::activate(const std::vector<std::string>& packages,
                                       int64_t auto_abort_ms, int64_t now, bool commit) {
  RETURN_IF_ERROR(refuseWhileRunning());
  ASSIGN_OR_RETURN(std::vector<Impact> impacts, impact(packages));
  PackageSet target = r_.active;
  for (const auto& i : impacts) target[i.info.component] = i.package;
  ASSIGN_OR_RETURN(Opened opened,
                   startSwitch("activate", packages, target, "operator", now, commit));
  if (commit) return opened;
  r_.auto_abort_at_ms = auto_abort_ms > 0 ? now + auto_abort_ms : 0;
  opened.notes.push_back(
      "this activation is not committed: it is reverted when chassisd restarts" +
      std::string(auto_abort_ms > 0
                      ? ", or by itself in " + std::to_string(auto_abort_ms / 60000) + " min,"
                      : "") +
      " unless you run 'hitless install commit'");
  return opened;
}

Result<Opened> InstallEngine::deactivate(const std::vector<std::string>& packages, int64_t now) {
  RETURN_IF_ERROR(refuseWhileRunning());
  if (packages.empty()) return Status::invalidArgument("name at least one package to deactivate");
  PackageSet target = r_.active;
  for (const auto& name : packages) {
    auto info = r_.packages.find(name);
    if (info == r_.packages.end() || packageOf(r_.active, info->second.component) != name) {
      return Status::failedPrecondition("package " + name + " is not active");
    }
    const std::string& component = info->second.component;
    auto committed = r_.committed.find(component);
    if (committed == r_.committed.end() && component == kSelfComponent) {
      target[component] = "";  // back to the installed binary
      continue;
    }
    if (committed == r_.committed.end() || committed->second == name) {
      return Status::failedPrecondition("package " + name + " is the committed " + component +
                                        ": a " + component + " must run; activate another " +
                                        component + " package instead");
    }
    target[component] = committed->second;
  }
  return startSwitch("deactivate", packages, target, "operator", now);
}

Result<Opened> InstallEngine::commit(int64_t now) {
  RETURN_IF_ERROR(refuseWhileRunning());
  if (r_.active == r_.committed) {
    return Status::failedPrecondition("nothing to commit: the active packages are committed");
  }
  Operation& op = open("commit", {}, "operator", now);
  note(op, "committed: " + describeSet(r_.active) + " (was " + describeSet(r_.committed) + ")",
       now);
  r_.committed = r_.active;
  r_.auto_abort_at_ms = 0;
  op.target = r_.active;
  finish(op, OperationState::kSucceeded, now);
  return Opened{op.id, {}};
}

Result<Opened> InstallEngine::rollback(std::optional<uint64_t> point, int64_t now) {
  RETURN_IF_ERROR(refuseWhileRunning());
  PackageSet set = r_.committed;
  std::string arg = "committed";
  if (point) {
    arg = std::to_string(*point);
    auto points = rollbackPoints();
    auto it = std::find_if(points.begin(), points.end(),
                           [&](const RollbackPoint& p) { return p.id == *point; });
    if (it == points.end()) {
      return Status::notFound("no rollback point " + arg + " (show install rollback)");
    }
    if (!it->missing.empty()) {
      return Status::failedPrecondition("rollback point " + arg + " is unreachable: package " +
                                        it->missing.front() + " was removed");
    }
    set = it->set;
  }
  PackageSet target = r_.active;
  if (!point) set = withAllComponents(set, r_.active);
  for (const auto& [component, package] : set) {
    if (switchable_.count(component) != 0) target[component] = package;
  }
  if (!isUncommitted(target, r_.active)) {
    return Status::failedPrecondition("already at " + std::string(point ? "rollback point " : "") +
                                      arg + ": nothing to change");
  }
  return startSwitch("rollback", {arg}, target, "operator", now);
}

Result<Opened> InstallEngine::remove(const std::vector<std::string>& packages, int64_t now) {
  RETURN_IF_ERROR(refuseWhileRunning());
  auto in_use = [&](const std::string& name) -> std::string {
    for (const auto& [c, p] : r_.active) {
      if (p == name) return "active";
    }
    for (const auto& [c, p] : r_.committed) {
      if (p == name) return "committed";
    }
    return "";
  };
  std::vector<std::string> names = packages;
  if (names.empty()) {
    for (const auto& [name, info] : r_.packages) {
      if (in_use(name).empty()) names.push_back(name);
    }
    if (names.empty()) return Status::failedPrecondition("no inactive packages to remove");
  }
  for (const auto& name : names) {
    if (r_.packages.count(name) == 0) return Status::notFound("package " + name + " was not added");
    if (std::string use = in_use(name); !use.empty()) {
      return Status::failedPrecondition("package " + name + " is " + use +
                                        "; it cannot be removed");
    }
  }
  std::vector<RollbackPoint> reachable;
  for (auto& p : rollbackPoints()) {
    if (p.missing.empty()) reachable.push_back(std::move(p));
  }
  Operation& op = open("remove", names, "operator", now);
  Opened opened{op.id, {}};
  for (const auto& name : names) {
    r_.packages.erase(name);
    note(op, "removed " + name, now);
  }
  for (const auto& p : reachable) {
    for (const auto& [component, package] : p.set) {
      if (r_.packages.count(package) == 0) {
        std::string warning = "rollback point " + std::to_string(p.id) +
                              " becomes unreachable (it needs " + package + ")";
        note(op, warning, now);
        opened.notes.push_back("warning: " + warning);
        break;
      }
    }
  }
  effects_.push_back({Effect::Kind::kDeletePackages, {}, {}, names});
  finish(op, OperationState::kSucceeded, now);
  return opened;
}

Result<Opened> InstallEngine::abort(int64_t now) {
  if (Operation* op = r_.running()) {
    if (op->reverting) {
      return Status::failedPrecondition("install operation " + std::to_string(op->id) +
                                        " is already going back");
    }
    op->reverting = op->aborted = true;
    note(*op, "abort requested: going back to " + describeSet(op->before), now);
    persist();
    // The step in flight ends first; step() then turns back.
    if (op->step_component.empty()) step(now);
    return Opened{op->id, {"operation " + std::to_string(op->id) + " is going back"}};
  }
  if (!isUncommitted(r_.active, r_.committed)) {
    return Status::failedPrecondition(
        "no install operation in progress and nothing uncommitted to abort");
  }
  return startSwitch("abort", {}, r_.committed, "operator", now);
}

Result<Opened> InstallEngine::startSwitch(std::string kind, std::vector<std::string> args,
                                          PackageSet target, std::string trigger, int64_t now,
                                          bool commit) {
  Operation& op = open(std::move(kind), std::move(args), std::move(trigger), now);
  op.target = std::move(target);
  op.commit_on_success = commit;
  r_.running_id = op.id;
  note(op, "from " + describeSet(op.before) + " to " + describeSet(op.target), now);
  if (op.kind != "activate") r_.auto_abort_at_ms = 0;
  uint64_t id = op.id;
  step(now);
  return Opened{id, {}};
}

void InstallEngine::step(int64_t now) {
  Operation* op = r_.running();
  if (op == nullptr) return;
  const PackageSet want = withAllComponents(op->reverting ? op->before : op->target, r_.active);
  for (const auto& component : switchOrder(want)) {
    const std::string& package = want.at(component);
    if (packageOf(r_.active, component) == package) continue;
    note(*op,
         "restarting " + component + ": " + shown(packageOf(r_.active, component)) + " -> " +
             shown(package),
         now);
    op->step_component = component;
    persist();  // the record names the step before the process changes
    effects_.push_back({Effect::Kind::kSwitch, component, package, {}});
    return;
  }
  if (!op->reverting) {
    if (op->commit_on_success) {
      r_.committed = r_.active;
      r_.auto_abort_at_ms = 0;
      note(*op, "committed: " + describeSet(r_.committed), now);
    }
    return finish(*op, OperationState::kSucceeded, now);
  }
  finish(*op, op->aborted ? OperationState::kAborted : OperationState::kFailed, now);
}

void InstallEngine::switchDone(const Status& result, const std::string& running_package,
                               int64_t now) {
  Operation* op = r_.running();
  if (op == nullptr || op->step_component.empty()) return;
  const std::string component = std::exchange(op->step_component, "");
  setPackage(r_.active, component, running_package);
  if (result.isOk()) {
    note(*op, component + " runs " + shown(running_package), now);
    return step(now);
  }
  note(*op, component + " failed: " + result.message() + "; it runs " + shown(running_package),
       now);
  if (op->reverting) {
    op->error += (op->error.empty() ? "" : "; ") + ("going back failed: " + result.message());
    return finish(*op, OperationState::kFailed, now);
  }
  op->error = result.message();
  op->reverting = true;
  note(*op, "going back to " + describeSet(op->before), now);
  step(now);
}

void InstallEngine::tick(int64_t now) {
  if (r_.auto_abort_at_ms == 0 || now < r_.auto_abort_at_ms || r_.running() != nullptr) return;
  r_.auto_abort_at_ms = 0;
  if (!isUncommitted(r_.active, r_.committed)) return persist();
  (void)startSwitch("rollback", {"committed"}, r_.committed, "auto-abort", now);
}

std::vector<RollbackPoint> InstallEngine::rollbackPoints() const {
  std::vector<RollbackPoint> out;
  for (const auto& op : r_.operations) {
    if (op.state != OperationState::kSucceeded || op.target.empty()) continue;
    if (!op.isSwitch() && op.kind != "commit" && op.kind != "bootstrap" && op.kind != "follow")
      continue;
    RollbackPoint p{op.id, op.kind, op.target, {}};
    for (const auto& [component, package] : op.target) {
      if (r_.packages.count(package) == 0) p.missing.push_back(package);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace hitless::install
