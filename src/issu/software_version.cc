#include "issu/software_version.h"

namespace hitless::issu {

Result<SoftwareVersion> SoftwareVersion::parse(std::string_view text) {
  int parts[3] = {0, 0, 0};
  size_t part = 0, digits = 0;
  for (char c : text) {
    if (c == '.') {
      if (digits == 0 || ++part > 2) break;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 5) {
      parts[part] = parts[part] * 10 + (c - '0');
      ++digits;
    } else {
      digits = 0;  // marks the text invalid below
      part = 3;
      break;
    }
  }
  if (part != 2 || digits == 0) {
    return Status::invalidArgument("version '" + std::string(text) +
                                   "' is not of the form MAJOR.MINOR.MAINTENANCE (e.g. 1.1.0)");
  }
  return SoftwareVersion{parts[0], parts[1], parts[2]};
}

std::string SoftwareVersion::toString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(maintenance);
}

std::string SoftwareVersion::train() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace hitless::issu
