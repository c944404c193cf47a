// The releases this source tree can be built as, and the message catalog of each.
//
// One source tree builds several genuinely different rpd images: the release is fixed at compile
// time for a binary (HITLESS_RELEASE), and it decides which message versions the binary
// registers. A 1.0 binary has no code path that emits route update v2 and no transform to it.
//
//   release  RIB route update   meaning
//   1.0      v1                 first ISSU-capable release
//   1.1      v1 ~ v2            adds next-hop weights and route tags; transforms v1 <-> v2
//   2.0      v2                 drops v1: Incompatible with 1.0 (RPR), Compatible with 1.1
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "issu/message_catalog.h"

namespace hitless::messages {

struct Release {
  int major = 1;
  int minor = 0;

  static Result<Release> parse(std::string_view text);  // "1.1"
  std::string toString() const;
  auto operator<=>(const Release&) const = default;
};

inline constexpr Release kRelease1_0{1, 0};
inline constexpr Release kRelease1_1{1, 1};
inline constexpr Release kRelease2_0{2, 0};

// Every release this tree knows, oldest first.
std::vector<Release> knownReleases();

// The catalog of `release`. REQUIRES: release is one of knownReleases().
Result<issu::MessageCatalog> buildCatalog(Release release);

}  // namespace hitless::messages
