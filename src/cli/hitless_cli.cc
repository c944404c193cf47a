#include "cli/hitless_cli.h"

#include <cstdlib>

#include "cli/commands.h"
#include "control/control_server.h"

namespace hitless::cli {

std::string defaultPublicKeyPath() {
  const char* env = std::getenv("HITLESS_PUBKEY");
  return env != nullptr && *env != '\0' ? env : "/etc/hitless/image.pub";
}

std::optional<nlohmann::json> askDaemon(const std::string& socket, const nlohmann::json& request,
                                        Io& io, int timeout_ms) {
  auto r = control::controlRequest(socket, request, timeout_ms);
  std::string error;
  if (!r.isOk()) {
    error = r.status().message();
  } else if (!r->value("ok", false)) {
    error = r->value("error", std::string("the daemon refused the request"));
  } else {
    return *r;
  }
  io.err << (error.rfind('%', 0) == 0 ? "" : "% ") << error << "\n";
  return std::nullopt;
}

int runHitless(const std::vector<std::string>& argv, Io& io) {
  if (!argv.empty() && (argv[0] == "--version" || argv[0] == "version")) {
    io.out << "hitless " << kHitlessVersion << "\n";
    return kExitOk;
  }
  CommandTable table("hitless");
  addImageCommands(table);
  addCompatCommands(table);
  addRedundancyCommands(table);
  addIssuCommands(table);
  addFibCommands(table);
  addBgpCommands(table);
  return table.dispatch(argv, io);
}

}  // namespace hitless::cli
