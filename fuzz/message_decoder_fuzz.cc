// Fuzzes everything that reads checkpoint bytes: the frame parser, the catalogs' version
// transforms of every release, and every message decoder at every version. Any crash, leak or
// undefined behaviour is a bug; errors are the expected answer to garbage.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "issu/message_catalog.h"
#include "messages/bgp_messages.h"
#include "messages/fib_messages.h"
#include "messages/message_dump.h"
#include "messages/release.h"
#include "messages/rib_messages.h"
#include "messages/session_messages.h"
#include "wire/frame.h"

namespace {

const std::vector<hitless::issu::MessageCatalog>& catalogs() {
  static const auto* kCatalogs = [] {
    auto* v = new std::vector<hitless::issu::MessageCatalog>();  // lives for the process
    for (auto r : hitless::messages::knownReleases())
      v->push_back(*hitless::messages::buildCatalog(r));
    return v;
  }();
  return *kCatalogs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hitless;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  // As a stream of frames, read by every release.
  for (const auto& catalog : catalogs()) {
    std::string_view rest = in;
    for (int i = 0; i < 64 && !rest.empty(); ++i) {
      auto frame = wire::parseFrame(rest, 1 << 20);
      if (!frame.isOk() || !frame->has_value()) break;
      (void)messages::describeFrame(catalog, **frame);
      rest.remove_prefix(wire::kFrameHeaderSize + (*frame)->payload.size());
    }
  }

  // As a raw payload for each decoder and transform directly.
  (void)messages::decodeRouteUpdate(in, 1);
  (void)messages::decodeRouteUpdate(in, 2);
  (void)messages::upgradeRouteUpdateV1(in);
  (void)messages::downgradeRouteUpdateV2(in);
  (void)messages::decodeRouteWithdraw(in);
  (void)messages::decodeBulkSync(in);
  (void)messages::decodeCheckpointAck(in);
  (void)messages::decodeSwitchover(in);
  (void)messages::decodeSessionReset(in);
  (void)messages::decodeSessionHello(in);
  (void)messages::decodeRfStatus(in);
  (void)messages::decodeHeartbeat(in);
  (void)messages::decodeStateDigest(in);
  (void)messages::decodeConfigItem(in);
  (void)messages::decodeBgpSession(in);
  (void)messages::decodeBgpInput(in);
  (void)messages::decodeBgpOutput(in);
  (void)messages::decodeFibHello(in);
  (void)messages::decodeFibHelloReply(in);
  (void)messages::decodeFibCommit(in);
  (void)messages::decodeFibCommitReply(in);

  // A payload that decodes must re-encode and decode to the same value.
  if (auto r = messages::decodeRouteUpdate(in, 2); r.isOk()) {
    std::string again;
    messages::encodeRouteUpdate(*r, 2, &again);
    auto back = messages::decodeRouteUpdate(again, 2);
    if (!back.isOk() || !(*back == *r)) __builtin_trap();
  }
  return 0;
}
