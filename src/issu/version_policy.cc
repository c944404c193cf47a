#include "issu/version_policy.h"

#include <algorithm>

namespace hitless::issu {

std::string_view policyRuleName(PolicyRule rule) {
  switch (rule) {
    case PolicyRule::kImageSignature:
      return "image-signature";
    case PolicyRule::kImageManifest:
      return "image-manifest";
    case PolicyRule::kRunningNotRelease:
      return "running-not-release";
    case PolicyRule::kTargetNotRelease:
      return "target-not-release";
    case PolicyRule::kRunningNotIssuCapable:
      return "running-not-issu-capable";
    case PolicyRule::kTargetNotIssuCapable:
      return "target-not-issu-capable";
    case PolicyRule::kOutsideWindow:
      return "outside-window";
    case PolicyRule::kMajorRelease:
      return "major-release";
    case PolicyRule::kPlatform:
      return "platform";
    case PolicyRule::kComponent:
      return "component";
    case PolicyRule::kChannel:
      return "channel-incompatible";
  }
  return "unknown";
}

std::vector<PolicyViolation> checkVersionPolicy(const Manifest& running, const Manifest& target,
                                                const PolicyOptions& options) {
  std::vector<PolicyViolation> v;
  const std::string run = running.version.toString();
  const std::string tgt = target.version.toString();

  if (running.component != target.component) {
    v.push_back({PolicyRule::kComponent,
                 "target " + tgt + " is a package of " + target.binaryName() + ", running " + run +
                     " one of " + running.binaryName() +
                     ": a component is upgraded by a package of the same component"});
  }

  if (running.kind != BuildKind::kRelease) {
    v.push_back({PolicyRule::kRunningNotRelease,
                 "running image " + run + " is " + std::string(buildKindName(running.kind)) +
                     " build; interim and special builds carry no compatibility data, so no "
                     "ISSU from them"});
  }
  if (target.kind != BuildKind::kRelease) {
    v.push_back({PolicyRule::kTargetNotRelease,
                 "target image " + tgt + " is " + std::string(buildKindName(target.kind)) +
                     " build; interim and special builds carry no compatibility data, so no "
                     "ISSU to them"});
  }
  if (!running.issu_capable) {
    v.push_back({PolicyRule::kRunningNotIssuCapable,
                 "running image " + run +
                     " is a release from before ISSU support; upgrade it "
                     "with a reload"});
  }
  if (!target.issu_capable) {
    v.push_back({PolicyRule::kTargetNotIssuCapable,
                 "target image " + tgt + " does not support ISSU; install it with a reload"});
  }

  const CalendarDate earliest = running.release_date.addMonths(-options.window_months);
  const CalendarDate latest = running.release_date.addMonths(options.window_months);
  if (target.release_date < earliest || target.release_date > latest) {
    v.push_back({PolicyRule::kOutsideWindow,
                 "release dates " + running.release_date.toString() + " (" + run + ") and " +
                     target.release_date.toString() + " (" + tgt + ") are more than " +
                     std::to_string(options.window_months) +
                     " months apart; the ISSU window from the running release is " +
                     earliest.toString() + " to " + latest.toString()});
  }

  if (running.version.major != target.version.major) {
    const auto& listed = target.major_compat;
    if (std::find(listed.begin(), listed.end(), running.version.major) == listed.end()) {
      v.push_back({PolicyRule::kMajorRelease,
                   "ISSU across major releases " + std::to_string(running.version.major) + " -> " +
                       std::to_string(target.version.major) +
                       " is not supported: the target image does not list major release " +
                       std::to_string(running.version.major) + " as compatible"});
    }
  }

  if (running.platform != target.platform) {
    v.push_back({PolicyRule::kPlatform, "target image is built for platform " + target.platform +
                                            ", this router runs " + running.platform});
  }
  return v;
}

}  // namespace hitless::issu
