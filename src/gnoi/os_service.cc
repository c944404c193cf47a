#include "gnoi/os_service.h"

#include "base/log.h"
#include "gnoi/image_install.h"

namespace hitless::gnoi {
namespace {

using ::gnoi::os::ActivateError;
using ::gnoi::os::InstallError;
using ::gnoi::os::InstallRequest;
using ::gnoi::os::InstallResponse;

InstallError::Type errorType(InstallFailure::Kind kind) {
  switch (kind) {
    case InstallFailure::kIncompatible:
      return InstallError::INCOMPATIBLE;
    case InstallFailure::kTooLarge:
      return InstallError::TOO_LARGE;
    case InstallFailure::kParseFail:
      return InstallError::PARSE_FAIL;
    case InstallFailure::kIntegrityFail:
      return InstallError::INTEGRITY_FAIL;
    case InstallFailure::kInstallRunPackage:
      return InstallError::INSTALL_RUN_PACKAGE;
  }
  return InstallError::UNSPECIFIED;
}

// Sends an InstallError and ends the RPC (gNOI: the error is a response, the status OK).
grpc::Status installError(grpc::ServerReaderWriter<InstallResponse, InstallRequest>* stream,
                          InstallError::Type type, const std::string& detail) {
  logEvent("GNOI", Severity::kWarning, "INSTALL_ERROR",
           InstallError::Type_Name(type) + ": " + detail);
  InstallResponse r;
  r.mutable_install_error()->set_type(type);
  r.mutable_install_error()->set_detail(detail);
  stream->Write(r);
  return grpc::Status::OK;
}

int activeSlot(const ChassisLink& chassis) {
  auto s = chassis.state();
  return s.isOk() ? (*s)["active_slot"].get<int>() : -1;
}

}  // namespace

grpc::Status OsService::Install(grpc::ServerContext* call,
                                grpc::ServerReaderWriter<InstallResponse, InstallRequest>* stream) {
  if (auto st = authorize(ctx_, call, Role::kOperator, "OS.Install"); !st.ok()) return st;
  InstallRequest req;
  if (!stream->Read(&req)) return {grpc::StatusCode::INVALID_ARGUMENT, "no TransferRequest"};
  if (!req.has_transfer_request()) {
    return installError(stream, InstallError::PARSE_FAIL,
                        "the first message must be a TransferRequest");
  }
  std::unique_lock<std::mutex> one(install_, std::try_to_lock);
  if (!one.owns_lock()) {
    return installError(stream, InstallError::INSTALL_IN_PROGRESS,
                        "another Install is in progress");
  }
  const ::gnoi::os::TransferRequest tr = req.transfer_request();  // a copy: req is reused
  auto state = ctx_.chassis.state();
  if (!state.isOk()) {
    return {grpc::StatusCode::UNAVAILABLE, "chassisd: " + state.status().message()};
  }
  const int active_at_start = (*state)["active_slot"];
  InstallOptions options{ctx_.image_dir,
                         ctx_.key,
                         (*state)["slots"][active_at_start]["image"].get<std::string>(),
                         512ull << 20,
                         {}};
  // The other components' packages: a component package is checked against its own.
  if (auto packages = ctx_.chassis.installState(); packages.isOk()) {
    for (const auto& [component, package] : (*packages)["record"]["active"].items()) {
      options.running_packages[component] = package.get<std::string>();
    }
  }
  ImageInstall install(options);
  logEvent("GNOI", Severity::kNotice, "INSTALL_START",
           (tr.version().empty() ? std::string("a package named by its manifest") : tr.version()) +
               (tr.package_size() ? " (" + std::to_string(tr.package_size()) + " bytes)"
                                  : std::string(" (size not given)")) +
               (tr.standby_supervisor() ? " for the standby RP" : ""));
  if (!tr.version().empty() && install.present(tr.version())) {
    InstallResponse r;
    r.mutable_validated()->set_version(tr.version());
    r.mutable_validated()->set_description("already in the image store (shared by both RPs)");
    stream->Write(r);
    return grpc::Status::OK;
  }
  if (auto f = install.begin(tr.version(), tr.package_size())) {
    return installError(stream, errorType(f->kind), f->detail);
  }
  InstallResponse ready;
  ready.mutable_transfer_ready();
  stream->Write(ready);
  uint64_t reported = 0;
  bool ended = false;
  while (stream->Read(&req)) {
    if (req.has_transfer_end()) {
      ended = true;
      break;
    }
    if (!req.has_transfer_content()) {
      return installError(stream, InstallError::PARSE_FAIL,
                          "expected transfer_content or transfer_end");
    }
    if (auto f = install.append(req.transfer_content())) {
      return installError(stream, errorType(f->kind), f->detail);
    }
    if (install.received() - reported >= (1u << 20)) {  // progress every MiB
      reported = install.received();
      InstallResponse p;
      p.mutable_transfer_progress()->set_bytes_received(reported);
      stream->Write(p);
    }
  }
  if (!ended) {
    // The client went away mid-transfer: nothing staged survives (ImageInstall's destructor).
    logEvent("GNOI", Severity::kWarning, "INSTALL_ABORTED",
             tr.version() + ": the client ended the stream after " +
                 std::to_string(install.received()) + " bytes; the partial upload is removed");
    return {grpc::StatusCode::ABORTED, "the stream ended before TransferEnd"};
  }
  if (activeSlot(ctx_.chassis) != active_at_start) {
    return installError(stream, InstallError::UNEXPECTED_SWITCHOVER,
                        "a switchover happened during the transfer; install again");
  }
  if (auto f = install.finish()) return installError(stream, errorType(f->kind), f->detail);
  if (activeSlot(ctx_.chassis) != active_at_start) {
    return installError(stream, InstallError::UNEXPECTED_SWITCHOVER,
                        "a switchover happened during the install; install again");
  }
  logEvent("GNOI", Severity::kNotice, "INSTALL_DONE", install.name() + " is in the image store");
  InstallResponse done;
  done.mutable_validated()->set_version(install.name());
  done.mutable_validated()->set_description(
      install.alreadyPresent() ? "already in the image store (shared by both RPs)"
                               : "signature and hashes verified; in the image store");
  stream->Write(done);
  return grpc::Status::OK;
}

grpc::Status OsService::Activate(grpc::ServerContext* call,
                                 const ::gnoi::os::ActivateRequest* request,
                                 ::gnoi::os::ActivateResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kOperator, "OS.Activate"); !st.ok()) return st;
  auto fail = [&](ActivateError::Type type, const std::string& detail) {
    logEvent("GNOI", Severity::kWarning, "ACTIVATE_ERROR", detail);
    response->mutable_activate_error()->set_type(type);
    response->mutable_activate_error()->set_detail(detail);
    return grpc::Status::OK;
  };
  const std::string& version = request->version();
  ImageInstall probe({ctx_.image_dir, ctx_.key, "", 0, {}});
  if (!probe.present(version)) {
    return fail(ActivateError::NON_EXISTENT_VERSION,
                "no verified image " + version + " in the image store; Install it first");
  }
  if (request->no_reboot()) {
    return fail(ActivateError::UNSPECIFIED,
                "no_reboot is not supported: hitless activates by ISSU, without a reboot of the "
                "router; Activate without no_reboot");
  }
  if (auto component = componentOfName(version);
      component.isOk() && *component != issu::Component::kRpd) {
    // A package of another component: hitless install add + activate, committed once it
    // succeeded (Activate names what runs from now on, across restarts). Verify reports it.
    Result<std::string> r = ctx_.chassis.command("install-add", {{"packages", {version}}});
    if (r.isOk()) {
      r = ctx_.chassis.command("install-activate", {{"packages", {version}}, {"commit", true}});
    }
    if (!r.isOk()) return fail(ActivateError::UNSPECIFIED, r.status().message());
    logEvent("GNOI", Severity::kNotice, "ACTIVATE", version + ": " + *r);
    response->mutable_activate_ok();
    return grpc::Status::OK;
  }
  auto state = ctx_.chassis.state();
  if (!state.isOk()) {
    return {grpc::StatusCode::UNAVAILABLE, "chassisd: " + state.status().message()};
  }
  const std::string issu = (*state)["issu_state"];
  const auto& rec = (*state)["record"];
  const std::string running = (*state)["slots"][(*state)["active_slot"].get<int>()]["image"];
  const bool loading_it = issu == "Load Version" && rec["target_image"] == version;
  Result<std::string> r = std::string();
  if (request->standby_supervisor()) {
    if (loading_it) {
      r = std::string("the standby already runs or loads " + version);
    } else {
      r = ctx_.chassis.command("issu-loadversion", {{"image", version}});
    }
  } else if (issu == "Init" && running == version) {
    r = std::string(version + " is already active");
  } else if (issu == "Init") {
    r = ctx_.chassis.command("issu-changeversion", {{"image", version}, {"quick", false}});
  } else if (loading_it) {
    r = ctx_.chassis.command("issu-runversion-commit");
  } else {
    r = Status::failedPrecondition("ISSU state is " + issu + " on " +
                                   rec["target_image"].get<std::string>() +
                                   "; finish or abort it before activating " + version);
  }
  if (!r.isOk()) return fail(ActivateError::UNSPECIFIED, r.status().message());
  logEvent("GNOI", Severity::kNotice, "ACTIVATE",
           version + (request->standby_supervisor() ? " on the standby RP: " : ": ") + *r);
  response->mutable_activate_ok();
  return grpc::Status::OK;
}

