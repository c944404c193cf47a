// GnoiServer: the gNOI OS and System services and gNMI Get (gnmi_service.h) on one gRPC server
// (port 9339 by default), TLS always — the server's certificate, clients verified against a CA
// bundle (mTLS) and mapped to a role (access_policy.h) — and plaintext only with
// insecure_for_tests.
#pragma once

#include <chrono>

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "gnoi/gnmi_service.h"
#include "gnoi/os_service.h"
#include "gnoi/service_context.h"
#include "gnoi/system_service.h"

namespace hitless::gnoi {

struct GnoiOptions {
  std::string listen = "[::]:9339";
  std::string chassis_socket;
  std::string image_dir;
  std::string pubkey_path;
  std::string tls_cert, tls_key, client_ca;  // PEM files
  bool insecure_for_tests = false;
  AccessPolicy policy;
};

class GnoiServer {
 public:
  static Result<std::unique_ptr<GnoiServer>> start(const GnoiOptions& options);
  explicit GnoiServer(ServiceContext ctx)
      : ctx_(std::move(ctx)), os_(ctx_), system_(ctx_), gnmi_(ctx_) {}
  int port() const { return port_; }
  void wait() { server_->Wait(); }
  // Stops accepting calls, gives those in flight a second, then cancels them: a restart must
  // not hang on a slow client.
  void shutdown() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1)); }

 private:
  ServiceContext ctx_;
  OsService os_;
  SystemService system_;
  GnmiService gnmi_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace hitless::gnoi
