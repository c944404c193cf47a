#include "bgp/bgp_message.h"

#include <algorithm>
#include <cstring>

namespace hitless::bgp {
namespace {

// Path attribute type codes and flags (RFC 4271 §4.3, 4760, 1997).
enum : uint8_t {
  kAttrOrigin = 1,
  kAttrAsPath = 2,
  kAttrNextHop = 3,
  kAttrMed = 4,
  kAttrLocalPref = 5,
  kAttrAtomicAggregate = 6,
  kAttrAggregator = 7,
  kAttrCommunities = 8,
  kAttrMpReach = 14,
  kAttrMpUnreach = 15,
};
enum : uint8_t { kFlagOptional = 0x80, kFlagTransitive = 0x40, kFlagExtendedLength = 0x10 };
enum : uint8_t { kAsSet = 1, kAsSequence = 2 };
enum : uint8_t { kOptParamCapabilities = 2 };
enum : uint8_t {
  kCapMultiprotocol = 1,
  kCapRouteRefresh = 2,
  kCapGracefulRestart = 64,
  kCapFourOctetAs = 65,
};

// Bounds-checked big-endian reader over a byte range.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  size_t left() const { return b_.size() - pos_; }
  bool u8(uint8_t* v) {
    if (left() < 1) return false;
    *v = static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  bool u16(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(byte(0) << 8 | byte(1));
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t* v) {
    if (left() < 4) return false;
    *v = uint32_t{byte(0)} << 24 | uint32_t{byte(1)} << 16 | uint32_t{byte(2)} << 8 | byte(3);
    pos_ += 4;
    return true;
  }
  bool take(size_t n, std::string_view* out) {
    if (left() < n) return false;
    *out = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  uint8_t byte(size_t i) const { return static_cast<uint8_t>(b_[pos_ + i]); }
  std::string_view b_;
  size_t pos_ = 0;
};

void put8(std::string* o, uint8_t v) { o->push_back(static_cast<char>(v)); }
void put16(std::string* o, uint16_t v) {
  put8(o, static_cast<uint8_t>(v >> 8));
  put8(o, static_cast<uint8_t>(v));
}
void put32(std::string* o, uint32_t v) {
  put16(o, static_cast<uint16_t>(v >> 16));
  put16(o, static_cast<uint16_t>(v));
}
void set16(std::string* o, size_t at, uint16_t v) {
  (*o)[at] = static_cast<char>(v >> 8);
  (*o)[at + 1] = static_cast<char>(v);
}

// Starts a message; finishHeader() fills in the length once the body is written.
size_t beginMessage(std::string* out, MessageType type) {
  size_t start = out->size();
  out->append(16, '\xff');
  put16(out, 0);
  put8(out, static_cast<uint8_t>(type));
  return start;
}
void finishMessage(std::string* out, size_t start) {
  set16(out, start + 16, static_cast<uint16_t>(out->size() - start));
}

template <typename T>
Decoded<T> fail(uint8_t code, uint8_t subcode, std::string reason, std::string data = {}) {
  Decoded<T> d;
  d.error = {code, subcode, std::move(data), std::move(reason)};
  return d;
}

// NLRI encoding (RFC 4271 §4.3): length in bits, then the significant bytes.
bool readPrefixes(std::string_view bytes, net::Family family, std::vector<net::IpPrefix>* out,
                  std::string* why) {
  Reader r(bytes);
  const unsigned max_len = family == net::Family::kIpv4 ? 32 : 128;
  while (r.left() > 0) {
    uint8_t len;
    r.u8(&len);
    if (len > max_len) {
      *why = "prefix length " + std::to_string(len) + " exceeds " + std::to_string(max_len);
      return false;
    }
    std::string_view raw;
    if (!r.take((len + 7u) / 8u, &raw)) {
      *why = "prefix of length " + std::to_string(len) + " runs past the field";
      return false;
    }
    net::IpAddress a;
    a.family = family;
    std::memcpy(a.bytes.data(), raw.data(), raw.size());
    // Host bits beyond the length are not ours to judge (RFC 4271 lets senders leave them):
    // clear them so the prefix is canonical.
    if (len % 8 != 0) a.bytes[len / 8] &= static_cast<uint8_t>(0xff << (8 - len % 8));
    auto p = net::IpPrefix::make(a, len);
    if (!p.isOk()) {
      *why = p.status().message();
      return false;
    }
    out->push_back(*p);
  }
  return true;
}

void writePrefix(const net::IpPrefix& p, std::string* out) {
  put8(out, p.length);
  out->append(reinterpret_cast<const char*>(p.address.bytes.data()), (p.length + 7u) / 8u);
}
size_t prefixBytes(const net::IpPrefix& p) { return 1 + (p.length + 7u) / 8u; }

std::optional<AfiSafi> readAfiSafi(Reader& r) {
  uint16_t afi;
  uint8_t safi;
  if (!r.u16(&afi) || !r.u8(&safi)) return std::nullopt;
  return AfiSafi{afi, safi};
}

bool decodeCapabilities(std::string_view bytes, Capabilities* caps, std::string* why) {
  Reader r(bytes);
  while (r.left() > 0) {
    uint8_t code, len;
    std::string_view value;
    if (!r.u8(&code) || !r.u8(&len) || !r.take(len, &value)) {
      *why = "capability runs past the optional parameter";
      return false;
    }
    Reader v(value);
    switch (code) {
      case kCapMultiprotocol: {
        uint16_t afi;
        uint8_t reserved, safi;
        if (len != 4 || !v.u16(&afi) || !v.u8(&reserved) || !v.u8(&safi)) {
          *why = "multiprotocol capability of length " + std::to_string(len);
          return false;
        }
        caps->multiprotocol.push_back({afi, safi});
        break;
      }
      case kCapRouteRefresh:
        caps->route_refresh = true;
        break;
      case kCapFourOctetAs: {
        uint32_t as4;
        if (len != 4 || !v.u32(&as4)) {
          *why = "4-octet AS capability of length " + std::to_string(len);
          return false;
        }
        caps->four_octet_as = as4;
        break;
      }
      case kCapGracefulRestart: {
        GracefulRestartCap gr;
        uint16_t flags_time;
        if (len < 2 || (len - 2) % 4 != 0 || !v.u16(&flags_time)) {
          *why = "graceful restart capability of length " + std::to_string(len);
          return false;
        }
        gr.restarting = (flags_time & 0x8000) != 0;
        gr.restart_time_s = flags_time & 0x0fff;
        while (v.left() >= 4) {
          auto as = readAfiSafi(v);
          uint8_t fl = 0;
          v.u8(&fl);
          gr.families.push_back({*as, (fl & 0x80) != 0});
        }
        caps->graceful_restart = gr;
        break;
      }
      default:
        break;  // unknown capabilities are ignored (RFC 5492 §4)
    }
  }
  return true;
}

void encodeCapabilities(const Capabilities& caps, std::string* out) {
  auto cap = [&](uint8_t code, const std::string& value) {
    put8(out, kOptParamCapabilities);
    put8(out, static_cast<uint8_t>(value.size() + 2));
    put8(out, code);
    put8(out, static_cast<uint8_t>(value.size()));
    out->append(value);
  };
  for (AfiSafi a : caps.multiprotocol) {
    std::string v;
    put16(&v, a.afi);
    put8(&v, 0);
    put8(&v, a.safi);
    cap(kCapMultiprotocol, v);
  }
  if (caps.route_refresh) cap(kCapRouteRefresh, {});
  if (caps.graceful_restart) {
    const auto& gr = *caps.graceful_restart;
    std::string v;
    put16(&v, static_cast<uint16_t>((gr.restarting ? 0x8000 : 0) | (gr.restart_time_s & 0x0fff)));
    for (const auto& f : gr.families) {
      put16(&v, f.afi_safi.afi);
      put8(&v, f.afi_safi.safi);
      put8(&v, f.forwarding_preserved ? 0x80 : 0);
    }
    cap(kCapGracefulRestart, v);
  }
  if (caps.four_octet_as) {
    std::string v;
    put32(&v, *caps.four_octet_as);
    cap(kCapFourOctetAs, v);
  }
}

// One path attribute's problem: whether RFC 7606 lets the session survive it.
struct AttrProblem {
  bool fatal = false;  // session reset (NOTIFICATION) rather than treat-as-withdraw
  uint8_t subcode = 0;
  std::string reason;
};

}  // namespace

net::Family familyOf(AfiSafi a) {
  if (a == kIpv4Unicast) return net::Family::kIpv4;
  if (a == kIpv6Unicast) return net::Family::kIpv6;
  return net::Family::kNone;
}

size_t PathAttributes::pathLength() const {
  return as_path.size();  // AS_SET members were appended; close enough for tie-breaking
}

std::string describeError(uint8_t code, uint8_t subcode) {
  static const char* const kCodes[] = {"",
                                       "Message Header Error",
                                       "OPEN Message Error",
                                       "UPDATE Message Error",
                                       "Hold Timer Expired",
                                       "Finite State Machine Error",
                                       "Cease",
                                       "ROUTE-REFRESH Message Error"};
  std::string s = code < 8 ? kCodes[code] : "error code " + std::to_string(code);
  if (subcode != 0) s += " / subcode " + std::to_string(subcode);
  return s;
}

std::string_view messageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kOpen:
      return "OPEN";
    case MessageType::kUpdate:
      return "UPDATE";
    case MessageType::kNotification:
      return "NOTIFICATION";
    case MessageType::kKeepalive:
      return "KEEPALIVE";
    case MessageType::kRouteRefresh:
      return "ROUTE-REFRESH";
  }
  return "?";
}

