#include "bgp/bgp_message.h"

#include <gtest/gtest.h>

namespace hitless::bgp {
namespace {

net::IpPrefix P(const char* text) { return *net::IpPrefix::parse(text); }
net::IpAddress A(const char* text) { return *net::IpAddress::parse(text); }

// A message from a hex body (after the header) with a correct header.
std::string message(MessageType type, const std::string& body) {
  std::string m(16, '\xff');
  size_t len = kHeaderSize + body.size();
  m.push_back(static_cast<char>(len >> 8));
  m.push_back(static_cast<char>(len));
  m.push_back(static_cast<char>(type));
  return m + body;
}
std::string hex(const char* h) {
  std::string out;
  for (const char* p = h; p[0] && p[1]; p += 2) {
    while (*p == ' ') ++p;
    out.push_back(static_cast<char>(std::stoi(std::string(p, 2), nullptr, 16)));
  }
  return out;
}

TEST(BgpMessage, OpenRoundTripsWithEveryCapability) {
  OpenMessage o;
  o.asn = 4200000001;  // needs the 4-octet capability; the 2-octet field carries AS_TRANS
  o.hold_time_s = 9;
  o.bgp_id = 0xC6120201;
  o.caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  o.caps.route_refresh = true;
  o.caps.four_octet_as = o.asn;
  o.caps.graceful_restart =
      GracefulRestartCap{true, 120, {{kIpv4Unicast, true}, {kIpv6Unicast, false}}};
  std::string wire;
  encodeOpen(o, &wire);
  auto len = messageLength(wire);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len.value, wire.size());
  EXPECT_EQ(static_cast<uint8_t>(wire[20]) << 8 | static_cast<uint8_t>(wire[21]), kAsTrans);
  auto back = decodeOpen(wire);
  ASSERT_TRUE(back.ok()) << back.error.reason;
  EXPECT_EQ(*back.value, o);
}

TEST(BgpMessage, Ipv4UpdateRoundTripsAndSplitsAt4096Bytes) {
  PathAttributes attrs;
  attrs.as_path = {65002, 4200000000u};
  attrs.next_hop = A("198.18.3.2");
  attrs.med = 7;
  attrs.local_pref = 150;
  attrs.communities = {0xFDEA0001};
  std::vector<net::IpPrefix> prefixes;
  for (uint32_t i = 0; i < 3000; ++i) {
    prefixes.push_back(*net::IpPrefix::make(net::IpAddress::v4(0x0A000000 + (i << 8)), 24));
  }
  std::string wire;
  encodeUpdates(prefixes, attrs, false, {}, &wire);
  std::vector<net::IpPrefix> seen;
  size_t messages = 0;
  for (size_t off = 0; off < wire.size();) {
    auto len = messageLength(std::string_view(wire).substr(off));
    ASSERT_TRUE(len.ok());
    ASSERT_LE(*len.value, kMaxMessageSize);
    auto u = decodeUpdate(std::string_view(wire).substr(off, *len.value), {});
    ASSERT_TRUE(u.ok()) << u.error.reason;
    EXPECT_FALSE(u.value->treat_as_withdraw);
    EXPECT_EQ(u.value->attrs, attrs);
    seen.insert(seen.end(), u.value->nlri.begin(), u.value->nlri.end());
    off += *len.value;
    ++messages;
  }
  EXPECT_EQ(seen, prefixes);
  EXPECT_GT(messages, 1u);
}

TEST(BgpMessage, Ipv6UsesMpReachAndMpUnreach) {
  PathAttributes attrs;
  attrs.as_path = {65002};
  attrs.next_hop = A("2001:2:0:3::2");
  std::vector<net::IpPrefix> prefixes = {P("2001:db8::/32"), P("2001:2:0:100::/64")};
  std::string wire;
  encodeUpdates(prefixes, attrs, false, {}, &wire);
  auto u = decodeUpdate(wire, {});
  ASSERT_TRUE(u.ok()) << u.error.reason;
  EXPECT_EQ(u.value->nlri, prefixes);
  EXPECT_EQ(u.value->classic_nlri, 0u);
  EXPECT_EQ(u.value->nextHopOf(0), attrs.next_hop);

  wire.clear();
  encodeUpdates(prefixes, {}, true, {}, &wire);
  u = decodeUpdate(wire, {});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value->withdrawn, prefixes);
  EXPECT_FALSE(u.value->end_of_rib);
}

TEST(BgpMessage, EndOfRibMarkersAreRecognised) {
  for (AfiSafi a : {kIpv4Unicast, kIpv6Unicast}) {
    std::string wire;
    encodeEndOfRib(a, &wire);
    auto u = decodeUpdate(wire, {});
    ASSERT_TRUE(u.ok());
    ASSERT_TRUE(u.value->end_of_rib);
    EXPECT_EQ(*u.value->end_of_rib, a);
  }
}

