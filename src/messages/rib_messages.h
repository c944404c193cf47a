// Messages of the ISSU RIB client (2028): route update (v1, v2), route withdraw (v1). Encoders
// write canonical bytes at the version asked; decoders read exactly that version and skip fields
// they do not know. The TLV transforms between v1 and v2 are what the checkpoint channel uses
// between images; tests prove they agree with the direct codecs.
//
// Route update v2 over v1: next hops carry a weight (required, >= 1) and routes may carry a tag.
// Downgrading to v1 drops both (a v1 image has no unequal-cost multipath or route tags).
#pragma once

#include <string>

#include "base/status.h"
#include "issu/message_set.h"
#include "net/route.h"
#include "wire/tlv.h"

namespace hitless::messages {

void encodeRouteUpdate(const net::Route& route, issu::MessageVersion version, std::string* out);
Result<net::Route> decodeRouteUpdate(wire::ByteView payload, issu::MessageVersion version);

Result<std::string> upgradeRouteUpdateV1(wire::ByteView v1_payload);    // v1 -> v2
Result<std::string> downgradeRouteUpdateV2(wire::ByteView v2_payload);  // v2 -> v1

struct RouteWithdraw {
  net::IpPrefix prefix;
  bool operator==(const RouteWithdraw&) const = default;
};
void encodeRouteWithdraw(const RouteWithdraw& m, std::string* out);
Result<RouteWithdraw> decodeRouteWithdraw(wire::ByteView payload);

}  // namespace hitless::messages
