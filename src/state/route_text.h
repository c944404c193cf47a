// The text form of routes and RIB changes used by the admin interface, route files and tests:
//   add 198.18.10.0/24 via 198.18.1.2 [dev IFINDEX] [weight W] [via ...] [metric M]
//       [distance D] [proto P] [tag T]
//   del 198.18.10.0/24
// One change per line; '#' starts a comment. Errors name the line and the word.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "state/rib.h"

namespace hitless::state {

Result<RibDelta> parseRouteChanges(std::string_view text);
std::string formatRoute(
    const net::Route& r);  // "198.18.10.0/24 via 198.18.1.2 dev 3 metric 20 ..."

}  // namespace hitless::state