TEST(BgpMessage, TwoOctetAsPathsWhenTheCapabilityIsMissing) {
  PathAttributes attrs;
  attrs.as_path = {65002, 4200000000u};
  attrs.next_hop = A("198.18.3.2");
  std::string wire;
  encodeUpdates({P("198.18.100.0/24")}, attrs, false, {false}, &wire);
  auto u = decodeUpdate(wire, {false});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value->attrs.as_path, (std::vector<uint32_t>{65002, kAsTrans}));
}

// Hand-made bad messages, each with the answer RFC 4271 §6 / RFC 7606 prescribes.
struct BadCase {
  const char* name;
  std::string wire;
  uint8_t code, subcode;  // 0/0: treat-as-withdraw (the session survives)
};

std::vector<BadCase> badCases() {
  const std::string origin = hex("40 01 01 00");
  const std::string as_path = hex("40 02 06 02 01 00 00 fd ea");
  const std::string next_hop = hex("40 03 04 c6 12 03 02");
  const std::string nlri = hex("18 c6 12 64");  // 198.18.100.0/24
  auto update = [&](const std::string& attrs, const std::string& tail = "") {
    std::string body = hex("00 00");
    body.push_back(static_cast<char>(attrs.size() >> 8));
    body.push_back(static_cast<char>(attrs.size()));
    return message(MessageType::kUpdate, body + attrs + tail);
  };
  std::string bad_marker = message(MessageType::kKeepalive, "");
  bad_marker[3] = 0;
  std::string long_keepalive = message(MessageType::kKeepalive, "x");
  std::string short_len = message(MessageType::kKeepalive, "");
  short_len[17] = 18;
  std::string huge_len = message(MessageType::kKeepalive, "");
  huge_len[16] = 0x10;
  huge_len[17] = 0x01;
  return {
      {"bad marker", bad_marker, err::kHeader, err::kNotSynchronized},
      {"length below 19", short_len, err::kHeader, err::kBadLength},
      {"length above 4096", huge_len, err::kHeader, err::kBadLength},
      {"KEEPALIVE with a body", long_keepalive, err::kHeader, err::kBadLength},
      {"type 9", message(static_cast<MessageType>(9), ""), err::kHeader, err::kBadType},
      {"OPEN version 3", message(MessageType::kOpen, hex("03 fd ea 00 5a c6 12 03 02 00")),
       err::kOpen, err::kUnsupportedVersion},
      {"OPEN hold time 2", message(MessageType::kOpen, hex("04 fd ea 00 02 c6 12 03 02 00")),
       err::kOpen, err::kUnacceptableHoldTime},
      {"OPEN BGP id 0", message(MessageType::kOpen, hex("04 fd ea 00 5a 00 00 00 00 00")),
       err::kOpen, err::kBadBgpId},
      {"OPEN unknown optional parameter",
       message(MessageType::kOpen, hex("04 fd ea 00 5a c6 12 03 02 03 09 01 00")), err::kOpen,
       err::kUnsupportedOptional},
      {"OPEN parameters overrun",
       message(MessageType::kOpen, hex("04 fd ea 00 5a c6 12 03 02 05 02 08")), err::kOpen, 0},
      {"UPDATE attribute length overruns the list", update(hex("40 01 05 00")), err::kUpdate,
       err::kMalformedAttributeList},
      {"UPDATE withdrawn length overruns the message",
       message(MessageType::kUpdate, hex("00 30 00 00")), err::kUpdate,
       err::kMalformedAttributeList},
      {"UPDATE NLRI prefix length 33",
       update(origin + as_path + next_hop, hex("21 c6 12 64 00 00")), err::kUpdate,
       err::kInvalidNetwork},
      {"UPDATE NLRI runs past the message", update(origin + as_path + next_hop, hex("18 c6 12")),
       err::kUpdate, err::kInvalidNetwork},
      {"UPDATE unrecognized well-known attribute",
       update(origin + as_path + next_hop + hex("40 63 01 00"), nlri), err::kUpdate,
       err::kUnrecognizedWellKnown},
      {"UPDATE MP_REACH truncated", update(hex("80 0e 02 00 02"), ""), err::kUpdate,
       err::kOptionalAttribute},
      {"UPDATE MP_UNREACH repeated", update(hex("80 0f 03 00 02 01 80 0f 03 00 02 01"), ""),
       err::kUpdate, err::kMalformedAttributeList},
      // RFC 7606: these keep the session and withdraw the NLRI.
      {"ORIGIN value 7", update(hex("40 01 01 07") + as_path + next_hop, nlri), 0, 0},
      {"ORIGIN length 2", update(hex("40 01 02 00 00") + as_path + next_hop, nlri), 0, 0},
      {"AS_PATH segment overrun", update(origin + hex("40 02 04 02 05 00 01") + next_hop, nlri), 0,
       0},
      {"NEXT_HOP 127.0.0.1", update(origin + as_path + hex("40 03 04 7f 00 00 01"), nlri), 0, 0},
      {"NEXT_HOP length 3", update(origin + as_path + hex("40 03 03 c6 12 03"), nlri), 0, 0},
      {"missing ORIGIN", update(as_path + next_hop, nlri), 0, 0},
      {"missing NEXT_HOP", update(origin + as_path, nlri), 0, 0},
      {"LOCAL_PREF length 2", update(origin + as_path + next_hop + hex("40 05 02 00 64"), nlri), 0,
       0},
      {"COMMUNITIES length 3", update(origin + as_path + next_hop + hex("c0 08 03 00 00 01"), nlri),
       0, 0},
  };
}

