#include <gtest/gtest.h>

#include <random>

#include "messages/fields.h"
#include "messages/rib_messages.h"
#include "messages/sample_messages.h"
#include "messages/session_messages.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {
namespace {

using testing::sampleRouteIpv6;
using testing::sampleRouteV1;
using testing::sampleRouteV2;

std::string encodeRoute(const net::Route& r, issu::MessageVersion v) {
  std::string out;
  encodeRouteUpdate(r, v, &out);
  return out;
}

// What a v1 image can represent of a route.
net::Route asV1(net::Route r) {
  for (auto& nh : r.nexthops) nh.weight = 1;
  r.tag = 0;
  return r;
}

net::Route randomRoute(std::mt19937& rng) {
  net::Route r;
  bool v6 = rng() % 3 == 0;
  unsigned len = v6 ? rng() % 129 : rng() % 33;
  net::IpAddress a;
  a.family = v6 ? net::Family::kIpv6 : net::Family::kIpv4;
  for (size_t i = 0; i < a.size(); ++i) a.bytes[i] = static_cast<uint8_t>(rng());
  for (unsigned bit = len; bit < a.size() * 8; ++bit) a.bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  r.prefix = *net::IpPrefix::make(a, len);
  size_t hops = rng() % 4;
  for (size_t i = 0; i < hops; ++i) {
    net::NextHop nh;
    nh.gateway.family = a.family;
    for (size_t k = 0; k < a.size(); ++k) nh.gateway.bytes[k] = static_cast<uint8_t>(rng());
    nh.ifindex = rng() % 5;
    nh.weight = 1 + rng() % 10;
    r.nexthops.push_back(nh);
  }
  r.protocol = static_cast<uint8_t>(rng());
  r.metric = static_cast<uint32_t>(rng());
  r.distance = static_cast<uint8_t>(rng());
  r.tag = rng() % 2 ? static_cast<uint32_t>(rng()) : 0;
  return r;
}

TEST(RouteUpdate, RoundTripsAtEachVersionByteIdentically) {
  for (const net::Route& r : {sampleRouteV1(), sampleRouteV2(), sampleRouteIpv6()}) {
    for (issu::MessageVersion v : {1, 2}) {
      std::string bytes = encodeRoute(r, v);
      auto back = decodeRouteUpdate(bytes, v);
      ASSERT_TRUE(back.isOk()) << back.status().toString();
      EXPECT_EQ(*back, v == 1 ? asV1(r) : r);
      EXPECT_EQ(encodeRoute(*back, v), bytes);
    }
  }
}

TEST(RouteUpdate, TransformsAgreeWithTheDirectCodecsOnRandomRoutes) {
  std::mt19937 rng(4724);  // fixed seed: a failure replays
  for (int i = 0; i < 5000; ++i) {
    net::Route r = randomRoute(rng);
    std::string v1 = encodeRoute(r, 1), v2 = encodeRoute(r, 2);
    auto down = downgradeRouteUpdateV2(v2);
    ASSERT_TRUE(down.isOk());
    EXPECT_EQ(*down, v1) << r.prefix.toString();
    auto up = upgradeRouteUpdateV1(v1);
    ASSERT_TRUE(up.isOk());
    EXPECT_EQ(*up, encodeRoute(asV1(r), 2));
    // v1 -> v2 -> v1 loses nothing a v1 image had.
    EXPECT_EQ(*downgradeRouteUpdateV2(*up), v1);
  }
}

// The checkpoint channel hands a v1 route to a 1.1 standby untransformed (the catalog's
// readsDirectly): the v1 decoder must give what upgrading and then decoding at v2 gives, for
// valid input and for damaged input alike (both refuse it, or both read the same route).
TEST(RouteUpdate, ReadingV1DirectlyEqualsUpgradingThenReadingV2) {
  std::mt19937 rng(5151);  // fixed seed: a failure replays
  size_t agreed_ok = 0, agreed_refused = 0;
  auto check = [&](const std::string& v1) {
    auto direct = decodeRouteUpdate(v1, 1);
    auto up = upgradeRouteUpdateV1(v1);
    Result<net::Route> via =
        up.isOk() ? decodeRouteUpdate(*up, 2) : Result<net::Route>(up.status());
    ASSERT_EQ(direct.isOk(), via.isOk())
        << (direct.isOk() ? via.status().toString() : direct.status().toString());
    if (direct.isOk()) {
      EXPECT_EQ(*direct, *via);
      ++agreed_ok;
    } else {
      ++agreed_refused;
    }
  };
  for (int i = 0; i < 3000; ++i) {
    net::Route r = randomRoute(rng);
    // A v1 sender may also put fields a v1 reader skips: weights, tags, tags from the future.
    std::string v1 = encodeRoute(r, rng() % 4 == 0 ? 2 : 1);
    if (rng() % 4 == 0) {
      wire::TlvWriter w(&v1);
      w.addUint(30 + rng() % 5, rng());
    }
    check(v1);
    for (size_t n = 0; n < v1.size(); n += 1 + rng() % 7) check(v1.substr(0, n));
    for (int k = 0; k < 4; ++k) {
      std::string mutated = v1;
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
      check(mutated);
    }
  }
  EXPECT_GT(agreed_ok, 3000u);
  EXPECT_GT(agreed_refused, 1000u);
}

TEST(RouteUpdate, OlderReaderSkipsNewerFields) {
  // A v1 decoder handed v2 bytes skips the weight and the tag instead of failing.
  auto r = decodeRouteUpdate(encodeRoute(sampleRouteV2(), 2), 1);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(*r, asV1(sampleRouteV2()));
  // Fields with tags from the far future are skipped too.
  std::string bytes = encodeRoute(sampleRouteV1(), 1);
  wire::TlvWriter w(&bytes);
  w.addBytes(40, "from the future");
  EXPECT_EQ(*decodeRouteUpdate(bytes, 1), sampleRouteV1());
}

TEST(RouteUpdate, MalformedInputIsACorruptionError) {
  auto corrupt = [](std::string bytes, issu::MessageVersion v, const char* expect) {
    auto r = decodeRouteUpdate(bytes, v);
    ASSERT_FALSE(r.isOk()) << expect;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find(expect), std::string::npos) << r.status().message();
  };
  std::string dup;
  {
    wire::TlvWriter w(&dup);
    addPrefix(w, tags::kRoutePrefix, sampleRouteV1().prefix);
    addPrefix(w, tags::kRoutePrefix, sampleRouteV1().prefix);
  }
  corrupt(dup, 1, "prefix appears twice");
  std::string dup_metric = encodeRoute(sampleRouteV1(), 1);
  wire::TlvWriter(&dup_metric).addUint(tags::kRouteMetric, 7);
  corrupt(dup_metric, 1, "route update: metric appears twice");
  std::string wide_protocol;
  {
    wire::TlvWriter w(&wide_protocol);
    addPrefix(w, tags::kRoutePrefix, sampleRouteV1().prefix);
    w.addUint(tags::kRouteProtocol, 300);  // the protocol is one byte
  }
  corrupt(wide_protocol, 1, "protocol: field 3: value 300 exceeds 255");
  std::string no_prefix;
  wire::TlvWriter(&no_prefix).addUint(tags::kRouteMetric, 5);
  corrupt(no_prefix, 1, "required field prefix");
  std::string host_bits;
  wire::TlvWriter(&host_bits)
      .addBytes(tags::kRoutePrefix, std::string("\x04\x18\xc6\x12\x0a\x01", 6));
  corrupt(host_bits, 1, "wrong size");
  std::string bad_family;
  wire::TlvWriter(&bad_family).addBytes(tags::kRoutePrefix, std::string("\x05\x00", 2));
  corrupt(bad_family, 1, "unknown address family");
  net::Route zero_weight = sampleRouteV2();
  zero_weight.nexthops[0].weight = 0;
  corrupt(encodeRoute(zero_weight, 2), 2, "weight is 0");
  net::Route mixed = sampleRouteV1();
  mixed.nexthops[0].gateway = *net::IpAddress::parse("2001:db8::1");
  corrupt(encodeRoute(mixed, 1), 1, "family differs");
  // v2 requires the weight a v1 payload lacks: the transform, not the decoder, supplies it.
  corrupt(encodeRoute(sampleRouteV1(), 1), 2, "required field weight");
  EXPECT_EQ(decodeRouteUpdate(encodeRoute(sampleRouteV1(), 1), 3).status().code(),
            StatusCode::kUnimplemented);
}

