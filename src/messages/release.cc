#include "messages/release.h"

#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {

Result<Release> Release::parse(std::string_view text) {
  for (Release r : knownReleases()) {
    if (r.toString() == text) return r;
  }
  return Status::notFound("release '" + std::string(text) + "' is not known to this source tree");
}

std::string Release::toString() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::vector<Release> knownReleases() { return {kRelease1_0, kRelease1_1, kRelease2_0}; }

Result<issu::MessageCatalog> buildCatalog(Release release) {
  bool known = false;
  for (Release r : knownReleases()) known = known || r == release;
  if (!known) return Status::notFound("release " + release.toString() + " is not known");

  using issu::MessageTypeId;
  using issu::MessageTypeSpec;
  issu::MessageCatalog c;
  // Single-version messages: no transforms.
  auto v1 = [](MessageTypeId type, const char* name, uint32_t mtu = 0) {
    return MessageTypeSpec{type, name, 1, 1, mtu};
  };

  RETURN_IF_ERROR(c.addClient(kClientIssuProto, "ISSU Proto client", true));
  RETURN_IF_ERROR(c.addMessage(kClientIssuProto, v1(kMsgSessionHello, "session hello"), {}, {}));

  RETURN_IF_ERROR(c.addClient(kClientRf, "ISSU RF", true));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgRfStatus, "rf status"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgHeartbeat, "heartbeat"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgStateDigest, "state digest"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgBulkSync, "bulk sync"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgCheckpointAck, "checkpoint ack"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgSwitchover, "switchover"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientRf, v1(kMsgSessionReset, "session reset"), {}, {}));

  RETURN_IF_ERROR(c.addClient(kClientConfigSync, "ISSU CONFIG SYNC", true));
  RETURN_IF_ERROR(c.addMessage(kClientConfigSync, v1(kMsgConfigItem, "config item"), {}, {}));

  RETURN_IF_ERROR(c.addClient(kClientRib, "ISSU RIB client", true));
  if (release >= kRelease2_0) {
    RETURN_IF_ERROR(c.addMessage(kClientRib, {kMsgRouteUpdate, "route update", 2, 2, 0}, {}, {}));
  } else if (release >= kRelease1_1) {
    RETURN_IF_ERROR(c.addMessage(kClientRib, {kMsgRouteUpdate, "route update", 1, 2, 0},
                                 {&upgradeRouteUpdateV1}, {&downgradeRouteUpdateV2}));
    // decodeRouteUpdate reads v1 as upgradeRouteUpdateV1 + a v2 decode would (messages_test).
    RETURN_IF_ERROR(c.readsDirectly(kClientRib, kMsgRouteUpdate, 1));
  } else {
    RETURN_IF_ERROR(c.addMessage(kClientRib, v1(kMsgRouteUpdate, "route update"), {}, {}));
  }
  RETURN_IF_ERROR(c.addMessage(kClientRib, v1(kMsgRouteWithdraw, "route withdraw"), {}, {}));

  // Optional: a pair that cannot negotiate it still runs SSO; BGP then restarts gracefully
  // instead of moving without a trace (NSR).
  RETURN_IF_ERROR(c.addClient(kClientBgp, "ISSU BGP client", false));
  RETURN_IF_ERROR(c.addMessage(kClientBgp, v1(kMsgBgpSession, "bgp session"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientBgp, v1(kMsgBgpInput, "bgp input"), {}, {}));
  if (release >= kRelease1_1) {
    // NSR across a crash (write-ahead output). With a 1.0 peer it is not exchanged: BGP still
    // moves at a planned switchover, and restarts gracefully after a crash.
    RETURN_IF_ERROR(c.addMessage(
        kClientBgp, {kMsgBgpOutput, "bgp output", 1, 1, 0, /*optional=*/true}, {}, {}));
  }

  RETURN_IF_ERROR(c.messageSet().validate());
  return c;
}

}  // namespace hitless::messages
