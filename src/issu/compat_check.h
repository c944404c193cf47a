// CompatCheck: the seed's "Software Selector" — everything an operator must know before an ISSU
// between two packages of one component: is it allowed (policy, signatures), in which operating
// mode would an rpd pair run (negotiated from the two message sets), does the stored matrix of
// the newer image agree with that negotiation — and can the target talk to the other components
// that will run beside it (each channel negotiated from the two manifests' sets).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "issu/image.h"
#include "issu/negotiation.h"
#include "issu/version_policy.h"

namespace hitless::issu {

struct ImageSummary {
  std::string path;
  std::optional<Manifest> manifest;  // absent when the image could not be trusted or read
  std::string key_id;                // of the verifying key, when verified
};

struct StoredMatrixCheck {
  bool consulted = false;               // both manifests were readable
  std::string matrix_owner;             // version whose matrix was read: the newer image's
  std::string peer;                     // the version looked up in it
  std::optional<Compatibility> stored;  // absent: no row for the peer (decided dynamically)
  bool disagrees = false;  // stored row is not dynamic and differs from the negotiation
};

// A channel between the target and another component that runs beside it.
struct ChannelCheck {
  std::string channel;          // kChannelFib
  ImageSummary other;           // the other component's package
  bool legacy_assumed = false;  // a manifest did not list the channel: its binary predates sets
  NegotiationResult negotiation;
};

struct CompatReport {
  ImageSummary running;
  ImageSummary target;
  std::vector<PolicyViolation> violations;
  // rpd: the checkpoint channel between the two images (when both manifests were readable).
  std::optional<NegotiationResult> negotiation;
  StoredMatrixCheck stored;
  std::vector<ChannelCheck> channels;

  bool allowed() const { return violations.empty(); }
};

// Policy, negotiation and matrix for two trusted manifests.
CompatReport evaluateCompat(const Manifest& running, const Manifest& target,
                            const PolicyOptions& options = {});

// Loads and verifies both image directories with `key`, then evaluates. An image that fails
// verification becomes an image-signature or image-manifest violation; the other checks still
// run on whatever could be read, so the operator sees every reason at once.
CompatReport checkCompat(const std::string& running_dir, const std::string& target_dir,
                         const PublicKey& key, const PolicyOptions& options = {});

// "upgrade", "downgrade", "same version" ("" when a manifest could not be read).
std::string upgradeDirection(const CompatReport& r);
// The report as `hitless compat --json` prints it (docs/image-format.md).
nlohmann::json toJson(const CompatReport& r);

// The channel that links components `a` and `b`, if any (kChannelFib: rpd and fwdd).
std::optional<std::string> channelBetween(Component a, Component b);

// What a component whose manifest lists no set for `channel` speaks on it (it predates sets).
using LegacySet = std::function<MessageSet(const std::string& channel)>;

// Verifies each package of `others` (components running beside the target) and negotiates the
// channel it shares with the target; an unverifiable package or an Incompatible channel is a
// violation.
void checkChannels(const std::vector<std::string>& other_dirs, const PublicKey& key,
                   const LegacySet& legacy, CompatReport* report);

}  // namespace hitless::issu
