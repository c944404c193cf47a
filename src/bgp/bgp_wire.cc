#include "bgp/bgp_wire.h"

#include <cstring>

namespace hitless::bgp::wire {

bool readPrefixes(std::string_view bytes, net::Family family, std::vector<net::IpPrefix>* out,
                  std::string* why) {
  Reader r(bytes);
  const unsigned max_len = family == net::Family::kIpv4 ? 32 : 128;
  while (r.left() > 0) {
    uint8_t len;
    r.u8(&len);
    if (len > max_len) {
      *why = "prefix length " + std::to_string(len) + " exceeds " + std::to_string(max_len);
      return false;
    }
    std::string_view raw;
    if (!r.take((len + 7u) / 8u, &raw)) {
      *why = "prefix of length " + std::to_string(len) + " runs past the field";
      return false;
    }
    net::IpAddress a;
    a.family = family;
    std::memcpy(a.bytes.data(), raw.data(), raw.size());
    // Host bits beyond the length are not ours to judge (RFC 4271 lets senders leave them):
    // clear them so the prefix is canonical.
    if (len % 8 != 0) a.bytes[len / 8] &= static_cast<uint8_t>(0xff << (8 - len % 8));
    auto p = net::IpPrefix::make(a, len);
    if (!p.isOk()) {
      *why = p.status().message();
      return false;
    }
    out->push_back(*p);
  }
  return true;
}

}  // namespace hitless::bgp::wire
