// Builders of message sets and manifests for the ISSU unit tests.
#pragma once

#include <string>

#include "issu/manifest.h"

namespace hitless::issu::testing {

// A message set with the four base clients; the RIB route message has range [rib_min, rib_max].
// With `optional_bgp`, adds a non-base "BGP NSR" client whose message range is [bgp_min, bgp_max].
MessageSet sampleSet(MessageVersion rib_min, MessageVersion rib_max, bool optional_bgp = false,
                     MessageVersion bgp_min = 1, MessageVersion bgp_max = 1);

// A release manifest, platform linux-x86_64, ISSU-capable, message set sampleSet(1, 1).
Manifest sampleManifest(const std::string& version, const std::string& date);

}  // namespace hitless::issu::testing
