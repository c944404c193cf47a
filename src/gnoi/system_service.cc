#include "gnoi/system_service.h"

#include "base/log.h"

namespace hitless::gnoi {
namespace {

// "RP1" from /components/component[name=RP1] (or a bare last element named RP1).
std::string rpName(const ::gnoi::types::Path& path) {
  if (path.elem_size() == 0) return "";
  const auto& last = path.elem(path.elem_size() - 1);
  auto it = last.key().find("name");
  return it != last.key().end() ? it->second : last.name();
}

void setRpPath(::gnoi::types::Path* path, int slot) {
  path->add_elem()->set_name("components");
  auto* e = path->add_elem();
  e->set_name("component");
  (*e->mutable_key())["name"] = "RP" + std::to_string(slot);
}

}  // namespace

void SystemService::record(::gnoi::system::RebootMethod method, const std::string& reason,
                           const Status& s) {
  last_.active = false;
  last_.when_ns = wallClockNs();
  last_.reason = reason;
  ++last_.count;
  last_.method = method;
  last_.ok = s.isOk();
  last_.message = s.isOk() ? "" : s.message();
}

grpc::Status SystemService::Time(grpc::ServerContext* call, const ::gnoi::system::TimeRequest*,
                                 ::gnoi::system::TimeResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kViewer, "System.Time"); !st.ok()) return st;
  response->set_time(wallClockNs());
  return grpc::Status::OK;
}

grpc::Status SystemService::SwitchControlProcessor(
    grpc::ServerContext* call, const ::gnoi::system::SwitchControlProcessorRequest* request,
    ::gnoi::system::SwitchControlProcessorResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kOperator, "System.SwitchControlProcessor"); !st.ok()) {
    return st;
  }
  const std::string name = rpName(request->control_processor());
  if (name != "RP0" && name != "RP1") {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "control_processor must name RP0 or RP1 (e.g. /components/component[name=RP1]), "
            "not '" +
                name + "'"};
  }
  const int target = name[2] - '0';
  std::lock_guard<std::mutex> lock(mu_);
  auto state = ctx_.chassis.state();
  if (!state.isOk()) return {grpc::StatusCode::UNAVAILABLE, state.status().message()};
  if ((*state)["active_slot"].get<int>() != target) {
    if ((*state)["issu_state"] != "Init") {
      return {grpc::StatusCode::FAILED_PRECONDITION, "an ISSU procedure is in progress (" +
                                                         (*state)["issu_state"].get<std::string>() +
                                                         "); use Activate, or abort it first"};
    }
    logEvent("GNOI", Severity::kNotice, "SWITCH_CONTROL_PROCESSOR", "to " + name);
    auto switched = ctx_.chassis.switchover();
    if (!switched.isOk()) return toGrpc(switched.status());
  }
  setRpPath(response->mutable_control_processor(), target);
  auto rp = ctx_.chassis.activeRp();
  if (rp.isOk()) {
    response->set_version(rp->value("software_version", std::string()));
    response->set_uptime(rp->value("uptime_s", int64_t{0}) * 1000000000);
  }
  return grpc::Status::OK;
}

grpc::Status SystemService::Reboot(grpc::ServerContext* call,
                                   const ::gnoi::system::RebootRequest* request,
                                   ::gnoi::system::RebootResponse*) {
  if (auto st = authorize(ctx_, call, Role::kOperator, "System.Reboot"); !st.ok()) return st;
  const auto method = request->method();
  if (method != ::gnoi::system::NSF && method != ::gnoi::system::COLD) {
    return {grpc::StatusCode::UNIMPLEMENTED,
            "Reboot " + ::gnoi::system::RebootMethod_Name(method) +
                " is not supported: NSF (a hitless switchover) or COLD (both RPs restart)"};
  }
  if (request->delay() != 0 || request->subcomponents_size() != 0) {
    return {grpc::StatusCode::UNIMPLEMENTED, "delay and subcomponents are not supported"};
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_.active = true;
  logEvent("GNOI", Severity::kNotice, "REBOOT",
           ::gnoi::system::RebootMethod_Name(method) + ": " + request->message());
  Status result;
  if (method == ::gnoi::system::NSF) {
    auto state = ctx_.chassis.state();
    if (!state.isOk()) {
      result = state.status();
    } else if ((*state)["issu_state"] != "Init") {
      result = Status::failedPrecondition("an ISSU procedure is in progress; use Activate");
    } else {
      auto switched = ctx_.chassis.switchover();
      result = switched.isOk() ? Status::ok() : switched.status();
    }
  } else {
    auto r = ctx_.chassis.command("chassis-reload");
    result = r.isOk() ? Status::ok() : r.status();
  }
  record(method, request->message(), result);
  return toGrpc(result);
}

grpc::Status SystemService::RebootStatus(grpc::ServerContext* call,
                                         const ::gnoi::system::RebootStatusRequest*,
                                         ::gnoi::system::RebootStatusResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kViewer, "System.RebootStatus"); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  response->set_active(last_.active);
  response->set_when(last_.when_ns);
  response->set_reason(last_.reason);
  response->set_count(last_.count);
  response->set_method(last_.method);
  if (last_.count > 0) {
    response->mutable_status()->set_status(last_.ok ? ::gnoi::system::RebootStatus::STATUS_SUCCESS
                                                    : ::gnoi::system::RebootStatus::STATUS_FAILURE);
    response->mutable_status()->set_message(last_.message);
  }
  return grpc::Status::OK;
}

}  // namespace hitless::gnoi
