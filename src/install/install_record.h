// InstallRecord: what `hitless install` knows, kept by chassisd in STATE_DIR/install.json (two
// copies, base/two_copy_file.h). docs/install.md describes the model:
//   added (stored, verified) -> active (running, uncommitted) -> committed (survives a restart).
// Per component one package is active and one committed; an activation that is not committed
// is reverted when chassisd starts again. Every change is a numbered operation with a step log;
// each finished switch or commit is a rollback point (the active set it left).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hitless::install {

// component -> package name (the package's directory in the image store). A component absent
// from a set runs from its installed binary, not from a package (chassisd before its first
// install activate); in a switch's target "" says "back to the installed binary".
using PackageSet = std::map<std::string, std::string>;

struct PackageInfo {
  std::string component;  // "fwdd", ...
  std::string version;    // "1.1.0"
  bool operator==(const PackageInfo&) const = default;
};

enum class OperationState { kRunning, kSucceeded, kFailed, kAborted };
std::string_view operationStateName(OperationState s);

struct OperationStep {
  int64_t time_ms = 0;  // wall clock
  std::string text;
  bool operator==(const OperationStep&) const = default;
};

struct Operation {
  uint64_t id = 0;
  std::string kind;     // add activate deactivate commit rollback remove abort revert
  std::string trigger;  // operator, auto-abort, chassisd-start
  std::vector<std::string> args;
  OperationState state = OperationState::kRunning;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
  PackageSet before;       // the active set when it started
  PackageSet target;       // the active set it moves to (switches); after it, when it succeeded
  bool reverting = false;  // a step failed or it was aborted: going back to `before`
  bool aborted = false;    // by `install abort`
  bool commit_on_success = false;  // an activation that commits itself (gNOI Activate)
  std::string step_component;      // the component being restarted now ("" between steps)
  std::vector<OperationStep> log;
  std::string error;
  bool isSwitch() const;  // activate, deactivate, rollback, revert: it restarts components
  bool operator==(const Operation&) const = default;
};

struct InstallRecord {
  std::map<std::string, PackageInfo> packages;  // every added package, by name
  PackageSet active;
  PackageSet committed;
  std::vector<Operation> operations;  // oldest first; the newest kMaxOperations are kept
  // At most one operation runs; its id (0: none).
  uint64_t running_id = 0;
  uint64_t next_id = 1;
  int64_t auto_abort_at_ms = 0;  // wall clock; 0: no auto-abort timer armed

  static constexpr size_t kMaxOperations = 200;

  const Operation* find(uint64_t id) const;
  Operation* running();
  const Operation* running() const;
  nlohmann::json toJson() const;
  static Result<InstallRecord> fromJson(const nlohmann::json& j);
  bool operator==(const InstallRecord&) const = default;
};

}  // namespace hitless::install
