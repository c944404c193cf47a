#include "gnoi/service_context.h"

#include <chrono>

#include "base/log.h"

namespace hitless::gnoi {

grpc::Status authorize(const ServiceContext& ctx, grpc::ServerContext* call, Role needed,
                       const char* rpc) {
  std::vector<std::string> names;
  if (!ctx.policy.insecure) {
    auto auth = call->auth_context();
    if (auth) {
      for (const auto& v : auth->FindPropertyValues("x509_common_name")) {
        names.emplace_back(v.data(), v.size());
      }
    }
    if (names.empty()) {
      logEvent("GNOI", Severity::kWarning, "AUTH_DENIED",
               std::string(rpc) + " from " + call->peer() + ": no client certificate");
      return {grpc::StatusCode::UNAUTHENTICATED, "a client certificate is required"};
    }
  }
  Role role = ctx.policy.roleOf(names);
  if (role < needed) {
    std::string who = names.empty() ? call->peer() : "'" + names[0] + "'";
    logEvent("GNOI", Severity::kWarning, "AUTH_DENIED",
             std::string(rpc) + " by " + who + " (role " + AccessPolicy::roleName(role) + ")");
    return {grpc::StatusCode::PERMISSION_DENIED, std::string(rpc) + " needs the " +
                                                     AccessPolicy::roleName(needed) + " role; " +
                                                     who + " has " + AccessPolicy::roleName(role)};
  }
  return grpc::Status::OK;
}

grpc::Status toGrpc(const Status& s) {
  if (s.isOk()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case StatusCode::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case StatusCode::kFailedPrecondition:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case StatusCode::kPermissionDenied:
      code = grpc::StatusCode::PERMISSION_DENIED;
      break;
    case StatusCode::kUnimplemented:
      code = grpc::StatusCode::UNIMPLEMENTED;
      break;
    case StatusCode::kIoError:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    default:
      break;
  }
  return {code, s.message()};
}

uint64_t wallClockNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace hitless::gnoi