// Every decoder, fed every prefix and many single-byte corruptions of valid input, returns an
// error or a value — never undefined behaviour (the ASan build runs this too).
TEST(AllMessages, TruncatedAndBitFlippedInputNeverCrashes) {
  std::vector<std::pair<std::string, std::function<bool(wire::ByteView)>>> samples;
  auto add = [&](std::string bytes, std::function<bool(wire::ByteView)> decode) {
    samples.emplace_back(std::move(bytes), std::move(decode));
  };
  add(encodeRoute(sampleRouteV2(), 2), [](auto b) { return decodeRouteUpdate(b, 2).isOk(); });
  add(encodeRoute(sampleRouteIpv6(), 1), [](auto b) { return decodeRouteUpdate(b, 1).isOk(); });
  std::string s;
  encodeRouteWithdraw({sampleRouteV1().prefix}, &s);
  add(s, [](auto b) { return decodeRouteWithdraw(b).isOk(); });
  s.clear();
  encodeBulkSync({kClientRib, BulkSync::kEnd, 1000000}, &s);
  add(s, [](auto b) { return decodeBulkSync(b).isOk(); });
  s.clear();
  SessionHello hello{1, "1.1.0", 99, {}};
  hello.message_set.clients.push_back(
      {2, "ISSU Proto client", true, {{1, "session hello", 1, 1, 0}}});
  encodeSessionHello(hello, &s);
  add(s, [](auto b) { return decodeSessionHello(b).isOk(); });
  s.clear();
  encodeConfigItem({"hostname", "rtr1", false}, &s);
  add(s, [](auto b) { return decodeConfigItem(b).isOk(); });
  s.clear();
  encodeStateDigest({2028, std::string(32, 'd'), 10, 20}, &s);
  add(s, [](auto b) { return decodeStateDigest(b).isOk(); });

  std::mt19937 rng(7606);
  size_t decoded_ok = 0, rejected = 0;
  for (auto& [bytes, decode] : samples) {
    ASSERT_TRUE(decode(bytes));
    for (size_t n = 0; n < bytes.size(); ++n) {
      decode(wire::ByteView(bytes).substr(0, n)) ? ++decoded_ok : ++rejected;
    }
    for (int i = 0; i < 2000; ++i) {
      std::string mutated = bytes;
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
      decode(mutated) ? ++decoded_ok : ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u);  // the corruptions were noticed, not all silently accepted
}

TEST(SessionMessages, RoundTrip) {
  SessionHello hello{1, "1.0.0", 0xfeedface, {}};
  hello.message_set.clients.push_back(
      {2, "ISSU Proto client", true, {{1, "session hello", 1, 1, 0}}});
  hello.message_set.clients.push_back({2050, "BGP", false, {{1, "peer", 1, 3, 4096}}});
  std::string a;
  encodeSessionHello(hello, &a);
  auto back = decodeSessionHello(a);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, hello);

  RfStatus rf{1, 13, 42};
  std::string b;
  encodeRfStatus(rf, &b);
  EXPECT_EQ(*decodeRfStatus(b), rf);

  Heartbeat hb{7, 123456789};
  std::string c;
  encodeHeartbeat(hb, &c);
  EXPECT_EQ(*decodeHeartbeat(c), hb);

  BulkSync bulk{kClientRib, BulkSync::kBegin, 77};
  std::string e;
  encodeBulkSync(bulk, &e);
  EXPECT_EQ(*decodeBulkSync(e), bulk);
  std::string f;
  encodeSwitchover({9, 5}, &f);
  EXPECT_EQ(*decodeSwitchover(f), (Switchover{9, 5}));
  std::string g;
  encodeCheckpointAck({1u << 30}, &g);
  EXPECT_EQ(decodeCheckpointAck(g)->transactions, 1u << 30);

  ConfigItem item{"router bgp 65001/neighbor 198.18.1.2/remote-as", "65002", true};
  std::string d;
  encodeConfigItem(item, &d);
  EXPECT_EQ(*decodeConfigItem(d), item);
}

TEST(SessionMessages, HelloWithAnInvalidMessageSetIsRejected) {
  SessionHello hello{1, "1.0.0", 1, {}};
  hello.message_set.clients.push_back({2, "dup", true, {{1, "a", 1, 1, 0}}});
  hello.message_set.clients.push_back({2, "dup", true, {{1, "a", 1, 1, 0}}});
  std::string bytes;
  encodeSessionHello(hello, &bytes);
  EXPECT_EQ(decodeSessionHello(bytes).status().code(), StatusCode::kCorruption);
}

TEST(SessionMessages, StateDigestMustBe32Bytes) {
  std::string bytes;
  encodeStateDigest({2028, "short", 1, 1}, &bytes);
  EXPECT_FALSE(decodeStateDigest(bytes).isOk());
}

}  // namespace
}  // namespace hitless::messages