Decoded<size_t> messageLength(std::string_view bytes) {
  Decoded<size_t> d;
  if (bytes.size() < kHeaderSize) {
    d.value = 0;
    return d;
  }
  for (int i = 0; i < 16; ++i) {
    if (bytes[i] != '\xff') return fail<size_t>(err::kHeader, err::kNotSynchronized, "bad marker");
  }
  size_t len = static_cast<uint8_t>(bytes[16]) << 8 | static_cast<uint8_t>(bytes[17]);
  uint8_t type = static_cast<uint8_t>(bytes[18]);
  std::string len_data = std::string(bytes.substr(16, 2));
  if (len < kHeaderSize || len > kMaxMessageSize) {
    return fail<size_t>(err::kHeader, err::kBadLength,
                        "message length " + std::to_string(len) + " outside 19..4096", len_data);
  }
  size_t min_len = 0, max_len = kMaxMessageSize;
  switch (type) {
    case 1:
      min_len = 29;
      break;
    case 2:
      min_len = 23;
      break;
    case 3:
      min_len = 21;
      break;
    case 4:
      min_len = max_len = 19;
      break;
    case 5:
      min_len = max_len = 23;
      break;
    default:
      return fail<size_t>(err::kHeader, err::kBadType, "message type " + std::to_string(type),
                          std::string(1, static_cast<char>(type)));
  }
  if (len < min_len || len > max_len) {
    return fail<size_t>(err::kHeader, err::kBadLength,
                        std::string(messageTypeName(static_cast<MessageType>(type))) +
                            " of length " + std::to_string(len),
                        len_data);
  }
  d.value = len;
  return d;
}

