#include "gnoi/access_policy.h"

namespace hitless::gnoi {

Role AccessPolicy::roleOf(const std::vector<std::string>& common_names) const {
  if (insecure) return Role::kOperator;
  Role best = Role::kNone;
  for (const auto& cn : common_names) {
    if (operators.count(cn)) return Role::kOperator;
    if (viewers.count(cn)) best = Role::kViewer;
  }
  return best;
}

const char* AccessPolicy::roleName(Role r) {
  switch (r) {
    case Role::kOperator:
      return "operator";
    case Role::kViewer:
      return "viewer";
    case Role::kNone:
      break;
  }
  return "none";
}

}  // namespace hitless::gnoi