TEST(BgpMessage, BadMessagesGetTheRightNotificationOrTreatAsWithdraw) {
  for (const auto& c : badCases()) {
    SCOPED_TRACE(c.name);
    auto len = messageLength(c.wire);
    if (!len.ok()) {
      EXPECT_EQ(len.error.code, c.code);
      EXPECT_EQ(len.error.subcode, c.subcode);
      continue;
    }
    ASSERT_EQ(*len.value, c.wire.size());
    if (messageType(c.wire) == MessageType::kOpen) {
      auto o = decodeOpen(c.wire);
      ASSERT_FALSE(o.ok());
      EXPECT_EQ(o.error.code, c.code);
      EXPECT_EQ(o.error.subcode, c.subcode);
      continue;
    }
    auto u = decodeUpdate(c.wire, {});
    if (c.code == 0) {
      ASSERT_TRUE(u.ok()) << u.error.reason;
      EXPECT_TRUE(u.value->treat_as_withdraw);
      EXPECT_TRUE(u.value->nlri.empty());
      EXPECT_EQ(u.value->withdrawn, std::vector<net::IpPrefix>{P("198.18.100.0/24")});
      EXPECT_FALSE(u.value->attribute_error.empty());
    } else {
      ASSERT_FALSE(u.ok());
      EXPECT_EQ(u.error.code, c.code) << u.error.reason;
      EXPECT_EQ(u.error.subcode, c.subcode) << u.error.reason;
    }
  }
}

// RFC 7606 §3.g: of a repeated attribute the first counts; attributes this speaker does not
// know are accepted when optional; AGGREGATOR is known and accepted whatever its flags.
TEST(BgpMessage, RepeatsKeepTheFirstAndUnknownOptionalAttributesPass) {
  std::string attrs = hex("40 01 01 00") + hex("40 01 01 02") +  // ORIGIN IGP, then INCOMPLETE
                      hex("40 02 06 02 01 00 00 fd ea") +        // AS_PATH 65002
                      hex("40 03 04 c6 12 03 02") +              // NEXT_HOP 198.18.3.2
                      hex("c0 63 02 ab cd") +                    // unknown optional 99
                      hex("40 07 06 fd ea c6 12 03 02");         // AGGREGATOR, flagged well-known
  std::string body = hex("00 00");
  body.push_back(static_cast<char>(attrs.size() >> 8));
  body.push_back(static_cast<char>(attrs.size()));
  auto u = decodeUpdate(message(MessageType::kUpdate, body + attrs + hex("18 c6 12 64")), {true});
  ASSERT_TRUE(u.ok()) << u.error.reason;
  EXPECT_FALSE(u.value->treat_as_withdraw) << u.value->attribute_error;
  EXPECT_EQ(u.value->attrs.origin, Origin::kIgp);
  EXPECT_EQ(u.value->nlri.size(), 1u);
}

TEST(BgpMessage, EveryTruncationOfAValidUpdateIsRejectedCleanly) {
  PathAttributes attrs;
  attrs.as_path = {65002};
  attrs.next_hop = A("2001:2:0:3::2");
  attrs.communities = {1, 2};
  std::string wire;
  encodeUpdates({P("2001:db8::/32")}, attrs, false, {}, &wire);
  for (size_t cut = kHeaderSize; cut < wire.size(); ++cut) {
    std::string m = wire.substr(0, cut);
    m[16] = static_cast<char>(cut >> 8);
    m[17] = static_cast<char>(cut);
    auto len = messageLength(m);
    if (!len.ok()) continue;
    // The attribute length now overruns the message: always a session reset, never a read
    // past `m` (ASan checks that).
    auto u = decodeUpdate(m, {});
    ASSERT_FALSE(u.ok()) << "cut at " << cut;
    EXPECT_EQ(u.error.code, err::kUpdate);
  }
}

}  // namespace
}  // namespace hitless::bgp
