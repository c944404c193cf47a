// AccessPolicy: who may call which gNOI RPC. A client is known by the common name of the
// certificate it authenticated with (mTLS, verified against the CA bundle); operators may change
// the router (Install, Activate, Reboot, SwitchControlProcessor), viewers may only read
// (Verify, Time, RebootStatus). Any other certificate, or none, is refused.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace hitless::gnoi {

enum class Role { kNone, kViewer, kOperator };

struct AccessPolicy {
  bool insecure = false;  // --insecure-for-tests: no TLS, everyone an operator
  std::set<std::string> operators{"operator"};
  std::set<std::string> viewers{"viewer"};

  Role roleOf(const std::vector<std::string>& common_names) const;
  static const char* roleName(Role r);
};

}  // namespace hitless::gnoi
