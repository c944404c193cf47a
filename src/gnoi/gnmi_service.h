// gnmi.gNMI, read side, on gnoid's server (same mTLS and roles; viewer may read): Capabilities
// and Get of the state a fleet automation checks around an upgrade, in the openconfig models,
// encoded JSON_IETF (or JSON):
//
//   /components                       openconfig-platform: each RP (RP0, RP1) with its software
//                                     version, redundant role and whether it is active
//   /network-instances/network-instance[name=DEFAULT]/protocols/protocol[identifier=BGP]
//     [name=BGP]/bgp/neighbors         openconfig-network-instance/bgp: each neighbor's session
//                                     state, established-transitions (moves on every flap),
//                                     last-established, prefixes received and sent
//
// Any other path, Set and Subscribe answer UNIMPLEMENTED with the paths that are served. The
// data comes from chassisd and the active RP over their control sockets (ChassisLink).
#pragma once

#include "gen/github.com/openconfig/gnmi/proto/gnmi/gnmi.grpc.pb.h"
#include "gnoi/service_context.h"

namespace hitless::gnoi {

class GnmiService final : public ::gnmi::gNMI::Service {
 public:
  explicit GnmiService(const ServiceContext& ctx) : ctx_(ctx) {}

  grpc::Status Capabilities(grpc::ServerContext* call, const ::gnmi::CapabilityRequest* request,
                            ::gnmi::CapabilityResponse* response) override;
  grpc::Status Get(grpc::ServerContext* call, const ::gnmi::GetRequest* request,
                   ::gnmi::GetResponse* response) override;

 private:
  const ServiceContext& ctx_;
};

}  // namespace hitless::gnoi
