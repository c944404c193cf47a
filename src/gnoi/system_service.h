// gnoi.system.System: Time; SwitchControlProcessor to an RP ("RP0"/"RP1", as the key `name` of
// the path's last element, e.g. /components/component[name=RP1]) by a planned, hitless
// switchover; Reboot NSF = the same switchover to the standby, COLD = both RPs restarted from
// their boot images (fwdd keeps forwarding; BGP sessions restart); RebootStatus of the last one.
// Other Reboot methods, a delay and subcomponents answer UNIMPLEMENTED with the reason.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "gen/gnoi/system/system.grpc.pb.h"
#include "gnoi/service_context.h"

namespace hitless::gnoi {

class SystemService final : public ::gnoi::system::System::Service {
 public:
  explicit SystemService(const ServiceContext& ctx) : ctx_(ctx) {}

  grpc::Status Time(grpc::ServerContext* call, const ::gnoi::system::TimeRequest* request,
                    ::gnoi::system::TimeResponse* response) override;
  grpc::Status SwitchControlProcessor(
      grpc::ServerContext* call, const ::gnoi::system::SwitchControlProcessorRequest* request,
      ::gnoi::system::SwitchControlProcessorResponse* response) override;
  grpc::Status Reboot(grpc::ServerContext* call, const ::gnoi::system::RebootRequest* request,
                      ::gnoi::system::RebootResponse* response) override;
  grpc::Status RebootStatus(grpc::ServerContext* call,
                            const ::gnoi::system::RebootStatusRequest* request,
                            ::gnoi::system::RebootStatusResponse* response) override;

 private:
  // The last reboot, for RebootStatus.
  struct LastReboot {
    bool active = false;
    uint64_t when_ns = 0;
    std::string reason;
    uint32_t count = 0;
    ::gnoi::system::RebootMethod method = ::gnoi::system::UNKNOWN;
    bool ok = true;
    std::string message;
  };
  void record(::gnoi::system::RebootMethod method, const std::string& reason, const Status& s);

  const ServiceContext& ctx_;
  std::mutex mu_;  // serialises reboots and switchovers; guards last_
  LastReboot last_;
};

}  // namespace hitless::gnoi
