// gnoid: the gNOI server of a hitless router (gnoi.os.OS, gnoi.system.System) — fleet automation
// drives the ISSU procedure through it. It talks to chassisd over its control socket.
#include <signal.h>

#include <iostream>
#include <map>
#include <set>
#include <string>

#include "base/log.h"
#include "gnoi/gnoi_server.h"
#include "service/service_notify.h"

namespace {

constexpr char kUsage[] =
    "usage: gnoid --chassis SOCKET --images DIR --pubkey KEY\n"
    "             (--tls-cert PEM --tls-key PEM --client-ca PEM | --insecure-for-tests)\n"
    "             [--listen ADDR:PORT] [--operator CN]... [--viewer CN]...\n"
    "  --chassis             chassisd control socket (e.g. STATE_DIR/chassis.ctl)\n"
    "  --images              chassisd's image store (Install writes verified images there)\n"
    "  --pubkey              key images must be signed with\n"
    "  --tls-cert/--tls-key  the server's certificate and key\n"
    "  --client-ca           CA bundle client certificates must chain to (mTLS)\n"
    "  --listen              default [::]:9339\n"
    "  --operator CN         client certificate common name allowed to change the router\n"
    "                        (repeatable; default: operator)\n"
    "  --viewer CN           common name allowed to read only (repeatable; default: viewer)\n"
    "  --insecure-for-tests  plaintext, no client authentication: tests only\n"
    "`hitless pki init --out DIR` makes a CA, a server certificate and operator/viewer ones.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace hitless;
  hitless::gnoi::GnoiOptions o;
  std::set<std::string> operators, viewers;
  std::map<std::string, std::string*> values = {
      {"--chassis", &o.chassis_socket}, {"--images", &o.image_dir}, {"--pubkey", &o.pubkey_path},
      {"--tls-cert", &o.tls_cert},      {"--tls-key", &o.tls_key},  {"--client-ca", &o.client_ca},
      {"--listen", &o.listen}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--insecure-for-tests") {
      o.insecure_for_tests = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << kUsage << "gnoid: " << a << " needs a value\n";
      return 2;
    }
    if (a == "--operator") {
      operators.insert(argv[++i]);
    } else if (a == "--viewer") {
      viewers.insert(argv[++i]);
    } else if (auto it = values.find(a); it != values.end()) {
      *it->second = argv[++i];
    } else {
      std::cerr << kUsage << "gnoid: unknown option '" << a << "'\n";
      return 2;
    }
  }
  for (const char* required : {"--chassis", "--images", "--pubkey"}) {
    if (values[required]->empty()) {
      std::cerr << kUsage << "gnoid: missing " << required << "\n";
      return 2;
    }
  }
  if (!operators.empty()) o.policy.operators = operators;
  if (!viewers.empty()) o.policy.viewers = viewers;
  setLogTag("gnoid");
  // SIGTERM/SIGINT are taken synchronously below; every gRPC thread inherits the block.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto server = hitless::gnoi::GnoiServer::start(o);
  if (!server.isOk()) {
    std::cerr << "gnoid: " << server.status().message() << "\n";
    return 1;
  }
  logEvent("GNOI", Severity::kNotice, "LISTENING",
           o.listen + " (port " + std::to_string((*server)->port()) + ", " +
               (o.insecure_for_tests ? "PLAINTEXT, tests only" : "mTLS") + ")");
  hitless::service::ServiceNotifier notifier;
  notifier.ready("serving gNOI on port " + std::to_string((*server)->port()));
  int sig = 0;
  sigwait(&stop, &sig);
  notifier.stopping();
  logEvent("GNOI", Severity::kNotice, "STOPPING", "on signal " + std::to_string(sig));
  (*server)->shutdown();
  return 0;
}
