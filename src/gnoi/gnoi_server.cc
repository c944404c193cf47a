#include "gnoi/gnoi_server.h"

#include "base/file_util.h"

namespace hitless::gnoi {

Result<std::unique_ptr<GnoiServer>> GnoiServer::start(const GnoiOptions& options) {
  ASSIGN_OR_RETURN(issu::PublicKey key, issu::loadPublicKey(options.pubkey_path));
  std::shared_ptr<grpc::ServerCredentials> credentials;
  AccessPolicy policy = options.policy;
  policy.insecure = options.insecure_for_tests;
  if (options.insecure_for_tests) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    if (options.tls_cert.empty() || options.tls_key.empty() || options.client_ca.empty()) {
      return Status::invalidArgument(
          "TLS needs --tls-cert, --tls-key and --client-ca (hitless pki init makes them); "
          "plaintext only with --insecure-for-tests");
    }
    ASSIGN_OR_RETURN(std::string cert, readFile(options.tls_cert, 1 << 20));
    ASSIGN_OR_RETURN(std::string key_pem, readFile(options.tls_key, 1 << 20));
    ASSIGN_OR_RETURN(std::string ca, readFile(options.client_ca, 1 << 20));
    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = ca;
    ssl.pem_key_cert_pairs.push_back({key_pem, cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  auto server = std::make_unique<GnoiServer>(
      ServiceContext{ChassisLink(options.chassis_socket), options.image_dir, key, policy});
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  builder.RegisterService(&server->os_);
  builder.RegisterService(&server->system_);
  builder.RegisterService(&server->gnmi_);
  builder.SetMaxReceiveMessageSize(8 << 20);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return Status::ioError("cannot listen on " + options.listen);
  }
  return server;
}

}  // namespace hitless::gnoi