MessageType messageType(std::string_view message) {
  return static_cast<MessageType>(static_cast<uint8_t>(message[18]));
}

Decoded<OpenMessage> decodeOpen(std::string_view message) {
  Reader r(message.substr(kHeaderSize));
  OpenMessage m;
  uint16_t as2 = 0;
  uint8_t opt_len;
  r.u8(&m.version);
  r.u16(&as2);
  r.u16(&m.hold_time_s);
  r.u32(&m.bgp_id);
  if (!r.u8(&opt_len)) return fail<OpenMessage>(err::kHeader, err::kBadLength, "short OPEN");
  if (m.version != 4) {
    return fail<OpenMessage>(err::kOpen, err::kUnsupportedVersion,
                             "BGP version " + std::to_string(m.version), std::string("\0\4", 2));
  }
  if (m.hold_time_s == 1 || m.hold_time_s == 2) {
    return fail<OpenMessage>(err::kOpen, err::kUnacceptableHoldTime,
                             "hold time " + std::to_string(m.hold_time_s) + " s");
  }
  if (m.bgp_id == 0) return fail<OpenMessage>(err::kOpen, err::kBadBgpId, "BGP identifier 0");
  std::string_view params;
  if (!r.take(opt_len, &params) || r.left() != 0) {
    return fail<OpenMessage>(err::kOpen, 0, "optional parameters length disagrees with message");
  }
  Reader p(params);
  while (p.left() > 0) {
    uint8_t type, len;
    std::string_view value;
    if (!p.u8(&type) || !p.u8(&len) || !p.take(len, &value)) {
      return fail<OpenMessage>(err::kOpen, 0, "optional parameter runs past the OPEN");
    }
    if (type != kOptParamCapabilities) {
      return fail<OpenMessage>(err::kOpen, err::kUnsupportedOptional,
                               "optional parameter type " + std::to_string(type));
    }
    std::string why;
    if (!decodeCapabilities(value, &m.caps, &why)) return fail<OpenMessage>(err::kOpen, 0, why);
  }
  m.asn = m.caps.four_octet_as.value_or(as2);
  if (m.asn == 0) return fail<OpenMessage>(err::kOpen, err::kBadPeerAs, "AS 0");
  Decoded<OpenMessage> d;
  d.value = std::move(m);
  return d;
}

