#include "messages/message_dump.h"

#include "messages/bgp_messages.h"
#include "messages/fib_catalog.h"
#include "messages/fib_messages.h"
#include "messages/rib_messages.h"
#include "messages/session_messages.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {
namespace {

std::string describeRoute(const net::Route& r) {
  std::string s = "route " + r.prefix.toString();
  for (const auto& nh : r.nexthops) {
    s += " via " + nh.gateway.toString();
    if (nh.ifindex != 0) s += " dev#" + std::to_string(nh.ifindex);
    if (nh.weight != 1) s += " weight " + std::to_string(nh.weight);
  }
  s += " proto " + std::to_string(r.protocol) + " metric " + std::to_string(r.metric) +
       " distance " + std::to_string(r.distance);
  if (r.tag != 0) s += " tag " + std::to_string(r.tag);
  return s;
}

// The frame's payload at `catalog`'s native version of its message, through the transforms.
Result<std::string> toNative(const issu::MessageCatalog& catalog, const wire::Frame& frame) {
  const auto& h = frame.header;
  const issu::MessageTypeSpec* spec = catalog.findMessage(h.client_id, h.msg_type);
  if (spec == nullptr) {
    return Status::notFound("client " + std::to_string(h.client_id) + " message type " +
                            std::to_string(h.msg_type) + " is not recognised");
  }
  return catalog.convert(h.client_id, h.msg_type, frame.payload, h.version, spec->max_version);
}

}  // namespace

Result<std::string> describeFrame(const issu::MessageCatalog& catalog, const wire::Frame& frame) {
  const auto& h = frame.header;
  if (h.client_id == kClientFib) {
    static const issu::MessageCatalog kNewestFwdd =
        *buildFibCatalog(FibEnd::kFwdd, knownFwddReleases().back());
    return describeFibFrame(kNewestFwdd, frame);
  }
  const issu::MessageTypeSpec* spec = catalog.findMessage(h.client_id, h.msg_type);
  ASSIGN_OR_RETURN(std::string native, toNative(catalog, frame));
  wire::ByteView p = native;
  switch (h.client_id) {
    case kClientIssuProto: {
      ASSIGN_OR_RETURN(auto m, decodeSessionHello(p));
      return "session hello slot " + std::to_string(m.slot) + " software " + m.software_version +
             " clients " + std::to_string(m.message_set.clients.size());
    }
    case kClientRf:
      if (h.msg_type == kMsgRfStatus) {
        ASSIGN_OR_RETURN(auto m, decodeRfStatus(p));
        return "rf status slot " + std::to_string(m.slot) + " state " + std::to_string(m.rf_state) +
               " epoch " + std::to_string(m.epoch);
      }
      if (h.msg_type == kMsgHeartbeat) {
        ASSIGN_OR_RETURN(auto m, decodeHeartbeat(p));
        return "heartbeat " + std::to_string(m.sequence);
      }
      if (h.msg_type == kMsgStateDigest) {
        ASSIGN_OR_RETURN(auto m, decodeStateDigest(p));
        return "state digest client " + std::to_string(m.client) + " entries " +
               std::to_string(m.entries);
      }
      if (h.msg_type == kMsgBulkSync) {
        ASSIGN_OR_RETURN(auto m, decodeBulkSync(p));
        return std::string(m.phase == BulkSync::kBegin ? "bulk begin" : "bulk end") + " client " +
               std::to_string(m.client) + " count " + std::to_string(m.count);
      }
      if (h.msg_type == kMsgCheckpointAck) {
        ASSIGN_OR_RETURN(auto m, decodeCheckpointAck(p));
        return "checkpoint ack " + std::to_string(m.transactions);
      }
      if (h.msg_type == kMsgSessionReset) {
        ASSIGN_OR_RETURN(auto m, decodeSessionReset(p));
        return "session reset: " + m.reason;
      }
      {
        ASSIGN_OR_RETURN(auto m, decodeSwitchover(p));
        return "switchover epoch " + std::to_string(m.epoch) + " reason " +
               std::to_string(m.reason);
      }
    case kClientConfigSync: {
      ASSIGN_OR_RETURN(auto m, decodeConfigItem(p));
      return std::string(m.deleted ? "config delete " : "config set ") + m.path + " = " + m.value;
    }
    case kClientRib:
      if (h.msg_type == kMsgRouteUpdate) {
        ASSIGN_OR_RETURN(auto r, decodeRouteUpdate(p, spec->max_version));
        return describeRoute(r);
      }
      {
        ASSIGN_OR_RETURN(auto m, decodeRouteWithdraw(p));
        return "withdraw " + m.prefix.toString();
      }
    case kClientBgp:
      if (h.msg_type == kMsgBgpSession) {
        ASSIGN_OR_RETURN(auto m, decodeBgpSession(p));
        return "bgp session " + m.peer.toString() + (m.established ? " established" : " down") +
               " rx " + std::to_string(m.rx_offset) + " tx " + std::to_string(m.tx_offset) +
               (m.handover
                    ? " handover (" + std::to_string(m.pending_input.size()) + " bytes pending)"
                    : "");
      }
      if (h.msg_type == kMsgBgpOutput) {
        ASSIGN_OR_RETURN(auto m, decodeBgpOutput(p));
        return "bgp output " + m.peer.toString() + " at " + std::to_string(m.offset) + ", " +
               std::to_string(m.messages.size()) + " bytes (" + std::to_string(m.written) +
               " written)";
      }
      {
        ASSIGN_OR_RETURN(auto m, decodeBgpInput(p));
        return "bgp input " + m.peer.toString() + " at " + std::to_string(m.offset) + ", " +
               std::to_string(m.messages.size()) + " bytes" +
               (m.snapshot  ? " (snapshot)"
                : m.partial ? " (partial)"
                            : "");
      }
  }
  return Status::internal("catalog knows client " + std::to_string(h.client_id) +
                          " but the dumper does not");
}