grpc::Status OsService::Verify(grpc::ServerContext* call, const ::gnoi::os::VerifyRequest*,
                               ::gnoi::os::VerifyResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kViewer, "OS.Verify"); !st.ok()) return st;
  auto state = ctx_.chassis.state();
  if (!state.isOk()) {
    return {grpc::StatusCode::UNAVAILABLE, "chassisd: " + state.status().message()};
  }
  const int active = (*state)["active_slot"];
  const auto& slots = (*state)["slots"];
  response->set_version(slots[active]["image"].get<std::string>());
  const std::string reason = (*state)["record"]["abort_reason"];
  // An automatic rollback (timer, failed RP, changeversion failure) is an activation that
  // failed; an operator's abortversion is not.
  if (!reason.empty() && reason != "operator") response->set_activation_fail_message(reason);
  response->set_individual_supervisor_install(false);
  const auto& standby = slots[1 - active];
  // The standby counts once it could take over (STANDBY HOT): a client that waits for "the
  // standby runs VERSION" must not go on while it is still syncing.
  if (standby["pid"].get<int>() > 0 && (*state)["standby_hot"].get<bool>()) {
    auto* sb = response->mutable_verify_standby()->mutable_verify_response();
    sb->set_id("RP" + std::to_string(1 - active));
    sb->set_version(standby["image"].get<std::string>());
  } else {
    response->mutable_verify_standby()->mutable_standby_state()->set_state(
        ::gnoi::os::StandbyState::UNAVAILABLE);
  }
  return grpc::Status::OK;
}

}  // namespace hitless::gnoi
