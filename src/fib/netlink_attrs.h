// What NetlinkFib's two files (routes; nexthop objects) both need: walking the attributes of
// one rtnetlink message (libmnl's bounds checks, a lambda instead of a C callback) and the
// address family of an address.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cstddef>

#include "net/ip.h"

namespace hitless::fib {

inline int familyOf(const net::IpAddress& a) {
  return a.family == net::Family::kIpv4 ? AF_INET : AF_INET6;
}

// Calls fn(const nlattr*) for each attribute after the message's fixed header of `header_size`
// bytes (rtmsg, nhmsg, ...). Stops at the first attribute that does not fit.
template <typename Fn>
void forEachAttribute(const nlmsghdr* nlh, size_t header_size, Fn&& fn) {
  const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, header_size));
       mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a)));
       a = mnl_attr_next(a)) {
    fn(a);
  }
}

}  // namespace hitless::fib
