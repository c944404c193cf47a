// ChassisLink: what the gNOI services ask of the router, over the local control sockets —
// chassisd's for the ISSU procedure (the same requests `hitless issu ...` sends) and the active
// RP's for a planned switchover. Blocking; each call bounded in time.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hitless::gnoi {

class ChassisLink {
 public:
  explicit ChassisLink(std::string chassis_socket) : socket_(std::move(chassis_socket)) {}

  // chassisd's show-issu-state answer.
  Result<nlohmann::json> state() const;
  // chassisd's show-install answer (the install record and the component processes).
  Result<nlohmann::json> installState() const;
  // An ISSU command; its one-line answer, or FailedPrecondition with chassisd's refusal.
  Result<std::string> command(const std::string& cmd, const nlohmann::json& args = {}) const;
  // A planned switchover, asked of the active RP; waits (bounded) until chassisd sees the other
  // slot active. Returns the new active slot.
  Result<int> switchover(int timeout_ms = 30000) const;
  // The active RP's show-redundancy answer (uptime, version).
  Result<nlohmann::json> activeRp() const { return askActiveRp("show-redundancy"); }
  // The active RP's answer to a read-only control command ("show-bgp-summary", ...).
  Result<nlohmann::json> askActiveRp(const std::string& cmd) const;

 private:
  std::string socket_;
};

}  // namespace hitless::gnoi
