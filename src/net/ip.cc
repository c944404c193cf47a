#include "net/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace hitless::net {

Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
      a.family = Family::kIpv4;
      return a;
    }
  } else if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = Family::kIpv6;
    return a;
  }
  return Status::invalidArgument("'" + s + "' is not an IPv4 or IPv6 address");
}

Result<IpAddress> IpAddress::fromBytes(std::string_view raw) {
  IpAddress a;
  if (raw.size() == 4) {
    a.family = Family::kIpv4;
  } else if (raw.size() == 16) {
    a.family = Family::kIpv6;
  } else {
    return Status::corruption("address of " + std::to_string(raw.size()) +
                              " bytes (expected 4 or 16)");
  }
  std::memcpy(a.bytes.data(), raw.data(), raw.size());
  return a;
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.family = Family::kIpv4;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == Family::kIpv4)
    ::inet_ntop(AF_INET, bytes.data(), buf, sizeof(buf));
  else if (family == Family::kIpv6)
    ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf));
  else
    return "none";
  return buf;
}

Result<IpPrefix> IpPrefix::make(IpAddress address, unsigned length) {
  if (address.family == Family::kNone) return Status::invalidArgument("prefix without address");
  unsigned max = static_cast<unsigned>(address.size() * 8);
  if (length > max) {
    return Status::invalidArgument("prefix length " + std::to_string(length) + " exceeds " +
                                   std::to_string(max));
  }
  for (unsigned bit = length; bit < max; ++bit) {
    if (address.bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return Status::invalidArgument(address.toString() + "/" + std::to_string(length) +
                                     " has host bits set");
    }
  }
  return IpPrefix{address, static_cast<uint8_t>(length)};
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status::invalidArgument("'" + std::string(text) + "' is not a prefix (ADDRESS/LENGTH)");
  }
  ASSIGN_OR_RETURN(IpAddress addr, IpAddress::parse(text.substr(0, slash)));
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) {
    return Status::invalidArgument("'" + std::string(text) + "' has an invalid prefix length");
  }
  unsigned len = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') {
      return Status::invalidArgument("'" + std::string(text) + "' has an invalid prefix length");
    }
    len = len * 10 + static_cast<unsigned>(c - '0');
  }
  return make(addr, len);
}

std::string IpPrefix::toString() const { return address.toString() + "/" + std::to_string(length); }

}  // namespace hitless::net
