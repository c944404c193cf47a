// SoftwareVersion: the "major.minor.maintenance" of a release, e.g. 1.1.0. The train is
// "major.minor". Ordering is numeric per component.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hitless::issu {

struct SoftwareVersion {
  int major = 0;
  int minor = 0;
  int maintenance = 0;

  static Result<SoftwareVersion> parse(std::string_view text);  // strict "X.Y.Z"
  std::string toString() const;
  std::string train() const;  // "X.Y"
  auto operator<=>(const SoftwareVersion&) const = default;
};

}  // namespace hitless::issu
