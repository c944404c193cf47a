// Golden files: the exact bytes of every message version hitless has shipped, one frame per file
// under tests/golden/. They must keep decoding — by every release that supports their version —
// and today's encoders must still produce them byte for byte (STYLE.md #14).
//
// A new message version gets its file by running this test once with HITLESS_WRITE_GOLDEN=1,
// which writes only files that do not exist yet: a shipped file is never rewritten.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

#include "base/file_util.h"
#include "messages/bgp_messages.h"
#include "messages/fib_catalog.h"
#include "messages/fib_messages.h"
#include "messages/message_dump.h"
#include "messages/release.h"
#include "messages/sample_messages.h"
#include "messages/wire_numbers.h"
#include "wire/frame.h"

namespace hitless::messages {
namespace {

struct Golden {
  const char* file;
  uint16_t client;
  uint16_t type;
  uint16_t version;
  std::function<std::string()> payload;
  const char* description;  // what describeFrame prints for it, read by the newest release
};

FibCommitReply sampleCommitReply() {
  return {42,
          "",
          {{*net::IpPrefix::parse("198.18.10.0/24"),
            "Network is unreachable (Nexthop has invalid gateway)"}},
          10,
          990,
          3,
          1234};
}

std::string routeBytes(const net::Route& r, issu::MessageVersion v) {
  std::string out;
  encodeRouteUpdate(r, v, &out);
  return out;
}

const std::vector<Golden>& corpus() {
  static const std::vector<Golden> kCorpus = {
      {"route_update_v1.bin", kClientRib, kMsgRouteUpdate, 1,
       [] { return routeBytes(testing::sampleRouteV1(), 1); },
       "route 198.18.10.0/24 via 198.18.1.2 dev#3 proto 186 metric 20 distance 20"},
      {"route_update_v2.bin", kClientRib, kMsgRouteUpdate, 2,
       [] { return routeBytes(testing::sampleRouteV2(), 2); },
       "route 198.18.10.0/24 via 198.18.1.2 dev#3 via 198.18.1.3 dev#4 weight 3 proto 186 "
       "metric 20 distance 20 tag 77"},
      {"route_update_ipv6_v1.bin", kClientRib, kMsgRouteUpdate, 1,
       [] { return routeBytes(testing::sampleRouteIpv6(), 1); },
       "route 2001:db8:10::/48 via 2001:db8::2 via none dev#7 proto 186 metric 0 distance 200"},
      {"route_withdraw_v1.bin", kClientRib, kMsgRouteWithdraw, 1,
       [] {
         std::string s;
         encodeRouteWithdraw({*net::IpPrefix::parse("198.18.10.0/24")}, &s);
         return s;
       },
       "withdraw 198.18.10.0/24"},
      {"bulk_sync_v1.bin", kClientRf, kMsgBulkSync, 1,
       [] {
         std::string s;
         encodeBulkSync({kClientRib, BulkSync::kEnd, 100000}, &s);
         return s;
       },
       "bulk end client 2028 count 100000"},
      {"checkpoint_ack_v1.bin", kClientRf, kMsgCheckpointAck, 1,
       [] {
         std::string s;
         encodeCheckpointAck({123456}, &s);
         return s;
       },
       "checkpoint ack 123456"},
      {"switchover_v1.bin", kClientRf, kMsgSwitchover, 1,
       [] {
         std::string s;
         encodeSwitchover({4, 4}, &s);
         return s;
       },
       "switchover epoch 4 reason 4"},
      {"session_reset_v1.bin", kClientRf, kMsgSessionReset, 1,
       [] {
         std::string s;
         encodeSessionReset({"state digest mismatch"}, &s);
         return s;
       },
       "session reset: state digest mismatch"},
      {"session_hello_v1.bin", kClientIssuProto, kMsgSessionHello, 1,
       [] {
         std::string s;
         encodeSessionHello(
             {0, "1.0.0", 0x0123456789abcdefULL, buildCatalog(kRelease1_0)->messageSet()}, &s);
         return s;
       },
       "session hello slot 0 software 1.0.0 clients 5"},
      {"rf_status_v1.bin", kClientRf, kMsgRfStatus, 1,
       [] {
         std::string s;
         encodeRfStatus({1, 8, 3}, &s);
         return s;
       },
       "rf status slot 1 state 8 epoch 3"},
      {"heartbeat_v1.bin", kClientRf, kMsgHeartbeat, 1,
       [] {
         std::string s;
         encodeHeartbeat({12345, 987654321}, &s);
         return s;
       },
       "heartbeat 12345"},
      {"state_digest_v1.bin", kClientRf, kMsgStateDigest, 1,
       [] {
         std::string s;
         encodeStateDigest({kClientRib, std::string(32, '\x5a'), 100000, 100002}, &s);
         return s;
       },
       "state digest client 2028 entries 100000"},
      {"config_item_v1.bin", kClientConfigSync, kMsgConfigItem, 1,
       [] {
         std::string s;
         encodeConfigItem({"router bgp 65001/neighbor 198.18.2.2/remote-as", "65002", false}, &s);
         return s;
       },
       "config set router bgp 65001/neighbor 198.18.2.2/remote-as = 65002"},
      {"bgp_session_v1.bin", kClientBgp, kMsgBgpSession, 1,
       [] {
         std::string s;
         encodeBgpSession(testing::sampleBgpSession(), &s);
         return s;
       },
       "bgp session 198.18.2.2 established rx 1234 tx 567 handover (3 bytes pending)"},
      {"bgp_input_v1.bin", kClientBgp, kMsgBgpInput, 1,
       [] {
         std::string s;
         encodeBgpInput({*net::IpAddress::parse("198.18.2.2"), 1234,
                         testing::bgpKeepaliveBytes() + testing::bgpKeepaliveBytes()},
                        &s);
         return s;
       },
       "bgp input 198.18.2.2 at 1234, 38 bytes"},
      {"bgp_output_v1.bin", kClientBgp, kMsgBgpOutput, 1,
       [] {
         std::string s;
         encodeBgpOutput(
             {*net::IpAddress::parse("198.18.2.2"), 77, 567, testing::bgpKeepaliveBytes(), 548},
             &s);
         return s;
       },
       "bgp output 198.18.2.2 at 567, 19 bytes (548 written)"},
      // The FIB channel (client 5, docs/fib-channel.md): its own catalogs (fib_catalog.h), read
      // by every rpd and fwdd release whose FIB catalog has the version.
      {"fib_hello_v1.bin", kClientFib, kMsgFibHello, 1,
       [] {
         std::string s;
         encodeFibHello({1, 7, "1.1.0", 100000, {}}, &s);
         return s;
       },
       "fib hello slot 1 epoch 7 software 1.1.0 routes 100000"},
      {"fib_hello_message_set_v1.bin", kClientFib, kMsgFibHello, 1,
       [] {
         std::string s;
         encodeFibHello(
             {1, 7, "1.1.0", 100000, buildFibCatalog(FibEnd::kRpd, kRelease1_1)->messageSet()}, &s);
         return s;
       },
       "fib hello slot 1 epoch 7 software 1.1.0 routes 100000 clients 2"},
      {"fib_hello_reply_v1.bin", kClientFib, kMsgFibHelloReply, 1,
       [] {
         std::string s;
         encodeFibHelloReply({false, "epoch 6 is below 7", 7, 5, 5, "", {}}, &s);
         return s;
       },
       "fib hello reply refused (epoch 6 is below 7) epoch 7 routes 5 stale 5"},
      {"fib_hello_reply_message_set_v1.bin", kClientFib, kMsgFibHelloReply, 1,
       [] {
         std::string s;
         encodeFibHelloReply(
             {true, "", 7, 5, 5, "1.1.0", buildFibCatalog(FibEnd::kFwdd, kFwdd1_1)->messageSet()},
             &s);
         return s;
       },
       "fib hello reply accepted epoch 7 routes 5 stale 5 software 1.1.0 clients 2"},
      {"fib_commit_v1.bin", kClientFib, kMsgFibCommit, 1,
       [] {
         std::string s;
         encodeFibCommit({42, true}, &s);
         return s;
       },
       "fib commit 42 replay end"},
      {"fib_commit_reply_v1.bin", kClientFib, kMsgFibCommitReply, 1,
       [] {
         std::string s;
         encodeFibCommitReply(sampleCommitReply(), 1, &s);
         return s;
       },
       "fib commit reply 42: written 10 unchanged 990 swept 3, 198.18.10.0/24: Network is "
       "unreachable (Nexthop has invalid gateway)"},
      {"fib_commit_reply_v2.bin", kClientFib, kMsgFibCommitReply, 2,
       [] {
         std::string s;
         encodeFibCommitReply(sampleCommitReply(), 2, &s);
         return s;
       },
       "fib commit reply 42: written 10 unchanged 990 swept 3 applied in 1234 us, "
       "198.18.10.0/24: Network is unreachable (Nexthop has invalid gateway)"},
  };
  return kCorpus;
}

std::string frameOf(const Golden& g) {
  std::string out;
  wire::appendFrame(&out, g.client, g.type, g.version, g.payload());
  return out;
}

class GoldenTest : public ::testing::TestWithParam<size_t> {};

TEST_P(GoldenTest, ShippedBytesStillDecodeAndStillEncode) {
  const Golden& g = corpus()[GetParam()];
  std::string path = std::string(HITLESS_GOLDEN_DIR) + "/" + g.file;
  std::string expected = frameOf(g);
  if (!pathExists(path)) {
    const char* write = std::getenv("HITLESS_WRITE_GOLDEN");
    ASSERT_TRUE(write != nullptr && std::string(write) == "1")
        << path << " is missing; run with HITLESS_WRITE_GOLDEN=1 to create it once";
    ASSERT_TRUE(writeFileAtomic(path, expected).isOk());
  }
  auto bytes = readFile(path);
  ASSERT_TRUE(bytes.isOk());
  EXPECT_EQ(*bytes, expected) << "today's encoder no longer produces the shipped bytes of "
                              << g.file;

  auto frame = wire::parseFrame(*bytes);
  ASSERT_TRUE(frame.isOk() && frame->has_value());
  EXPECT_EQ((*frame)->payload.size() + wire::kFrameHeaderSize, bytes->size());
  size_t readers = 0;
  if (g.client == kClientFib) {
    // Every FIB catalog of either end reads the versions it has, the newest transforming.
    std::vector<std::pair<std::string, issu::MessageCatalog>> ends;
    for (Release r : knownReleases()) {
      ends.emplace_back("rpd " + r.toString(), *buildFibCatalog(FibEnd::kRpd, r));
    }
    for (Release r : knownFwddReleases()) {
      ends.emplace_back("fwdd " + r.toString(), *buildFibCatalog(FibEnd::kFwdd, r));
    }
    for (const auto& [name, catalog] : ends) {
      const auto* spec = catalog.findMessage(g.client, g.type);
      ASSERT_NE(spec, nullptr) << name;
      auto text = describeFibFrame(catalog, **frame);
      if (g.version < spec->min_version || g.version > spec->max_version) {
        EXPECT_EQ(text.status().code(), StatusCode::kUnimplemented) << name;
        continue;
      }
      ASSERT_TRUE(text.isOk()) << name << ": " << text.status().toString();
      ++readers;
      if (spec->max_version == g.version) {
        EXPECT_EQ(*text, g.description) << name;
      }
    }
  }
  for (Release r : knownReleases()) {
    if (g.client == kClientFib) break;
    auto catalog = buildCatalog(r);
    auto text = describeFrame(*catalog, **frame);
    const auto* spec = catalog->findMessage(g.client, g.type);
    if (spec == nullptr) {
      // A type added in a later release (optional): an older one refuses it, never misreads it.
      EXPECT_FALSE(text.isOk()) << r.toString() << " read a message type it does not have";
      continue;
    }
    if (g.version < spec->min_version || g.version > spec->max_version) {
      EXPECT_EQ(text.status().code(), StatusCode::kUnimplemented) << r.toString();
      continue;
    }
    ASSERT_TRUE(text.isOk()) << r.toString() << ": " << text.status().toString();
    ++readers;
    if (r == knownReleases().back() || spec->max_version == g.version) {
      EXPECT_EQ(*text, g.description) << r.toString();
    }
  }
  EXPECT_GT(readers, 0u) << g.file << " is readable by no release";
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoldenTest, ::testing::Range<size_t>(0, corpus().size()),
                         [](const auto& info) {
                           std::string n = corpus()[info.param].file;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace hitless::messages
