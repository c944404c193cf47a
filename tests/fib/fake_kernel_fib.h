// A KernelFib in memory for unit tests: behaves like the kernel for what the agent relies on
// (replace by key, delete of a missing route succeeds, fills in the outgoing interface), counts
// every operation, and refuses routes whose gateway is in `unreachable`.
#pragma once

#include <map>
#include <set>

#include "fib/kernel_fib.h"

namespace hitless::fib {

class FakeKernelFib : public KernelFib {
 public:
  Result<std::vector<FibOpError>> apply(std::span<const FibOp> ops) override {
    if (!up) return Status::ioError("netlink socket gone");
    std::vector<FibOpError> errors;
    for (size_t i = 0; i < ops.size(); ++i) {
      const net::Route& r = *ops[i].route;
      ++operations;
      if (ops[i].kind == FibOp::kDelete) {
        ++deletes;
        deleted.push_back(r.prefix);
        table.erase(r.prefix);
        continue;
      }
      bool refused = false;
      for (const auto& nh : r.nexthops) refused |= unreachable.count(nh.gateway) > 0;
      if (refused) {
        errors.push_back({i, 101, "Network is unreachable"});
        continue;
      }
      ++replaces;
      net::Route installed = r;
      for (auto& nh : installed.nexthops) {
        if (nh.ifindex == 0) nh.ifindex = 7;  // the kernel resolves the interface
      }
      table[r.prefix] = installed;
    }
    return errors;
  }
  Result<std::vector<net::Route>> dump() override {
    std::vector<net::Route> out;
    for (const auto& [p, r] : table) out.push_back(kernelForm(r));
    return out;
  }

  bool up = true;
  std::map<net::IpPrefix, net::Route> table;
  std::set<net::IpAddress> unreachable;
  std::vector<net::IpPrefix> deleted;
  uint64_t operations = 0, replaces = 0, deletes = 0;
};

}  // namespace hitless::fib
