#include "chassis/fault_points.h"

#include <charconv>

namespace hitless::chassis {

const std::vector<std::string_view>& issuFaultPointNames() {
  static const std::vector<std::string_view> names = {"persist-before",    "persist-after",
                                                      "reload-stopped",    "reload-started",
                                                      "switchover-before", "switchover-after"};
  return names;
}

const std::vector<std::string_view>& installFaultPointNames() {
  static const std::vector<std::string_view> names = {"install-persist-after", "switch-stopped",
                                                      "switch-started", "switch-ready"};
  return names;
}

const std::vector<std::string_view>& faultPointNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> all = issuFaultPointNames();
    all.insert(all.end(), installFaultPointNames().begin(), installFaultPointNames().end());
    return all;
  }();
  return names;
}

bool isInstallFaultPoint(std::string_view point) {
  for (auto p : installFaultPointNames()) {
    if (p == point) return true;
  }
  return false;
}

const std::vector<std::string_view>& faultActionNames() {
  static const std::vector<std::string_view> names = {"chassisd", "active",       "standby", "both",
                                                      "corrupt",  "corrupt-both", "fwdd"};
  return names;
}

std::string_view faultActionName(FaultAction a) {
  return faultActionNames()[static_cast<size_t>(a)];
}

Result<FaultSpec> parseFaultSpec(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::invalidArgument("fault '" + std::string(text) + "': " + why +
                                   " (POINT:N:ACTION)");
  };
  size_t a = text.find(':'), b = a == std::string_view::npos ? a : text.find(':', a + 1);
  if (b == std::string_view::npos) return bad("expected two ':'");
  FaultSpec spec;
  spec.point = std::string(text.substr(0, a));
  bool known = false;
  for (auto p : faultPointNames()) known = known || p == spec.point;
  if (!known) return bad("unknown point '" + spec.point + "'");
  std::string_view n = text.substr(a + 1, b - a - 1);
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), spec.occurrence);
  if (ec != std::errc() || end != n.data() + n.size() || spec.occurrence < 1) {
    return bad("N must be a positive number");
  }
  std::string_view action = text.substr(b + 1);
  const auto& names = faultActionNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == action) {
      spec.action = static_cast<FaultAction>(i);
      return spec;
    }
  }
  return bad("unknown action '" + std::string(action) + "'");
}

std::optional<FaultAction> FaultPoints::hit(std::string_view point) {
  auto it = hits_.find(point);
  if (it == hits_.end()) it = hits_.emplace(std::string(point), 0).first;
  int n = ++it->second;
  if (armed_ && armed_->point == point && armed_->occurrence == n) return armed_->action;
  return std::nullopt;
}

}  // namespace hitless::chassis