void encodeOpen(const OpenMessage& m, std::string* out) {
  size_t start = beginMessage(out, MessageType::kOpen);
  put8(out, m.version);
  put16(out, m.asn > 0xffff ? kAsTrans : static_cast<uint16_t>(m.asn));
  put16(out, m.hold_time_s);
  put32(out, m.bgp_id);
  size_t len_at = out->size();
  put8(out, 0);
  encodeCapabilities(m.caps, out);
  (*out)[len_at] = static_cast<char>(out->size() - len_at - 1);
  finishMessage(out, start);
}

void encodeKeepalive(std::string* out) {
  finishMessage(out, beginMessage(out, MessageType::kKeepalive));
}

Decoded<NotificationMessage> decodeNotification(std::string_view message) {
  Decoded<NotificationMessage> d;
  NotificationMessage m;
  m.code = static_cast<uint8_t>(message[19]);
  m.subcode = static_cast<uint8_t>(message[20]);
  m.data = std::string(message.substr(21));
  d.value = std::move(m);
  return d;
}

void encodeNotification(const NotificationMessage& m, std::string* out) {
  size_t start = beginMessage(out, MessageType::kNotification);
  put8(out, m.code);
  put8(out, m.subcode);
  out->append(m.data.substr(0, kMaxMessageSize - 21));
  finishMessage(out, start);
}

Decoded<RouteRefreshMessage> decodeRouteRefresh(std::string_view message) {
  Reader r(message.substr(kHeaderSize));
  Decoded<RouteRefreshMessage> d;
  auto as = readAfiSafi(r);
  d.value = RouteRefreshMessage{*as};
  return d;
}

void encodeRouteRefresh(const RouteRefreshMessage& m, std::string* out) {
  size_t start = beginMessage(out, MessageType::kRouteRefresh);
  put16(out, m.afi_safi.afi);
  put8(out, 0);
  put8(out, m.afi_safi.safi);
  finishMessage(out, start);
}

void encodeEndOfRib(AfiSafi afi_safi, std::string* out) {
  size_t start = beginMessage(out, MessageType::kUpdate);
  put16(out, 0);
  if (afi_safi == kIpv4Unicast) {
    put16(out, 0);
  } else {
    put16(out, 6);
    put8(out, kFlagOptional);
    put8(out, kAttrMpUnreach);
    put8(out, 3);
    put16(out, afi_safi.afi);
    put8(out, afi_safi.safi);
  }
  finishMessage(out, start);
}

