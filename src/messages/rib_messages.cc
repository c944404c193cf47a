#include "messages/rib_messages.h"

#include "messages/fields.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {
namespace {

using wire::ByteView;
using wire::TlvField;
using wire::TlvWriter;

void encodeNextHop(TlvWriter& w, const net::NextHop& nh, issu::MessageVersion version) {
  size_t token = w.beginNested(tags::kRouteNextHop);
  if (nh.gateway.family != net::Family::kNone) w.addBytes(tags::kNextHopGateway, nh.gateway.raw());
  if (nh.ifindex != 0) w.addUint(tags::kNextHopIfindex, nh.ifindex);
  if (version >= 2) w.addUint(tags::kNextHopWeight, nh.weight);
  w.endNested(token);
}

Result<net::NextHop> decodeNextHop(ByteView value, issu::MessageVersion version) {
  net::NextHop nh;
  FieldDecoder d("next hop");
  d.address(tags::kNextHopGateway, &nh.gateway, "gateway")
      .uint(tags::kNextHopIfindex, &nh.ifindex, "ifindex");
  if (version >= 2) d.uint(tags::kNextHopWeight, &nh.weight, "weight", Presence::kRequired);
  RETURN_IF_ERROR(d.decode(value));
  if (nh.weight == 0) return Status::corruption("next hop weight is 0");
  if (nh.gateway.family == net::Family::kNone && nh.ifindex == 0) {
    return Status::corruption("next hop has neither gateway nor interface");
  }
  return nh;
}

// Copies every field of a route update, letting `nexthop` rewrite each next hop and `keep`
// drop top-level fields: the common shape of both transforms.
template <typename KeepField, typename RewriteNextHop>
Result<std::string> rewriteRoute(ByteView payload, KeepField keep, RewriteNextHop nexthop) {
  std::string out;
  out.reserve(payload.size() + 16);
  TlvWriter w(&out);
  RETURN_IF_ERROR(forEachField(payload, "route update", [&](const TlvField& f) -> Status {
    if (f.tag == tags::kRouteNextHop) {
      size_t token = w.beginNested(tags::kRouteNextHop);
      RETURN_IF_ERROR(nexthop(f.value, w));
      w.endNested(token);
    } else if (keep(f.tag)) {
      w.addBytes(f.tag, f.value);
    }
    return Status::ok();
  }));
  return out;
}

}  // namespace

void encodeRouteUpdate(const net::Route& route, issu::MessageVersion version, std::string* out) {
  TlvWriter w(out);
  addPrefix(w, tags::kRoutePrefix, route.prefix);
  for (const auto& nh : route.nexthops) encodeNextHop(w, nh, version);
  w.addUint(tags::kRouteProtocol, route.protocol);
  w.addUint(tags::kRouteMetric, route.metric);
  w.addUint(tags::kRouteDistance, route.distance);
  if (version >= 2 && route.tag != 0) w.addUint(tags::kRouteTag, route.tag);
}

Result<net::Route> decodeRouteUpdate(ByteView payload, issu::MessageVersion version) {
  if (version < 1 || version > 2) {
    return Status::unimplemented("route update version " + std::to_string(version));
  }
  net::Route r;
  FieldDecoder d("route update");
  d.prefix(tags::kRoutePrefix, &r.prefix, "prefix", Presence::kRequired)
      .repeated(tags::kRouteNextHop,
                [&](ByteView v) -> Status {
                  ASSIGN_OR_RETURN(net::NextHop nh, decodeNextHop(v, version));
                  r.nexthops.push_back(nh);
                  return Status::ok();
                })
      .uint(tags::kRouteProtocol, &r.protocol, "protocol")
      .uint(tags::kRouteMetric, &r.metric, "metric")
      .uint(tags::kRouteDistance, &r.distance, "distance");
  if (version >= 2) d.uint(tags::kRouteTag, &r.tag, "tag");
  RETURN_IF_ERROR(d.decode(payload));
  for (const auto& nh : r.nexthops) {
    if (nh.gateway.family != net::Family::kNone && nh.gateway.family != r.prefix.address.family) {
      return Status::corruption("route update " + r.prefix.toString() +
                                ": next hop family differs from the prefix");
    }
  }
  return r;
}

Result<std::string> upgradeRouteUpdateV1(ByteView v1_payload) {
  return rewriteRoute(
      v1_payload, [](uint32_t tag) { return tag != tags::kRouteTag; },
      [](ByteView nh, TlvWriter& w) -> Status {
        RETURN_IF_ERROR(forEachField(nh, "next hop", [&](const TlvField& f) -> Status {
          if (f.tag != tags::kNextHopWeight) w.addBytes(f.tag, f.value);
          return Status::ok();
        }));
        w.addUint(tags::kNextHopWeight, 1);  // v1 next hops are equal-cost
        return Status::ok();
      });
}

Result<std::string> downgradeRouteUpdateV2(ByteView v2_payload) {
  return rewriteRoute(
      v2_payload, [](uint32_t tag) { return tag != tags::kRouteTag; },
      [](ByteView nh, TlvWriter& w) -> Status {
        return forEachField(nh, "next hop", [&](const TlvField& f) -> Status {
          if (f.tag != tags::kNextHopWeight) w.addBytes(f.tag, f.value);
          return Status::ok();
        });
      });
}

void encodeRouteWithdraw(const RouteWithdraw& m, std::string* out) {
  TlvWriter w(out);
  addPrefix(w, tags::kWithdrawPrefix, m.prefix);
}

Result<RouteWithdraw> decodeRouteWithdraw(ByteView payload) {
  RouteWithdraw m;
  RETURN_IF_ERROR(FieldDecoder("route withdraw")
                      .prefix(tags::kWithdrawPrefix, &m.prefix, "prefix", Presence::kRequired)
                      .decode(payload));
  return m;
}

}  // namespace hitless::messages
