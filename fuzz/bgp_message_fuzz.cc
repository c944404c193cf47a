// libFuzzer target: the BGP message parser (header, OPEN, UPDATE, NOTIFICATION, ROUTE-REFRESH).
// Every input must decode to a value or a NOTIFICATION without reading out of bounds; a decoded
// OPEN or UPDATE must survive re-encoding unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bgp/bgp_message.h"

using namespace hitless::bgp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The first byte chooses the 2- or 4-octet AS codec; the rest is a stream of messages.
  if (in.empty()) return 0;
  UpdateCodecOptions options{(in[0] & 1) != 0};
  in.remove_prefix(1);
  while (!in.empty()) {
    auto len = messageLength(in);
    if (!len.ok() || *len.value == 0 || *len.value > in.size()) return 0;
    std::string_view m = in.substr(0, *len.value);
    in.remove_prefix(*len.value);
    switch (messageType(m)) {
      case MessageType::kOpen: {
        auto o = decodeOpen(m);
        if (!o.ok()) break;
        std::string again;
        encodeOpen(*o.value, &again);
        auto back = decodeOpen(again);
        if (!back.ok() || !(*back.value == *o.value)) std::abort();
        break;
      }
      case MessageType::kUpdate: {
        auto u = decodeUpdate(m, options);
        if (!u.ok() || u.value->treat_as_withdraw || u.value->nlri.empty()) break;
        // Re-encode the first family's NLRI with the attributes and decode again.
        const auto& first = u.value->nlri.front();
        std::vector<hitless::net::IpPrefix> same;
        for (size_t i = 0; i < u.value->nlri.size(); ++i) {
          if (u.value->nlri[i].address.family == first.address.family &&
              u.value->nextHopOf(i) == u.value->nextHopOf(0)) {
            same.push_back(u.value->nlri[i]);
          }
        }
        PathAttributes attrs = u.value->attrs;
        attrs.next_hop = u.value->nextHopOf(0);
        attrs.as_path_sets = 0;  // re-encoded as one sequence
        attrs.atomic_aggregate = false;
        if (attrs.next_hop.family != first.address.family) break;
        std::string again;
        encodeUpdates(same, attrs, false, options, &again);
        std::vector<hitless::net::IpPrefix> seen;
        for (std::string_view rest = again; !rest.empty();) {
          auto l = messageLength(rest);
          if (!l.ok() || *l.value == 0) std::abort();
          auto back = decodeUpdate(rest.substr(0, *l.value), options);
          if (!back.ok()) std::abort();
          seen.insert(seen.end(), back.value->nlri.begin(), back.value->nlri.end());
          rest.remove_prefix(*l.value);
        }
        if (seen != same) std::abort();
        break;
      }
      case MessageType::kNotification:
        (void)decodeNotification(m);
        break;
      case MessageType::kRouteRefresh:
        (void)decodeRouteRefresh(m);
        break;
      case MessageType::kKeepalive:
        break;
    }
  }
  return 0;
}
