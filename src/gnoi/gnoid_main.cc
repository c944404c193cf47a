#include "gnoi/gnoid_main.h"

#include <signal.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/command_line.h"
#include "base/log.h"
#include "gnoi/gnoi_server.h"
#include "service/service_notify.h"

namespace hitless::gnoi {

int gnoidMain(std::string_view release, int argc, char** argv) {
  GnoiOptions o;
  std::vector<std::string> operators, viewers;
  CLI::App app(
      "The gNOI server of a hitless router (gnoi.os.OS, gnoi.system.System): fleet automation "
      "drives the ISSU procedure through it; it talks to chassisd over its control socket. "
      "`hitless pki init --out DIR` makes a CA, a server certificate and operator/viewer ones.",
      "gnoid");
  app.add_option("--chassis", o.chassis_socket, "chassisd control socket (STATE_DIR/chassis.ctl)")
      ->required();
  app.add_option("--images", o.image_dir, "chassisd's image store (Install writes verified images)")
      ->required();
  app.add_option("--pubkey", o.pubkey_path, "key images must be signed with")->required();
  auto* insecure = app.add_flag("--insecure-for-tests", o.insecure_for_tests,
                                "plaintext, no client authentication: tests only");
  auto* cert = app.add_option("--tls-cert", o.tls_cert, "the server's certificate (PEM)");
  auto* key = app.add_option("--tls-key", o.tls_key, "the server's key (PEM)");
  auto* ca = app.add_option("--client-ca", o.client_ca,
                            "CA bundle client certificates must chain to (mTLS)");
  for (auto* tls : {cert, key, ca}) tls->excludes(insecure);
  app.add_option("--listen", o.listen, "address and port to serve on")->capture_default_str();
  app.add_option("--operator", operators,
                 "client certificate common name allowed to change the router (repeatable; "
                 "default: operator)");
  app.add_option("--viewer", viewers,
                 "common name allowed to read only (repeatable; default: viewer)");
  addReleaseFlags(app, "gnoid", std::string(release), [] { return std::string("{}"); });
  if (auto exit = parseCommandLine(app, argc, argv)) return *exit;
  if (!operators.empty()) o.policy.operators = {operators.begin(), operators.end()};
  if (!viewers.empty()) o.policy.viewers = {viewers.begin(), viewers.end()};
  setLogTag("gnoid");
  // SIGTERM/SIGINT are taken synchronously below; every gRPC thread inherits the block.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto server = GnoiServer::start(o);
  if (!server.isOk()) {
    std::cerr << "gnoid: " << server.status().message() << "\n";
    return 1;
  }
  logEvent("GNOI", Severity::kNotice, "LISTENING",
           o.listen + " (port " + std::to_string((*server)->port()) + ", " +
               (o.insecure_for_tests ? "PLAINTEXT, tests only" : "mTLS") + ")");
  service::ServiceNotifier notifier;
  notifier.ready("serving gNOI on port " + std::to_string((*server)->port()));
  int sig = 0;
  sigwait(&stop, &sig);
  notifier.stopping();
  logEvent("GNOI", Severity::kNotice, "STOPPING", "on signal " + std::to_string(sig));
  (*server)->shutdown();
  return 0;
}

}  // namespace hitless::gnoi
