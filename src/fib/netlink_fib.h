// NetlinkFib: KernelFib over rtnetlink (libmnl). Many route messages go in one sendmsg; only the
// last of each batch asks for an acknowledgement, so the kernel answers a batch with its errors
// plus one ack instead of one ack per route (what makes `ip -batch` slow). The socket's buffers
// are sized so those answers cannot overflow; if they ever do (ENOBUFS), the batch is replayed
// with an acknowledgement per route — every operation is idempotent, so a replay is safe.
//
// Routes carry this FIB's own rtnetlink protocol number: dump() and every delete touch only
// those, never a route someone else (the kernel, an operator, another daemon) installed.
//
// Nexthop objects (Linux >= 5.3, as FRR's zebra uses them): a route with one next hop names a
// kernel nexthop object by id instead of carrying its gateway, which the kernel installs about
// 1.9x faster (fib_bench, 1M routes) (no gateway validation and shared-info lookup per route). One
// object per distinct next hop, created on first use (the gateway's interface resolved by a route
// lookup) with this FIB's protocol number. A route falls back to carrying its gateway when the
// kernel has no nexthop objects, the gateway is not directly reachable or the object cannot be made
// — and when an object has vanished (its interface went down), the route is retried that way, so a
// refusal carries the kernel's own reason. Objects are not removed while fwdd runs: removing
// one removes every route using it, and which routes use it is not tracked per route; at start
// removeUnusedNexthops() deletes the ones the adopted routes do not use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "fib/kernel_fib.h"

struct mnl_socket;
struct nlmsghdr;

namespace hitless::fib {

struct NetlinkFibOptions {
  uint8_t protocol = 200;  // rtnetlink protocol that marks our routes (/etc/iproute2/rt_protos)
  uint32_t table = 254;    // RT_TABLE_MAIN
  size_t batch = 1024;     // route messages per sendmsg
  bool nexthop_objects = true;  // single-path routes name a kernel nexthop object
};

class NetlinkFib final : public KernelFib {
 public:
  static Result<std::unique_ptr<NetlinkFib>> open(NetlinkFibOptions options);
  ~NetlinkFib() override;

  Result<std::vector<FibOpError>> apply(std::span<const FibOp> ops) override;
  // Also learns this FIB's nexthop objects (a route naming one gets the object's next hop).
  Result<std::vector<net::Route>> dump() override;

  // Deletes this FIB's nexthop objects that no route of the last dump() named (an earlier
  // fwdd's, whose routes are gone); returns how many. Call after adopting, before applying.
  Result<size_t> removeUnusedNexthops();
  size_t nexthopObjects() const { return nexthop_objects_.size(); }

  // Route messages sent to the kernel so far (each a write), and ENOBUFS recoveries.
  uint64_t messagesSent() const { return messages_sent_; }
  uint64_t overflowRecoveries() const { return overflow_recoveries_; }

 private:
  explicit NetlinkFib(NetlinkFibOptions options) : options_(options) {}
  // Sends ops[begin, end) in one sendmsg; `ack_each` asks an ack of every message; `plain`
  // puts every gateway in its route (no nexthop objects).
  Status sendChunk(std::span<const FibOp> ops, size_t begin, size_t end, bool ack_each, bool plain,
                   std::vector<FibOpError>* errors, bool* overflow);
  Status dumpFamily(int family, std::vector<net::Route>* out);

  // One request, its answers handed to `on_message` (may be null) until the acknowledgement or
  // the end of the dump. A refusal sets *refused to the errno (an error Status if null).
  Status exchange(nlmsghdr* request, int (*on_message)(const nlmsghdr*, void*), void* data,
                  int* refused = nullptr);

  // Nexthop objects (netlink_nexthops.cc). The id of the object forwarding like `nh` for a
  // route of `prefix`, created if needed; 0 when the route must carry its gateway.
  uint32_t nexthopId(const net::IpPrefix& prefix, const net::NextHop& nh);
  Result<uint32_t> createNexthop(const net::IpAddress& gateway, uint32_t ifindex);
  Result<uint32_t> directInterface(const net::IpAddress& gateway);  // 0: not directly reachable
  Status dumpNexthops();
  bool nexthopExists(uint32_t id);
  void forgetNexthop(uint32_t id);
  // Re-sends, each with its gateway, the ops of [begin, end) that named an object the kernel
  // no longer has, replacing their errors in `errors` (from index `first_error` on).
  Status retryVanishedNexthops(std::span<const FibOp> ops, size_t begin, size_t end,
                               std::vector<FibOpError>* errors, size_t first_error);

  NetlinkFibOptions options_;
  mnl_socket* socket_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 1;
  std::string buffer_;
  std::string receive_;
  uint64_t messages_sent_ = 0, overflow_recoveries_ = 0;

  bool nexthops_usable_ = true;                       // false: no kernel support, or turned off
  std::map<net::NextHop, uint32_t> nexthop_ids_;      // a next hop as routes name it -> object id
  std::map<uint32_t, net::NextHop> nexthop_objects_;  // this FIB's objects: id -> next hop
  std::map<uint32_t, size_t> nexthop_refs_;           // id -> routes naming it in the last dump
  std::vector<uint32_t> chunk_ids_;                   // the object id of each op of the chunk sent
  std::pair<net::NextHop, uint32_t> last_nexthop_{};  // the latest lookup: most runs share one
};

}  // namespace hitless::fib