Decoded<UpdateMessage> decodeUpdate(std::string_view message, const UpdateCodecOptions& options) {
  Reader r(message.substr(kHeaderSize));
  UpdateMessage m;
  uint16_t withdrawn_len, attrs_len;
  std::string_view withdrawn, attrs;
  std::string why;
  if (!r.u16(&withdrawn_len) || !r.take(withdrawn_len, &withdrawn) || !r.u16(&attrs_len) ||
      !r.take(attrs_len, &attrs)) {
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

  AttrProblem problem;
  auto soft = [&](uint8_t subcode, std::string reason) {
    if (problem.reason.empty()) problem = {false, subcode, std::move(reason)};
  };
  bool seen[256] = {};
  bool have_mp_reach = false, have_mp_unreach = false;
  std::optional<AfiSafi> unreach_family;
  net::IpAddress mp_next_hop;
  std::vector<net::IpPrefix> mp_nlri, mp_withdrawn;
  Reader a(attrs);
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
    if (seen[type]) {
      if (type == kAttrMpReach || type == kAttrMpUnreach) {
        return fail<UpdateMessage>(err::kUpdate, err::kMalformedAttributeList,
                                   "MP_REACH/MP_UNREACH repeated");
      }
      continue;  // RFC 7606 §3.g: discard all but the first
    }
    seen[type] = true;
    Reader v(value);
    switch (type) {
      case kAttrOrigin: {
        uint8_t o;
        if (len != 1) {
          soft(err::kAttributeLength, "ORIGIN length " + std::to_string(len));
        } else if (v.u8(&o); o > 2) {
          soft(err::kInvalidOrigin, "ORIGIN value " + std::to_string(o));
        } else {
          m.attrs.origin = static_cast<Origin>(o);
        }
        break;
      }
      case kAttrAsPath: {
        const size_t as_size = options.four_octet_as ? 4 : 2;
        while (v.left() > 0) {
          uint8_t seg_type, seg_len;
          std::string_view seg;
          if (!v.u8(&seg_type) || !v.u8(&seg_len) || !v.take(seg_len * as_size, &seg) ||
              (seg_type != kAsSet && seg_type != kAsSequence) || seg_len == 0) {
            soft(err::kMalformedAsPath, "AS_PATH segment malformed");
            m.attrs.as_path.clear();
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
            m.attrs.as_path.push_back(asn);
          }
          if (seg_type == kAsSet) ++m.attrs.as_path_sets;
        }
        break;
      }
      case kAttrNextHop: {
        std::string_view raw;
        if (len != 4 || !v.take(4, &raw)) {
          soft(err::kAttributeLength, "NEXT_HOP length " + std::to_string(len));
        } else {
          m.attrs.next_hop = *net::IpAddress::fromBytes(raw);
          uint8_t first = static_cast<uint8_t>(raw[0]);
          if (first == 0 || first == 127 || first >= 224) {
            soft(err::kInvalidNextHop, "NEXT_HOP " + m.attrs.next_hop.toString());
          }
        }
        break;
      }
      case kAttrMed:
      case kAttrLocalPref: {
        uint32_t x;
        if (len != 4 || !v.u32(&x)) {
          soft(err::kAttributeLength, std::string(type == kAttrMed ? "MED" : "LOCAL_PREF") +
                                          " length " + std::to_string(len));
        } else if (type == kAttrMed) {
          m.attrs.med = x;
        } else {
          m.attrs.local_pref = x;
        }
        break;
      }
      case kAttrAtomicAggregate:
        m.attrs.atomic_aggregate = true;  // a wrong length is discarded (RFC 7606 §7.6)
        break;
      case kAttrCommunities:
        if (len % 4 != 0 || len == 0) {
          soft(err::kOptionalAttribute, "COMMUNITIES length " + std::to_string(len));
        } else {
          uint32_t c;
          while (v.u32(&c)) m.attrs.communities.push_back(c);
        }
        break;
      case kAttrMpReach: {
        have_mp_reach = true;
        auto as = readAfiSafi(v);
        uint8_t nh_len, reserved;
        std::string_view nh, nlri;
        if (!as || !v.u8(&nh_len) || !v.take(nh_len, &nh) || !v.u8(&reserved)) {
          return fail<UpdateMessage>(err::kUpdate, err::kOptionalAttribute,
                                     "MP_REACH_NLRI truncated");
        }
        net::Family fam = familyOf(*as);
        if (fam == net::Family::kNone) break;  // a family we did not negotiate: ignore
        // IPv6: global (16) or global + link-local (32); we use the global one.
        size_t want = fam == net::Family::kIpv4 ? 4 : 16;
        if (nh_len != want && !(fam == net::Family::kIpv6 && nh_len == 32)) {
          return fail<UpdateMessage>(err::kUpdate, err::kOptionalAttribute,
                                     "MP_REACH next hop length " + std::to_string(nh_len));
        }
        mp_next_hop = *net::IpAddress::fromBytes(nh.substr(0, want));
        v.take(v.left(), &nlri);
        if (!readPrefixes(nlri, fam, &mp_nlri, &why)) {
          return fail<UpdateMessage>(err::kUpdate, err::kOptionalAttribute,
                                     "MP_REACH NLRI: " + why);
        }
        break;
      }
      case kAttrMpUnreach: {
        have_mp_unreach = true;
        auto as = readAfiSafi(v);
        if (!as) {
          return fail<UpdateMessage>(err::kUpdate, err::kOptionalAttribute,
                                     "MP_UNREACH_NLRI truncated");
        }
        net::Family fam = familyOf(*as);
        if (fam == net::Family::kNone) break;
        unreach_family = *as;
        std::string_view nlri;
        v.take(v.left(), &nlri);
        if (!readPrefixes(nlri, fam, &mp_withdrawn, &why)) {
          return fail<UpdateMessage>(err::kUpdate, err::kOptionalAttribute,
                                     "MP_UNREACH NLRI: " + why);
        }
        break;
      }
      default:
        if (!(flags & kFlagOptional) && type != kAttrAggregator) {
          return fail<UpdateMessage>(err::kUpdate, err::kUnrecognizedWellKnown,
                                     "unrecognized well-known attribute " + std::to_string(type),
                                     std::string(value));
        }
        break;  // optional attributes we do not use are accepted and not propagated
    }
  }

  const bool announces = !m.nlri.empty() || !mp_nlri.empty();
  if (announces) {
    if (!seen[kAttrOrigin]) soft(err::kMissingWellKnown, "ORIGIN missing");
    if (!seen[kAttrAsPath]) soft(err::kMissingWellKnown, "AS_PATH missing");
    if (!m.nlri.empty() && !seen[kAttrNextHop]) soft(err::kMissingWellKnown, "NEXT_HOP missing");
  }
  m.classic_nlri = m.nlri.size();
  m.mp_next_hop = mp_next_hop;
  m.nlri.insert(m.nlri.end(), mp_nlri.begin(), mp_nlri.end());
  m.withdrawn.insert(m.withdrawn.end(), mp_withdrawn.begin(), mp_withdrawn.end());

  if (!problem.reason.empty()) {
    m.treat_as_withdraw = true;
    m.attribute_error = problem.reason;
    m.withdrawn.insert(m.withdrawn.end(), m.nlri.begin(), m.nlri.end());
    m.nlri.clear();
    m.classic_nlri = 0;
  }
  if (withdrawn_len == 0 && attrs_len == 0 && m.nlri.empty()) m.end_of_rib = kIpv4Unicast;
  if (have_mp_unreach && !have_mp_reach && m.withdrawn.empty() && m.nlri.empty() &&
      unreach_family && attrs_len == 6) {
    m.end_of_rib = *unreach_family;
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
