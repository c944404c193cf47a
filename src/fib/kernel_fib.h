// KernelFib: the boundary between fwdd and the kernel's forwarding table, so the FIB agent's
// reconciliation logic runs against a fake in unit tests and against netlink in fwdd.
//
// Contract: apply() performs the operations in order and reports, per operation, the ones the
// kernel refused (the others took effect); a whole-call Status error means the kernel could not
// be asked at all. A replace of a route installs it or overwrites the route with the same key
// (prefix, metric); deleting a route that is already gone is a success. dump() returns exactly
// the routes this FIB owns (its rtnetlink protocol and table), as the kernel holds them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/route.h"

namespace hitless::fib {

struct FibOp {
  enum Kind : uint8_t { kReplace, kDelete };
  Kind kind = kReplace;
  const net::Route* route = nullptr;  // must outlive apply()
};

struct FibOpError {
  size_t index = 0;  // into the ops given to apply()
  int error = 0;     // errno
  std::string message;
};

class KernelFib {
 public:
  virtual ~KernelFib() = default;
  virtual Result<std::vector<FibOpError>> apply(std::span<const FibOp> ops) = 0;
  virtual Result<std::vector<net::Route>> dump() = 0;
};

// Whether the kernel forwards `installed` the way `desired` asks. The kernel fills in what the
// request left open (the outgoing interface of a gateway, the weight of a single path), so a
// next hop that names no interface matches any.
bool sameForwarding(const net::Route& desired, const net::Route& installed);

// The canonical form fwdd installs: next hops sorted, a single path's weight 1, and only what
// the kernel stores (source protocol, distance and tag are the RIB's business).
net::Route kernelForm(const net::Route& route);
void toKernelForm(net::Route* route);  // the same, in place

}  // namespace hitless::fib
