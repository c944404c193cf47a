#include "issu/component.h"

namespace hitless::issu {

std::string_view componentName(Component c) {
  switch (c) {
    case Component::kRpd:
      return "rpd";
    case Component::kFwdd:
      return "fwdd";
    case Component::kChassisd:
      return "chassisd";
    case Component::kGnoid:
      return "gnoid";
  }
  return "unknown";
}

std::vector<Component> allComponents() {
  return {Component::kRpd, Component::kFwdd, Component::kChassisd, Component::kGnoid};
}

Result<Component> parseComponent(std::string_view name) {
  for (Component c : allComponents()) {
    if (componentName(c) == name) return c;
  }
  return Status::invalidArgument("component '" + std::string(name) +
                                 "' is not one of rpd, fwdd, chassisd, gnoid");
}

}  // namespace hitless::issu
