// CompatCheck: the seed's "Software Selector" — everything an operator must know before an ISSU
// between two images: is it allowed (policy, signatures), in which operating mode would the pair
// run (negotiated from the two message sets), and does the stored matrix of the newer image
// agree with that negotiation.
#pragma once

#include <optional>
#include <string>
#include <vector>

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

struct CompatReport {
  ImageSummary running;
  ImageSummary target;
  std::vector<PolicyViolation> violations;
  std::optional<NegotiationResult> negotiation;  // when both manifests were readable
  StoredMatrixCheck stored;

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

}  // namespace hitless::issu
