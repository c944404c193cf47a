#include "gnoi/chassis_link.h"

#include <chrono>
#include <thread>

#include "control/control_server.h"

namespace hitless::gnoi {

Result<nlohmann::json> ChassisLink::state() const {
  return control::controlRequest(socket_, {{"cmd", "show-issu-state"}}, 5000);
}

Result<nlohmann::json> ChassisLink::installState() const {
  return control::controlRequest(socket_, {{"cmd", "show-install"}}, 5000);
}

Result<std::string> ChassisLink::command(const std::string& cmd, const nlohmann::json& args) const {
  nlohmann::json request = args.is_object() ? args : nlohmann::json::object();
  request["cmd"] = cmd;
  ASSIGN_OR_RETURN(nlohmann::json r, control::controlRequest(socket_, request, 60000));
  if (!r.value("ok", false)) {
    return Status::failedPrecondition(r.value("error", std::string("chassisd refused")));
  }
  return r.value("message", std::string());
}

Result<nlohmann::json> ChassisLink::askActiveRp(const std::string& cmd) const {
  ASSIGN_OR_RETURN(nlohmann::json s, state());
  const auto& slot = s["slots"][s["active_slot"].get<int>()];
  return control::controlRequest(slot["control_socket"].get<std::string>(), {{"cmd", cmd}}, 5000);
}

Result<int> ChassisLink::switchover(int timeout_ms) const {
  ASSIGN_OR_RETURN(nlohmann::json s, state());
  const int from = s["active_slot"];
  if (!s.value("standby_hot", false)) {
    return Status::failedPrecondition("the standby RP is not STANDBY HOT: no hitless switchover");
  }
  ASSIGN_OR_RETURN(nlohmann::json r,
                   control::controlRequest(s["slots"][from]["control_socket"].get<std::string>(),
                                           {{"cmd", "force-switchover"}}, 10000));
  if (!r.value("ok", false)) {
    return Status::failedPrecondition(r.value("error", std::string("the active RP refused")));
  }
  // chassisd learns roles by polling (50 ms): wait for it to see the new active.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = state();
    if (now.isOk() && (*now)["active_slot"].get<int>() != from) {
      return (*now)["active_slot"].get<int>();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll cadence of a wait
  }
  return Status::internal("the switchover did not complete within " +
                          std::to_string(timeout_ms / 1000) + " s");
}

}  // namespace hitless::gnoi
