#include "bgp/bgp_message.h"

#include <algorithm>
#include <cstring>

#include "bgp/bgp_wire.h"

namespace hitless::bgp {
namespace {

using namespace wire;

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

}  // namespace hitless::bgp
