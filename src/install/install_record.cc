#include "install/install_record.h"

#include <array>

namespace hitless::install {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;
constexpr std::array<std::string_view, 4> kStateNames = {"running", "succeeded", "failed",
                                                         "aborted"};

Result<OperationState> parseState(const std::string& name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<OperationState>(i);
  }
  return Status::corruption("unknown operation state '" + name + "'");
}

json operationJson(const Operation& op) {
  json log = json::array();
  for (const auto& step : op.log) log.push_back({{"time_ms", step.time_ms}, {"text", step.text}});
  return {{"id", op.id},
          {"kind", op.kind},
          {"trigger", op.trigger},
          {"args", op.args},
          {"state", operationStateName(op.state)},
          {"started_ms", op.started_ms},
          {"ended_ms", op.ended_ms},
          {"before", op.before},
          {"target", op.target},
          {"reverting", op.reverting},
          {"aborted", op.aborted},
          {"commit_on_success", op.commit_on_success},
          {"step_component", op.step_component},
          {"log", log},
          {"error", op.error}};
}

Result<Operation> operationFromJson(const json& j) {
  Operation op;
  op.id = j.at("id").get<uint64_t>();
  op.kind = j.at("kind").get<std::string>();
  op.trigger = j.at("trigger").get<std::string>();
  op.args = j.at("args").get<std::vector<std::string>>();
  ASSIGN_OR_RETURN(op.state, parseState(j.at("state").get<std::string>()));
  op.started_ms = j.at("started_ms").get<int64_t>();
  op.ended_ms = j.at("ended_ms").get<int64_t>();
  op.before = j.at("before").get<PackageSet>();
  op.target = j.at("target").get<PackageSet>();
  op.reverting = j.at("reverting").get<bool>();
  op.aborted = j.at("aborted").get<bool>();
  op.commit_on_success = j.at("commit_on_success").get<bool>();
  op.step_component = j.at("step_component").get<std::string>();
  for (const auto& step : j.at("log")) {
    op.log.push_back({step.at("time_ms").get<int64_t>(), step.at("text").get<std::string>()});
  }
  op.error = j.at("error").get<std::string>();
  return op;
}

}  // namespace

std::string_view operationStateName(OperationState s) {
  return kStateNames[static_cast<size_t>(s)];
}

bool Operation::isSwitch() const {
  return kind == "activate" || kind == "deactivate" || kind == "rollback" || kind == "revert" ||
         kind == "abort";  // not "follow": what it records happened outside install
}

const Operation* InstallRecord::find(uint64_t id) const {
  for (const auto& op : operations) {
    if (op.id == id) return &op;
  }
  return nullptr;
}

Operation* InstallRecord::running() {
  for (auto& op : operations) {
    if (op.id == running_id && op.state == OperationState::kRunning) return &op;
  }
  return nullptr;
}

const Operation* InstallRecord::running() const {
  return const_cast<InstallRecord*>(this)->running();
}

json InstallRecord::toJson() const {
  json pkgs = json::object();
  for (const auto& [name, info] : packages) {
    pkgs[name] = {{"component", info.component}, {"version", info.version}};
  }
  json ops = json::array();
  for (const auto& op : operations) ops.push_back(operationJson(op));
  return {{"format", kFormat},        {"packages", pkgs},
          {"active", active},         {"committed", committed},
          {"operations", ops},        {"next_id", next_id},
          {"running_id", running_id}, {"auto_abort_at_ms", auto_abort_at_ms}};
}

Result<InstallRecord> InstallRecord::fromJson(const json& j) {
  if (!j.is_object()) return Status::corruption("install record is not a JSON object");
  try {
    if (j.at("format").get<int>() != kFormat) {
      return Status::unimplemented("install record format " + j.at("format").dump() +
                                   " is not one this chassisd reads (" + std::to_string(kFormat) +
                                   ")");
    }
    InstallRecord r;
    for (const auto& [name, info] : j.at("packages").items()) {
      r.packages[name] = {info.at("component").get<std::string>(),
                          info.at("version").get<std::string>()};
    }
    r.active = j.at("active").get<PackageSet>();
    r.committed = j.at("committed").get<PackageSet>();
    for (const auto& op : j.at("operations")) {
      ASSIGN_OR_RETURN(Operation parsed, operationFromJson(op));
      r.operations.push_back(std::move(parsed));
    }
    r.next_id = j.at("next_id").get<uint64_t>();
    r.running_id = j.at("running_id").get<uint64_t>();
    r.auto_abort_at_ms = j.at("auto_abort_at_ms").get<int64_t>();
    return r;
  } catch (const json::exception& e) {
    return Status::corruption(std::string("install record: ") + e.what());
  }
}

}  // namespace hitless::install
