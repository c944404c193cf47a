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

// Route updates are most of every bulk sync, so their decoders are direct loops over the fields
// rather than FieldDecoder bindings — with FieldDecoder's rules and messages: a singular field
// appears once, unknown tags are skipped, a missing required field is named.
Status markSeen(uint32_t* seen, uint32_t tag, const char* name) {
  if (*seen & (1u << tag)) return Status::corruption(std::string(name) + " appears twice");
  *seen |= 1u << tag;
  return Status::ok();
}

// A singular field: marked seen (a second one is an error), read by `read` (a reader returning
// Result), stored in *out; a read error is named after the field.
template <typename T, typename Read>
Status readOnce(const TlvField& f, uint32_t* seen, const char* name, T* out, Read read) {
  RETURN_IF_ERROR(markSeen(seen, f.tag, name));
  auto v = read(f);
  if (!v.isOk()) return v.status().withContext(name);
  *out = *v;
  return Status::ok();
}

template <typename T>
Status uintOnce(const TlvField& f, uint32_t* seen, const char* name, T* out) {
  return readOnce(f, seen, name, out, readUint<T>);
}

Status decodeNextHopField(const TlvField& f, net::NextHop* nh, uint32_t* seen,
                          issu::MessageVersion version) {
  switch (f.tag) {
    case tags::kNextHopGateway:
      return readOnce(f, seen, "gateway", &nh->gateway, readAddress);
    case tags::kNextHopIfindex:
      return uintOnce(f, seen, "ifindex", &nh->ifindex);
    case tags::kNextHopWeight:
      if (version < 2) return Status::ok();  // not a v1 field: skipped like any unknown tag
      return uintOnce(f, seen, "weight", &nh->weight);
    default:
      return Status::ok();  // a field from a newer version
  }
}

Result<net::NextHop> decodeNextHop(ByteView value, issu::MessageVersion version) {
  net::NextHop nh;
  uint32_t seen = 0;
  RETURN_IF_ERROR(forEachField(value, "next hop", [&](const TlvField& f) {
    return decodeNextHopField(f, &nh, &seen, version);
  }));
  if (version >= 2 && (seen & (1u << tags::kNextHopWeight)) == 0) {
    return Status::corruption("next hop: required field weight is missing");
  }
  if (nh.weight == 0) return Status::corruption("next hop weight is 0");
  if (nh.gateway.family == net::Family::kNone && nh.ifindex == 0) {
    return Status::corruption("next hop has neither gateway nor interface");
  }
  return nh;
}

Status decodeRouteField(const TlvField& f, net::Route* r, uint32_t* seen,
                        issu::MessageVersion version) {
  switch (f.tag) {
    case tags::kRoutePrefix:
      return readOnce(f, seen, "prefix", &r->prefix, readPrefix);
    case tags::kRouteNextHop: {
      ASSIGN_OR_RETURN(net::NextHop nh, decodeNextHop(f.value, version));
      r->nexthops.push_back(nh);
      return Status::ok();
    }
    case tags::kRouteProtocol:
      return uintOnce(f, seen, "protocol", &r->protocol);
    case tags::kRouteMetric:
      return uintOnce(f, seen, "metric", &r->metric);
    case tags::kRouteDistance:
      return uintOnce(f, seen, "distance", &r->distance);
    case tags::kRouteTag:
      if (version < 2) return Status::ok();
      return uintOnce(f, seen, "tag", &r->tag);
    default:
      return Status::ok();
  }
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
  out->reserve(out->size() + 48 + 40 * route.nexthops.size());  // one allocation at most
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
  uint32_t seen = 0;
  RETURN_IF_ERROR(forEachField(payload, "route update", [&](const TlvField& f) {
    return decodeRouteField(f, &r, &seen, version);
  }));
  if ((seen & (1u << tags::kRoutePrefix)) == 0) {
    return Status::corruption("route update: required field prefix is missing");
  }
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
