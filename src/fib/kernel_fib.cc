#include "fib/kernel_fib.h"

#include <algorithm>
#include <tuple>

namespace hitless::fib {

bool sameForwarding(const net::Route& desired, const net::Route& installed) {
  if (desired.prefix != installed.prefix || desired.metric != installed.metric) return false;
  if (desired.nexthops.size() != installed.nexthops.size()) return false;
  for (size_t i = 0; i < desired.nexthops.size(); ++i) {
    const auto& d = desired.nexthops[i];
    const auto& k = installed.nexthops[i];
    if (d.gateway != k.gateway || d.weight != k.weight) return false;
    if (d.ifindex != 0 && d.ifindex != k.ifindex) return false;
  }
  return true;
}

void toKernelForm(net::Route* r) {
  r->protocol = 0;
  r->distance = 0;
  r->tag = 0;
  // The kernel gives IPv6 routes without a metric the user default 1024.
  if (r->metric == 0 && r->prefix.address.family == net::Family::kIpv6) r->metric = 1024;
  if (r->nexthops.size() > 1) {
    std::sort(r->nexthops.begin(), r->nexthops.end(), [](const auto& a, const auto& b) {
      return std::tie(a.gateway, a.ifindex) < std::tie(b.gateway, b.ifindex);
    });
    for (auto& nh : r->nexthops) nh.weight = std::max<uint32_t>(nh.weight, 1);
  } else if (r->nexthops.size() == 1) {
    r->nexthops[0].weight = 1;
  }
}

net::Route kernelForm(const net::Route& route) {
  net::Route r = route;
  toKernelForm(&r);
  return r;
}

}  // namespace hitless::fib
