// The ISSU version policy: may the running image be upgraded (or downgraded) to the target with
// ISSU at all? It applies per component: both packages must hold the same one (rpd, fwdd, ...).
// Each rule is its own stable code with a one-line reason an operator understands. Signature and
// manifest checks happen when the images are loaded (image.h); this is about two trusted manifests.
// The result lists every violation, not just the first, so one run of the compat tool tells the
// operator everything that stands in the way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "issu/manifest.h"

namespace hitless::issu {

// Numbers are stable (JSON output, exit reasons); names are what the CLI prints in brackets.
enum class PolicyRule : int {
  kImageSignature = 1,         // "image-signature": unsigned, bad signature, tampered file
  kImageManifest = 2,          // "image-manifest": unreadable or malformed manifest
  kRunningNotRelease = 3,      // "running-not-release": interim/special running image
  kTargetNotRelease = 4,       // "target-not-release": interim/special target image
  kRunningNotIssuCapable = 5,  // "running-not-issu-capable": release from before ISSU support
  kTargetNotIssuCapable = 6,   // "target-not-issu-capable"
  kOutsideWindow = 7,          // "outside-window": release dates > 18 months apart
  kMajorRelease = 8,           // "major-release": different major, not listed in major_compat
  kPlatform = 9,               // "platform": built for another platform
  kComponent = 10,             // "component": the packages hold different components
  kChannel = 11,               // "channel-incompatible": cannot talk to a running component
};

std::string_view policyRuleName(PolicyRule rule);

struct PolicyViolation {
  PolicyRule rule;
  std::string reason;
  bool operator==(const PolicyViolation&) const = default;
};

struct PolicyOptions {
  int window_months = 18;  // rolling window around the running release's date
};

std::vector<PolicyViolation> checkVersionPolicy(const Manifest& running, const Manifest& target,
                                                const PolicyOptions& options = {});

}  // namespace hitless::issu
