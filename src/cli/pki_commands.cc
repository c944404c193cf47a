// `hitless pki init`: a private CA and the certificates gnoid and its clients need (mTLS), so
// the demo and the tests run out of the box. Made with the openssl command (EC P-256, SHA-256).
// For a lab or a test: a production fleet uses its own PKI.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "base/subprocess.h"
#include "cli/commands.h"

namespace hitless::cli {
namespace {

struct Pki {
  std::string dir;
  Io& io;

  std::string file(const std::string& name) const { return dir + "/" + name; }

  bool openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/openssl");
    auto r = runProcess(args, std::chrono::seconds(60));
    if (r.isOk() && r->exit_code == 0) return true;
    io.err << "% openssl " << args[1]
           << " failed: " << (r.isOk() ? r->err.substr(0, r->err.find('\n')) : r.status().message())
           << "\n";
    return false;
  }

  bool key(const std::string& name) {
    if (!openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                  file(name + ".key")})) {
      return false;
    }
    ::chmod(file(name + ".key").c_str(), 0600);
    return true;
  }

  // A certificate for `name`.key, signed by the CA, with the given extensions.
  bool issue(const std::string& name, const std::string& cn, const std::string& extensions) {
    std::ofstream(file(name + ".ext")) << extensions;
    bool ok = key(name) &&
              openssl({"req", "-new", "-key", file(name + ".key"), "-subj", "/CN=" + cn, "-out",
                       file(name + ".csr")}) &&
              openssl({"x509", "-req", "-in", file(name + ".csr"), "-CA", file("ca.crt"), "-CAkey",
                       file("ca.key"), "-CAcreateserial", "-days", "825", "-sha256", "-extfile",
                       file(name + ".ext"), "-out", file(name + ".crt")});
    std::error_code ec;
    std::filesystem::remove(file(name + ".csr"), ec);
    std::filesystem::remove(file(name + ".ext"), ec);
    return ok;
  }
};

int runPkiInit(const ParsedArgs& a, Io& io) {
  const std::string dir = a.get("out");
  if (dir.empty()) {
    io.err << "% pki init needs --out DIR\n";
    return kExitUsage;
  }
  if (std::filesystem::exists(dir + "/ca.key") && !a.has("force")) {
    io.err << "% " << dir << " already holds a CA; --force replaces it\n";
    return kExitUsage;
  }
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& extra : a.all("san")) {
    bool ip = extra.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos;
    san += std::string(",") + (ip ? "IP:" : "DNS:") + extra;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  Pki pki{dir, io};
  bool ok =
      pki.key("ca") &&
      pki.openssl({"req", "-x509", "-new", "-key", pki.file("ca.key"), "-sha256", "-days", "3650",
                   "-subj", "/CN=hitless test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                   "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out",
                   pki.file("ca.crt")}) &&
      pki.issue(
          "server", "hitless gnoid",
          "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=" + san + "\n") &&
      pki.issue("operator", "operator",
                "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n") &&
      pki.issue("viewer", "viewer", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
  if (!ok) return kExitRefused;
  std::filesystem::remove(pki.file("ca.srl"), ec);
  io.out << "CA            " << pki.file("ca.crt") << "\n"
         << "gnoid         --tls-cert " << pki.file("server.crt") << " --tls-key "
         << pki.file("server.key") << " --client-ca " << pki.file("ca.crt") << "\n"
         << "operator      " << pki.file("operator.crt") << " " << pki.file("operator.key")
         << " (may change the router)\n"
         << "viewer        " << pki.file("viewer.crt") << " " << pki.file("viewer.key")
         << " (may only read)\n"
         << "server names  " << san << "\n";
  return kExitOk;
}

}  // namespace

void addPkiCommands(CommandTable& table) {
  table.add({{"pki", "init"},
             "",
             "Make a test CA and certificates for gnoid (server) and its clients (operator, "
             "viewer)",
             {{"out", "DIR", "directory for ca, server, operator and viewer .crt/.key"},
              {"san", "NAME|IP", "one more name or address of the server certificate", true},
              {"force", "", "replace an existing CA in DIR"}},
             0,
             0,
             runPkiInit});
  table.describe({"pki"}, "Certificates for the gNOI server and its clients");
}

}  // namespace hitless::cli
