#include "messages/fib_catalog.h"

#include "messages/fib_messages.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {
namespace {

using issu::MessageTypeSpec;

MessageTypeSpec v1(issu::MessageTypeId type, const char* name) { return {type, name, 1, 1, 0}; }

// The FIB client (5): commit reply up to v2 when `commit_reply_v2`.
Status addFibClient(issu::MessageCatalog& c, bool commit_reply_v2) {
  RETURN_IF_ERROR(c.addClient(kClientFib, "FIB channel", true));
  RETURN_IF_ERROR(c.addMessage(kClientFib, v1(kMsgFibHello, "fib hello"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientFib, v1(kMsgFibHelloReply, "fib hello reply"), {}, {}));
  RETURN_IF_ERROR(c.addMessage(kClientFib, v1(kMsgFibCommit, "fib commit"), {}, {}));
  if (commit_reply_v2) {
    return c.addMessage(kClientFib, {kMsgFibCommitReply, "fib commit reply", 1, 2, 0},
                        {&upgradeFibCommitReplyV1}, {&downgradeFibCommitReplyV2});
  }
  return c.addMessage(kClientFib, v1(kMsgFibCommitReply, "fib commit reply"), {}, {});
}

// The RIB client's (2028) route messages with route update versions [min, max].
Status addRoutes(issu::MessageCatalog& c, issu::MessageVersion min, issu::MessageVersion max) {
  RETURN_IF_ERROR(c.addClient(kClientRib, "ISSU RIB client", true));
  MessageTypeSpec update{kMsgRouteUpdate, "route update", min, max, 0};
  if (min == max) {
    RETURN_IF_ERROR(c.addMessage(kClientRib, update, {}, {}));
  } else {
    RETURN_IF_ERROR(
        c.addMessage(kClientRib, update, {&upgradeRouteUpdateV1}, {&downgradeRouteUpdateV2}));
  }
  return c.addMessage(kClientRib, v1(kMsgRouteWithdraw, "route withdraw"), {}, {});
}

bool known(const std::vector<Release>& releases, Release r) {
  for (Release k : releases) {
    if (k == r) return true;
  }
  return false;
}

}  // namespace

std::vector<Release> knownFwddReleases() { return {kFwdd1_0, kFwdd1_1}; }

Result<issu::MessageCatalog> buildFibCatalog(FibEnd end, Release release) {
  const bool rpd = end == FibEnd::kRpd;
  if (!known(rpd ? knownReleases() : knownFwddReleases(), release)) {
    return Status::notFound(std::string(rpd ? "rpd" : "fwdd") + " release " + release.toString() +
                            " is not known");
  }
  issu::MessageCatalog c;
  RETURN_IF_ERROR(addFibClient(c, release >= Release{1, 1}));
  if (rpd) {
    // The route versions of the rpd's own checkpoint catalog: it writes what it holds.
    if (release >= kRelease2_0) {
      RETURN_IF_ERROR(addRoutes(c, 2, 2));
    } else if (release >= kRelease1_1) {
      RETURN_IF_ERROR(addRoutes(c, 1, 2));
    } else {
      RETURN_IF_ERROR(addRoutes(c, 1, 1));
    }
  } else {
    RETURN_IF_ERROR(addRoutes(c, 1, 2));
  }
  RETURN_IF_ERROR(c.messageSet().validate());
  return c;
}

issu::MessageSet legacyFibMessageSet() {
  return buildFibCatalog(FibEnd::kFwdd, kFwdd1_0)->messageSet();
}

}  // namespace hitless::messages
