// The FIB channel's message set and transforms for each release of each of its two ends — the
// active rpd and fwdd — negotiated at every hello as the checkpoint session's are
// (docs/fib-channel.md). fwdd is a component with releases of its own; one source tree builds
// them as it builds rpd's (HITLESS_FWDD_RELEASE).
//
//   end   release  FIB commit reply  RIB route update  meaning
//   rpd   1.0      v1                v1
//   rpd   1.1      v1 ~ v2           v1 ~ v2           shows fwdd's time per batch
//   rpd   2.0      v1 ~ v2           v2
//   fwdd  1.0      v1                v1 ~ v2           decodes both route versions
//   fwdd  1.1      v1 ~ v2           v1 ~ v2           reports its time per batch
// The other FIB messages (hello, hello reply, commit) and route withdraw are v1 everywhere; the
// hello and its reply are frozen at v1 (they carry the sets).
#pragma once

#include <vector>

#include "issu/message_catalog.h"
#include "messages/release.h"

namespace hitless::messages {

enum class FibEnd { kRpd, kFwdd };

inline constexpr Release kFwdd1_0{1, 0};
inline constexpr Release kFwdd1_1{1, 1};
std::vector<Release> knownFwddReleases();  // oldest first

// The catalog of `end` at `release` (an rpd release of knownReleases(), a fwdd release of
// knownFwddReleases()).
Result<issu::MessageCatalog> buildFibCatalog(FibEnd end, Release release);

// What an end that sends no message set in its hello speaks: it predates FIB negotiation (every
// FIB message v1; routes as fwdd has always decoded them).
issu::MessageSet legacyFibMessageSet();

}  // namespace hitless::messages
