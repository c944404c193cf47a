// Wire numbers of every ISSU client, message type and field that hitless has shipped.
// STYLE.md #4: a number, once shipped, is never reused; a retired one stays listed as retired.
#pragma once

#include <cstdint>

namespace hitless::messages {

// ISSU client ids (IOS-style numbering: small numbers for the infrastructure).
enum ClientIdNumber : uint16_t {
  kClientIssuProto = 2,   // ISSU Proto client: the session hello (frozen at version 1)
  kClientRf = 3,          // ISSU RF: redundancy facility state, heartbeats, digests
  kClientConfigSync = 4,  // ISSU CONFIG SYNC: the running configuration
  kClientFib = 5,         // FIB channel: active rpd -> fwdd (routes are RIB client frames)
  kClientRib = 2028,      // ISSU RIB client: routes
  kClientBgp = 2030,      // ISSU BGP client: sessions and their input, for NSR (optional)
};

// Message types, per client.
enum ProtoMessageType : uint16_t { kMsgSessionHello = 1 };
enum RfMessageType : uint16_t {
  kMsgRfStatus = 1,
  kMsgHeartbeat = 2,
  kMsgStateDigest = 3,
  kMsgBulkSync = 4,       // brackets one client's bulk sync
  kMsgCheckpointAck = 5,  // standby -> active: transactions applied so far
  kMsgSwitchover = 6,     // active -> standby: take over now (planned switchover)
  kMsgSessionReset = 7,   // either side: I am alive but closing this session (resync)
};
enum ConfigMessageType : uint16_t { kMsgConfigItem = 1 };
enum FibMessageType : uint16_t {
  kMsgFibHello = 1,        // rpd -> fwdd: slot, epoch; opens a session and starts a replay
  kMsgFibHelloReply = 2,   // fwdd -> rpd: accepted or refused (a stale epoch), what fwdd holds
  kMsgFibCommit = 3,       // rpd -> fwdd: the route frames since the last commit form a batch
  kMsgFibCommitReply = 4,  // fwdd -> rpd: the batch's outcome, per-route kernel errors
};
// Type 3 was "bulk marker" while 1.0 was in development; it never shipped (replaced by RF
// type 4, bulk sync). Do not reuse 3.
enum RibMessageType : uint16_t { kMsgRouteUpdate = 1, kMsgRouteWithdraw = 2 };
enum BgpMessageType : uint16_t { kMsgBgpSession = 1, kMsgBgpInput = 2, kMsgBgpOutput = 3 };

// Field tags, per message. Nested records have their own tag space.
namespace tags {
// SessionHello v1 (frozen).
enum : uint32_t { kHelloSlot = 1, kHelloSoftware = 2, kHelloClient = 3, kHelloInstance = 4 };
enum : uint32_t { kClientId = 1, kClientName = 2, kClientRequired = 3, kClientMessage = 4 };
enum : uint32_t {
  kMsgType = 1,
  kMsgName = 2,
  kMsgMin = 3,
  kMsgMax = 4,
  kMsgMtu = 5,
  kMsgOptional = 6
};
// RfStatus v1, Heartbeat v1, StateDigest v1.
enum : uint32_t { kRfSlot = 1, kRfState = 2, kRfEpoch = 3 };
enum : uint32_t { kHbSequence = 1, kHbSentNs = 2 };
enum : uint32_t { kDigestClient = 1, kDigestValue = 2, kDigestEntries = 3, kDigestSequence = 4 };
// ConfigItem v1.
enum : uint32_t { kConfigPath = 1, kConfigValue = 2, kConfigDeleted = 3 };
// RouteUpdate: v1 uses 1-5 and next-hop 1-2; v2 adds the route tag (6) and next-hop weight (3).
enum : uint32_t {
  kRoutePrefix = 1,
  kRouteNextHop = 2,
  kRouteProtocol = 3,
  kRouteMetric = 4,
  kRouteDistance = 5,
  kRouteTag = 6,
};
enum : uint32_t { kNextHopGateway = 1, kNextHopIfindex = 2, kNextHopWeight = 3 };
// RouteWithdraw v1.
enum : uint32_t { kWithdrawPrefix = 1 };
// BulkSync v1, CheckpointAck v1, Switchover v1.
enum : uint32_t { kBulkClient = 1, kBulkPhase = 2, kBulkCount = 3 };
enum : uint32_t { kAckTransactions = 1 };
enum : uint32_t { kSwitchoverEpoch = 1, kSwitchoverReason = 2 };
enum : uint32_t { kResetReason = 1 };
// FIB channel v1. The hello and its reply carry each end's FIB-channel message set (5, 7:
// nested client records as in the session hello) since fwdd 1.1 and the rpd releases built with
// it; an end that sends none is taken to speak every FIB message at v1 (fib_catalog.h).
enum : uint32_t {
  kFibHelloSlot = 1,
  kFibHelloEpoch = 2,
  kFibHelloSoftware = 3,
  kFibHelloRoutes = 4,
  kFibHelloMessageSet = 5,
};
enum : uint32_t {
  kFibReplyAccepted = 1,
  kFibReplyReason = 2,
  kFibReplyEpoch = 3,
  kFibReplyRoutes = 4,
  kFibReplyStale = 5,
  kFibReplySoftware = 6,
  kFibReplyMessageSet = 7,
};
enum : uint32_t { kFibCommitSequence = 1, kFibCommitReplayEnd = 2 };
enum : uint32_t {
  kFibResultSequence = 1,
  kFibResultError = 2,  // the batch was refused as a whole; nothing of it was applied
  kFibResultRouteError = 3,
  kFibResultWritten = 4,
  kFibResultUnchanged = 5,
  kFibResultSwept = 6,
  kFibResultApplyUs = 7,  // v2: microseconds fwdd took to apply the batch (reconcile + kernel)
};
enum : uint32_t { kFibRouteErrorPrefix = 1, kFibRouteErrorText = 2 };
// BGP client v1.
enum : uint32_t {
  kBgpSessionPeer = 1,
  kBgpSessionEstablished = 2,
  kBgpSessionLocalOpen = 3,
  kBgpSessionPeerOpen = 4,
  kBgpSessionRxOffset = 5,
  kBgpSessionTxOffset = 6,
  kBgpSessionHandover = 7,
  kBgpSessionPendingInput = 8,
  kBgpSessionId = 9,
};
enum : uint32_t {
  kBgpInputPeer = 1,
  kBgpInputOffset = 2,
  kBgpInputMessages = 3,
  kBgpInputSnapshot = 4,
  kBgpInputPartial = 5,
};
enum : uint32_t {
  kBgpOutputPeer = 1,
  kBgpOutputSessionId = 2,
  kBgpOutputOffset = 3,
  kBgpOutputMessages = 4,
  kBgpOutputWritten = 5,
};
}  // namespace tags

}  // namespace hitless::messages