Result<std::string> describeFibFrame(const issu::MessageCatalog& fib_catalog,
                                     const wire::Frame& frame) {
  const auto& h = frame.header;
  if (h.client_id != kClientFib) return describeFrame(fib_catalog, frame);  // a route frame
  ASSIGN_OR_RETURN(std::string native, toNative(fib_catalog, frame));
  wire::ByteView p = native;
  switch (h.msg_type) {
    case kMsgFibHello: {
      ASSIGN_OR_RETURN(auto m, decodeFibHello(p));
      return "fib hello slot " + std::to_string(m.slot) + " epoch " + std::to_string(m.epoch) +
             " software " + m.software_version + " routes " + std::to_string(m.routes) +
             (m.message_set.clients.empty()
                  ? ""
                  : " clients " + std::to_string(m.message_set.clients.size()));
    }
    case kMsgFibHelloReply: {
      ASSIGN_OR_RETURN(auto m, decodeFibHelloReply(p));
      return std::string("fib hello reply ") +
             (m.accepted ? "accepted" : "refused (" + m.reason + ")") + " epoch " +
             std::to_string(m.epoch) + " routes " + std::to_string(m.routes) + " stale " +
             std::to_string(m.stale) +
             (m.software_version.empty() ? "" : " software " + m.software_version) +
             (m.message_set.clients.empty()
                  ? ""
                  : " clients " + std::to_string(m.message_set.clients.size()));
    }
    case kMsgFibCommit: {
      ASSIGN_OR_RETURN(auto m, decodeFibCommit(p));
      return "fib commit " + std::to_string(m.sequence) + (m.replay_end ? " replay end" : "");
    }
    default: {
      ASSIGN_OR_RETURN(auto m, decodeFibCommitReply(p));
      std::string s = "fib commit reply " + std::to_string(m.sequence) + ": ";
      if (!m.error.empty()) return s + "refused (" + m.error + ")";
      s += "written " + std::to_string(m.written) + " unchanged " + std::to_string(m.unchanged) +
           " swept " + std::to_string(m.swept);
      if (m.apply_us != 0) s += " applied in " + std::to_string(m.apply_us) + " us";
      for (const auto& e : m.route_errors) s += ", " + e.prefix.toString() + ": " + e.error;
      return s;
    }
  }
}

}  // namespace hitless::messages
