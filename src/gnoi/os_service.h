// gnoi.os.OS on the ISSU procedure (docs/gnoi.md has the mapping):
//   Install   — upload a signed image into the chassis image store (ImageInstall); one at a
//               time; a switchover during the upload fails it (UNEXPECTED_SWITCHOVER). The store
//               is shared by both RPs, so standby_supervisor installs the same image.
//   Activate  — standby_supervisor: `issu loadversion`; on the active: from Init the whole
//               procedure (changeversion), from Load Version on that image runversion — both
//               carrying on to commitversion by themselves, with the usual automatic rollback.
//   Verify    — the active RP's version, the reason of the last automatic rollback as
//               activation_fail_message, and the standby's version.
#pragma once

#include <mutex>

#include "gen/gnoi/os/os.grpc.pb.h"
#include "gnoi/service_context.h"

namespace hitless::gnoi {

class OsService final : public ::gnoi::os::OS::Service {
 public:
  explicit OsService(const ServiceContext& ctx) : ctx_(ctx) {}

  grpc::Status Install(grpc::ServerContext* call,
                       grpc::ServerReaderWriter<::gnoi::os::InstallResponse,
                                                ::gnoi::os::InstallRequest>* stream) override;
  grpc::Status Activate(grpc::ServerContext* call, const ::gnoi::os::ActivateRequest* request,
                        ::gnoi::os::ActivateResponse* response) override;
  grpc::Status Verify(grpc::ServerContext* call, const ::gnoi::os::VerifyRequest* request,
                      ::gnoi::os::VerifyResponse* response) override;

 private:
  const ServiceContext& ctx_;
  std::mutex install_;  // one Install at a time
};

}  // namespace hitless::gnoi
