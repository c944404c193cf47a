// NetlinkFib: KernelFib over rtnetlink (libmnl). Many route messages go in one sendmsg; only the
// last of each batch asks for an acknowledgement, so the kernel answers a batch with its errors
// plus one ack instead of one ack per route (what makes `ip -batch` slow). The socket's buffers
// are sized so those answers cannot overflow; if they ever do (ENOBUFS), the batch is replayed
// with an acknowledgement per route — every operation is idempotent, so a replay is safe.
//
// Routes carry this FIB's own rtnetlink protocol number: dump() and every delete touch only
// those, never a route someone else (the kernel, an operator, another daemon) installed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fib/kernel_fib.h"

struct mnl_socket;

namespace hitless::fib {

struct NetlinkFibOptions {
  uint8_t protocol = 200;  // rtnetlink protocol that marks our routes (/etc/iproute2/rt_protos)
  uint32_t table = 254;    // RT_TABLE_MAIN
  size_t batch = 1024;     // route messages per sendmsg
};

class NetlinkFib final : public KernelFib {
 public:
  static Result<std::unique_ptr<NetlinkFib>> open(NetlinkFibOptions options);
  ~NetlinkFib() override;

  Result<std::vector<FibOpError>> apply(std::span<const FibOp> ops) override;
  Result<std::vector<net::Route>> dump() override;

  // Route messages sent to the kernel so far (each a write), and ENOBUFS recoveries.
  uint64_t messagesSent() const { return messages_sent_; }
  uint64_t overflowRecoveries() const { return overflow_recoveries_; }

 private:
  explicit NetlinkFib(NetlinkFibOptions options) : options_(options) {}
  // Sends ops[begin, end) in one sendmsg; `ack_each` asks an ack of every message.
  Status sendChunk(std::span<const FibOp> ops, size_t begin, size_t end, bool ack_each,
                   std::vector<FibOpError>* errors, bool* overflow);
  Status dumpFamily(int family, std::vector<net::Route>* out);

  NetlinkFibOptions options_;
  mnl_socket* socket_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 1;
  std::string buffer_;
  std::string receive_;
  uint64_t messages_sent_ = 0, overflow_recoveries_ = 0;
};

}  // namespace hitless::fib
