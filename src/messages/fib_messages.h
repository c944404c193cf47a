// Messages of the FIB channel (client 5): the active rpd feeding fwdd (docs/fib-channel.md).
//
// A session opens with FibHello (the sender's slot and switchover epoch, and its FIB-channel
// message set); fwdd answers with FibHelloReply (its own set), accepting only the highest epoch
// it has seen. Both ends negotiate the two sets alike (issu/negotiation.h). The hello and the
// reply are version 1 forever: they are read before anything else is known. Routes then travel as
// RIB client frames (route update v1/v2, route withdraw — the same codecs as the checkpoint
// stream), and a FibCommit closes each batch: fwdd applies a batch only once its commit arrived and
// every frame of it decoded, and answers with FibCommitReply. A commit with replay_end set ends the
// replay that every new session starts with; fwdd then sweeps the routes the replay did not
// refresh.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "issu/message_set.h"
#include "net/ip.h"
#include "wire/tlv.h"

namespace hitless::messages {

struct FibHello {
  uint8_t slot = 0;
  uint64_t epoch = 0;
  std::string software_version;
  uint64_t routes = 0;           // how many routes the replay will carry (a sizing hint)
  issu::MessageSet message_set;  // empty: an rpd from before FIB negotiation
  bool operator==(const FibHello&) const = default;
};
void encodeFibHello(const FibHello& m, std::string* out);
Result<FibHello> decodeFibHello(wire::ByteView payload);

struct FibHelloReply {
  bool accepted = false;
  std::string reason;            // why a hello was refused
  uint64_t epoch = 0;            // the highest epoch fwdd has seen
  uint64_t routes = 0;           // routes fwdd holds in the kernel now
  uint64_t stale = 0;            // of them, marked stale and awaiting the replay
  std::string software_version;  // fwdd's
  issu::MessageSet message_set;  // empty: a fwdd from before FIB negotiation
  bool operator==(const FibHelloReply&) const = default;
};
void encodeFibHelloReply(const FibHelloReply& m, std::string* out);
Result<FibHelloReply> decodeFibHelloReply(wire::ByteView payload);

struct FibCommit {
  uint64_t sequence = 0;
  bool replay_end = false;
  bool operator==(const FibCommit&) const = default;
};
void encodeFibCommit(const FibCommit& m, std::string* out);
Result<FibCommit> decodeFibCommit(wire::ByteView payload);

struct FibRouteError {
  net::IpPrefix prefix;
  std::string error;
  bool operator==(const FibRouteError&) const = default;
};

struct FibCommitReply {
  uint64_t sequence = 0;
  std::string error;  // non-empty: the batch was refused whole and nothing of it applied
  std::vector<FibRouteError> route_errors;  // routes the kernel refused (the rest applied)
  uint64_t written = 0;                     // kernel writes the batch caused
  uint64_t unchanged = 0;                   // routes already installed as asked (no kernel write)
  uint64_t swept = 0;                       // stale routes removed after the replay ended
  uint64_t apply_us = 0;  // v2: how long fwdd took to apply the batch (reconcile + kernel)
  bool operator==(const FibCommitReply&) const = default;
};
// v1 leaves apply_us out; v2 writes it. The decoder reads either.
void encodeFibCommitReply(const FibCommitReply& m, issu::MessageVersion version, std::string* out);
Result<FibCommitReply> decodeFibCommitReply(wire::ByteView payload);
Result<std::string> upgradeFibCommitReplyV1(wire::ByteView v1_payload);    // v1 -> v2
Result<std::string> downgradeFibCommitReplyV2(wire::ByteView v2_payload);  // v2 -> v1

}  // namespace hitless::messages
