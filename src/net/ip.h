// IPv4/IPv6 addresses and prefixes as plain values, shared by the RIB, the FIB agent, BGP and the
// message codecs. Parsing is strict: a prefix with host bits set is an error, not silently masked.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hitless::net {

enum class Family : uint8_t { kNone = 0, kIpv4 = 4, kIpv6 = 6 };

struct IpAddress {
  Family family = Family::kNone;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static Result<IpAddress> parse(std::string_view text);
  // From raw network-order bytes: 4 for IPv4, 16 for IPv6.
  static Result<IpAddress> fromBytes(std::string_view raw);
  static IpAddress v4(uint32_t host_order);

  size_t size() const { return family == Family::kIpv4 ? 4 : family == Family::kIpv6 ? 16 : 0; }
  std::string_view raw() const { return {reinterpret_cast<const char*>(bytes.data()), size()}; }
  std::string toString() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;
  uint8_t length = 0;

  // "198.18.0.0/15", "2001:db8::/32". REQUIRES host bits clear.
  static Result<IpPrefix> parse(std::string_view text);
  // Validates length against the family and that host bits are clear.
  static Result<IpPrefix> make(IpAddress address, unsigned length);
  std::string toString() const;
  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace hitless::net

namespace hitless::net {

// Hash of a prefix for unordered containers (FNV-1a over the significant bytes and the length).
struct IpPrefixHash {
  size_t operator()(const IpPrefix& p) const noexcept {
    uint64_t h = 1469598103934665603ull ^ (static_cast<uint64_t>(p.address.family) << 8 | p.length);
    for (size_t i = 0; i < p.address.size(); ++i) {
      h = (h ^ p.address.bytes[i]) * 1099511628211ull;
    }
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

}  // namespace hitless::net
