// What every gNOI service of hitless shares: the link to chassisd, the image store and its
// signing key, the access policy — and the one check each RPC starts with.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>

#include "gnoi/access_policy.h"
#include "gnoi/chassis_link.h"
#include "issu/signing.h"

namespace hitless::gnoi {

struct ServiceContext {
  ChassisLink chassis;
  std::string image_dir;
  issu::PublicKey key;
  AccessPolicy policy;
};

// OK if the caller's certificate grants `needed`; PERMISSION_DENIED (or UNAUTHENTICATED without
// a certificate) naming the RPC otherwise. Each decision is logged.
grpc::Status authorize(const ServiceContext& ctx, grpc::ServerContext* call, Role needed,
                       const char* rpc);

// A hitless Status as the gRPC status an operator's client shows.
grpc::Status toGrpc(const Status& s);

// The wall clock in ns since the epoch: gNOI's and gNMI's timestamps.
uint64_t wallClockNs();

}  // namespace hitless::gnoi
