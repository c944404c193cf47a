#include "bgp/path_attributes.h"

#include "bgp/bgp_wire.h"

namespace hitless::bgp::attrs {
namespace {

using namespace wire;

BgpError updateError(uint8_t subcode, std::string reason) {
  return {err::kUpdate, subcode, {}, std::move(reason)};
}

std::optional<BgpError> origin(std::string_view value, Context& c) {
  Reader v(value);
  uint8_t o = 0;
  if (value.size() != 1) {
    c.treatAsWithdraw(err::kAttributeLength, "ORIGIN length " + std::to_string(value.size()));
  } else if (v.u8(&o); o > 2) {
    c.treatAsWithdraw(err::kInvalidOrigin, "ORIGIN value " + std::to_string(o));
  } else {
    c.message.attrs.origin = static_cast<Origin>(o);
  }
  return std::nullopt;
}

std::optional<BgpError> asPath(std::string_view value, Context& c) {
  PathAttributes& a = c.message.attrs;
  const size_t as_size = c.options.four_octet_as ? 4 : 2;
  Reader v(value);
  while (v.left() > 0) {
    uint8_t seg_type, seg_len;
    std::string_view seg;
    if (!v.u8(&seg_type) || !v.u8(&seg_len) || !v.take(seg_len * as_size, &seg) ||
        (seg_type != kAsSet && seg_type != kAsSequence) || seg_len == 0) {
      c.treatAsWithdraw(err::kMalformedAsPath, "AS_PATH segment malformed");
      a.as_path.clear();
      break;
    }
    Reader s(seg);
    for (int i = 0; i < seg_len; ++i) {
      uint32_t asn = 0;
      if (as_size == 4) {
        s.u32(&asn);
      } else {
        uint16_t a16 = 0;
        s.u16(&a16);
        asn = a16;
      }
      a.as_path.push_back(asn);
    }
    if (seg_type == kAsSet) ++a.as_path_sets;
  }
  return std::nullopt;
}

std::optional<BgpError> nextHop(std::string_view value, Context& c) {
  if (value.size() != 4) {
    c.treatAsWithdraw(err::kAttributeLength, "NEXT_HOP length " + std::to_string(value.size()));
    return std::nullopt;
  }
  net::IpAddress& nh = c.message.attrs.next_hop;
  nh = *net::IpAddress::fromBytes(value);
  uint8_t first = static_cast<uint8_t>(value[0]);
  if (first == 0 || first == 127 || first >= 224) {
    c.treatAsWithdraw(err::kInvalidNextHop, "NEXT_HOP " + nh.toString());
  }
  return std::nullopt;
}

// A 4-byte attribute into `field`.
template <std::optional<uint32_t> PathAttributes::*field>
std::optional<BgpError> fourBytes(std::string_view value, Context& c) {
  Reader v(value);
  uint32_t x;
  if (value.size() != 4 || !v.u32(&x)) {
    c.treatAsWithdraw(err::kAttributeLength,
                      std::string(field == &PathAttributes::med ? "MED" : "LOCAL_PREF") +
                          " length " + std::to_string(value.size()));
  } else {
    c.message.attrs.*field = x;
  }
  return std::nullopt;
}

std::optional<BgpError> atomicAggregate(std::string_view, Context& c) {
  c.message.attrs.atomic_aggregate = true;  // a wrong length is discarded (RFC 7606 §7.6)
  return std::nullopt;
}

std::optional<BgpError> acceptUnused(std::string_view, Context&) {
  return std::nullopt;  // known, well-formed enough, not used (AGGREGATOR)
}

std::optional<BgpError> communities(std::string_view value, Context& c) {
  if (value.size() % 4 != 0 || value.empty()) {
    c.treatAsWithdraw(err::kOptionalAttribute,
                      "COMMUNITIES length " + std::to_string(value.size()));
    return std::nullopt;
  }
  Reader v(value);
  uint32_t x;
  while (v.u32(&x)) c.message.attrs.communities.push_back(x);
  return std::nullopt;
}

std::optional<BgpError> mpReach(std::string_view value, Context& c) {
  c.have_mp_reach = true;
  Reader v(value);
  auto as = readAfiSafi(v);
  uint8_t nh_len, reserved;
  std::string_view nh, nlri;
  if (!as || !v.u8(&nh_len) || !v.take(nh_len, &nh) || !v.u8(&reserved)) {
    return updateError(err::kOptionalAttribute, "MP_REACH_NLRI truncated");
  }
  net::Family fam = familyOf(*as);
  if (fam == net::Family::kNone) return std::nullopt;  // a family we did not negotiate: ignore
  // IPv6: global (16) or global + link-local (32); we use the global one.
  size_t want = fam == net::Family::kIpv4 ? 4 : 16;
  if (nh_len != want && !(fam == net::Family::kIpv6 && nh_len == 32)) {
    return updateError(err::kOptionalAttribute,
                       "MP_REACH next hop length " + std::to_string(nh_len));
  }
  c.mp_next_hop = *net::IpAddress::fromBytes(nh.substr(0, want));
  v.take(v.left(), &nlri);
  std::string why;
  if (!readPrefixes(nlri, fam, &c.mp_nlri, &why)) {
    return updateError(err::kOptionalAttribute, "MP_REACH NLRI: " + why);
  }
  return std::nullopt;
}

std::optional<BgpError> mpUnreach(std::string_view value, Context& c) {
  c.have_mp_unreach = true;
  Reader v(value);
  auto as = readAfiSafi(v);
  if (!as) return updateError(err::kOptionalAttribute, "MP_UNREACH_NLRI truncated");
  net::Family fam = familyOf(*as);
  if (fam == net::Family::kNone) return std::nullopt;
  c.unreach_family = *as;
  std::string_view nlri;
  v.take(v.left(), &nlri);
  std::string why;
  if (!readPrefixes(nlri, fam, &c.mp_withdrawn, &why)) {
    return updateError(err::kOptionalAttribute, "MP_UNREACH NLRI: " + why);
  }
  return std::nullopt;
}

// Indexed by type code; codes past the end and empty entries are not known here.
constexpr Rule kRules[] = {
    {},                                                        // 0: reserved
    {"ORIGIN", origin},                                        // 1
    {"AS_PATH", asPath},                                       // 2
    {"NEXT_HOP", nextHop},                                     // 3
    {"MULTI_EXIT_DISC", fourBytes<&PathAttributes::med>},      // 4
    {"LOCAL_PREF", fourBytes<&PathAttributes::local_pref>},    // 5
    {"ATOMIC_AGGREGATE", atomicAggregate},                     // 6
    {"AGGREGATOR", acceptUnused},                              // 7
    {"COMMUNITIES", communities},                              // 8 (RFC 1997)
    {},                                                        // 9
    {},                                                        // 10
    {},                                                        // 11
    {},                                                        // 12
    {},                                                        // 13
    {"MP_REACH_NLRI", mpReach, /*repeat_is_fatal=*/true},      // 14 (RFC 4760)
    {"MP_UNREACH_NLRI", mpUnreach, /*repeat_is_fatal=*/true},  // 15 (RFC 4760)
};

}  // namespace

const Rule* find(uint8_t type) {
  if (type >= std::size(kRules) || kRules[type].decode == nullptr) return nullptr;
  return &kRules[type];
}

}  // namespace hitless::bgp::attrs
