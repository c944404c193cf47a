// The UPDATE message (RFC 4271 §4.3, RFC 4760 for IPv6, RFC 7606 for errors): the decoder
// walks the withdrawn routes, the path attributes — each decoded by its rule in the attribute
// table (path_attributes.h) — and the NLRI; the encoder packs prefixes sharing attributes into
// as few messages as fit.
#include <algorithm>

#include "bgp/bgp_message.h"
#include "bgp/bgp_wire.h"
#include "bgp/path_attributes.h"

namespace hitless::bgp {

using namespace wire;

Decoded<UpdateMessage> decodeUpdate(std::string_view message, const UpdateCodecOptions& options) {
  Reader r(message.substr(kHeaderSize));
  UpdateMessage m;
  uint16_t withdrawn_len, attrs_len;
  std::string_view withdrawn, attr_list;
  std::string why;
  if (!r.u16(&withdrawn_len) || !r.take(withdrawn_len, &withdrawn) || !r.u16(&attrs_len) ||
      !r.take(attrs_len, &attr_list)) {
    return fail<UpdateMessage>(err::kUpdate, err::kMalformedAttributeList,
                               "withdrawn/attribute lengths exceed the message");
  }
  if (!readPrefixes(withdrawn, net::Family::kIpv4, &m.withdrawn, &why)) {
    return fail<UpdateMessage>(err::kUpdate, err::kInvalidNetwork, "withdrawn routes: " + why);
  }
  std::string_view nlri_bytes;
  r.take(r.left(), &nlri_bytes);
  if (!readPrefixes(nlri_bytes, net::Family::kIpv4, &m.nlri, &why)) {
    return fail<UpdateMessage>(err::kUpdate, err::kInvalidNetwork, "NLRI: " + why);
  }

  attrs::Context c{options, m};
  bool seen[256] = {};
  Reader a(attr_list);
  while (a.left() > 0) {
    uint8_t flags, type;
    uint16_t len;
    if (!a.u8(&flags) || !a.u8(&type)) {
      return fail<UpdateMessage>(err::kUpdate, err::kMalformedAttributeList,
                                 "attribute header truncated");
    }
    bool ok_len;
    if (flags & kFlagExtendedLength) {
      ok_len = a.u16(&len);
    } else {
      uint8_t l8;
      ok_len = a.u8(&l8);
      len = l8;
    }
    std::string_view value;
    if (!ok_len || !a.take(len, &value)) {
      // The attribute list can no longer be parsed: RFC 7606 §4 — session reset.
      return fail<UpdateMessage>(err::kUpdate, err::kMalformedAttributeList,
                                 "attribute " + std::to_string(type) + " runs past the list");
    }
    const attrs::Rule* rule = attrs::find(type);
    if (seen[type]) {
      if (rule != nullptr && rule->repeat_is_fatal) {
        return fail<UpdateMessage>(err::kUpdate, err::kMalformedAttributeList,
                                   std::string(rule->name) + " repeated");
      }
      continue;  // RFC 7606 §3.g: discard all but the first
    }
    seen[type] = true;
    if (rule == nullptr) {
      if (!(flags & kFlagOptional)) {
        return fail<UpdateMessage>(err::kUpdate, err::kUnrecognizedWellKnown,
                                   "unrecognized well-known attribute " + std::to_string(type),
                                   std::string(value));
      }
      continue;  // optional attributes we do not use are accepted and not propagated
    }
    if (auto fatal = rule->decode(value, c)) {
      return fail<UpdateMessage>(fatal->code, fatal->subcode, std::move(fatal->reason),
                                 std::move(fatal->data));
    }
  }

  const bool announces = !m.nlri.empty() || !c.mp_nlri.empty();
  if (announces) {
    if (!seen[kAttrOrigin]) c.treatAsWithdraw(err::kMissingWellKnown, "ORIGIN missing");
    if (!seen[kAttrAsPath]) c.treatAsWithdraw(err::kMissingWellKnown, "AS_PATH missing");
    if (!m.nlri.empty() && !seen[kAttrNextHop]) {
      c.treatAsWithdraw(err::kMissingWellKnown, "NEXT_HOP missing");
    }
  }
  m.classic_nlri = m.nlri.size();
  m.mp_next_hop = c.mp_next_hop;
  m.nlri.insert(m.nlri.end(), c.mp_nlri.begin(), c.mp_nlri.end());
  m.withdrawn.insert(m.withdrawn.end(), c.mp_withdrawn.begin(), c.mp_withdrawn.end());

  if (!c.problem.empty()) {
    m.treat_as_withdraw = true;
    m.attribute_error = c.problem;
    m.withdrawn.insert(m.withdrawn.end(), m.nlri.begin(), m.nlri.end());
    m.nlri.clear();
    m.classic_nlri = 0;
  }
  if (withdrawn_len == 0 && attrs_len == 0 && m.nlri.empty()) m.end_of_rib = kIpv4Unicast;
  if (c.have_mp_unreach && !c.have_mp_reach && m.withdrawn.empty() && m.nlri.empty() &&
      c.unreach_family && attrs_len == 6) {
    m.end_of_rib = *c.unreach_family;
  }
  Decoded<UpdateMessage> d;
  d.value = std::move(m);
  return d;
}

void encodeUpdates(const std::vector<net::IpPrefix>& prefixes, const PathAttributes& attrs,
                   bool withdraw, const UpdateCodecOptions& options, std::string* out) {
  if (prefixes.empty()) return;
  const bool v6 = prefixes.front().address.family == net::Family::kIpv6;
  // The attributes every message of this batch repeats (without MP_REACH NLRI).
  std::string common;
  auto attr = [&](std::string* o, uint8_t flags, uint8_t type, const std::string& value) {
    if (value.size() > 255) flags |= kFlagExtendedLength;
    put8(o, flags);
    put8(o, type);
    if (flags & kFlagExtendedLength) {
      put16(o, static_cast<uint16_t>(value.size()));
    } else {
      put8(o, static_cast<uint8_t>(value.size()));
    }
    o->append(value);
  };
  if (!withdraw) {
    attr(&common, kFlagTransitive, kAttrOrigin, std::string(1, static_cast<char>(attrs.origin)));
    std::string path;
    for (size_t i = 0; i < attrs.as_path.size(); i += 255) {
      size_t n = std::min<size_t>(255, attrs.as_path.size() - i);
      put8(&path, kAsSequence);
      put8(&path, static_cast<uint8_t>(n));
      for (size_t j = i; j < i + n; ++j) {
        if (options.four_octet_as) {
          put32(&path, attrs.as_path[j]);
        } else {
          put16(&path,
                attrs.as_path[j] > 0xffff ? kAsTrans : static_cast<uint16_t>(attrs.as_path[j]));
        }
      }
    }
    attr(&common, kFlagTransitive, kAttrAsPath, path);
    if (!v6) attr(&common, kFlagTransitive, kAttrNextHop, std::string(attrs.next_hop.raw()));
    if (attrs.med) {
      std::string v;
      put32(&v, *attrs.med);
      attr(&common, kFlagOptional, kAttrMed, v);
    }
    if (attrs.local_pref) {
      std::string v;
      put32(&v, *attrs.local_pref);
      attr(&common, kFlagTransitive, kAttrLocalPref, v);
    }
    if (!attrs.communities.empty()) {
      std::string v;
      for (uint32_t c : attrs.communities) put32(&v, c);
      attr(&common, kFlagOptional | kFlagTransitive, kAttrCommunities, v);
    }
  }
  // Room for prefixes per message: header, two length fields, the common attributes, and for
  // IPv6 the MP attribute's own header (4 with extended length) and fixed part.
  const size_t mp_fixed = withdraw ? 3 : 3 + 1 + 16 + 1;
  const size_t overhead = kHeaderSize + 4 + common.size() + (v6 ? 4 + mp_fixed : 0);
  size_t i = 0;
  while (i < prefixes.size()) {
    size_t room = kMaxMessageSize - overhead, bytes = 0, j = i;
    while (j < prefixes.size() && bytes + prefixBytes(prefixes[j]) <= room) {
      bytes += prefixBytes(prefixes[j]);
      ++j;
    }
    size_t start = beginMessage(out, MessageType::kUpdate);
    if (!v6 && withdraw) {
      put16(out, static_cast<uint16_t>(bytes));
      for (size_t k = i; k < j; ++k) writePrefix(prefixes[k], out);
      put16(out, 0);
    } else {
      put16(out, 0);
      size_t attrs_len_at = out->size();
      put16(out, 0);
      out->append(common);
      if (v6) {
        std::string mp;
        put16(&mp, kIpv6Unicast.afi);
        put8(&mp, kIpv6Unicast.safi);
        if (!withdraw) {
          put8(&mp, 16);
          mp.append(attrs.next_hop.raw());
          put8(&mp, 0);
        }
        for (size_t k = i; k < j; ++k) writePrefix(prefixes[k], &mp);
        put8(out, kFlagOptional | kFlagExtendedLength);
        put8(out, withdraw ? kAttrMpUnreach : kAttrMpReach);
        put16(out, static_cast<uint16_t>(mp.size()));
        out->append(mp);
      }
      set16(out, attrs_len_at, static_cast<uint16_t>(out->size() - attrs_len_at - 2));
      if (!v6) {
        for (size_t k = i; k < j; ++k) writePrefix(prefixes[k], out);
      }
    }
    finishMessage(out, start);
    i = j;
  }
}

}  // namespace hitless::bgp
