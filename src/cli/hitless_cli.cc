#include "cli/hitless_cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/line_editor.h"
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

CommandTable hitlessCommands() {
  CommandTable table("hitless");
  addImageCommands(table);
  addCompatCommands(table);
  addRedundancyCommands(table);
  addIssuCommands(table);
  addFibCommands(table);
  addBgpCommands(table);
  addPkiCommands(table);
  addInstallCommands(table);
  table.describe({"image"}, "Build and verify signed images");
  table.describe({"install"}, "Packages of single components (add, activate, commit, ...)");
  table.describe({"issu"}, "The ISSU procedure (loadversion, runversion, ...)");
  table.describe({"issu", "set"}, "ISSU settings");
  table.describe({"redundancy"}, "Redundancy operations");
  table.describe({"rib"}, "Feed the RIB without BGP");
  table.describe({"show"}, "Show running system information");
  table.describe({"show", "bgp"}, "BGP sessions and neighbors");
  table.describe({"show", "ip"}, "IP routing table");
  table.describe({"show", "issu"}, "ISSU state, clients, sessions, negotiation");
  table.describe({"show", "issu", "comp-matrix"}, "Compatibility of the RP pair");
  table.describe({"show", "redundancy", "switchover"}, "Switchover records");
  return table;
}

int runHitless(const std::vector<std::string>& argv, Io& io) {
  if (!argv.empty() && (argv[0] == "--version" || argv[0] == "version")) {
    io.out << "hitless " << kHitlessVersion << "\n";
    return kExitOk;
  }
  CommandTable table = hitlessCommands();
  if (argv.empty()) {
    Shell shell(table);
    return ::isatty(STDIN_FILENO) ? runInteractiveShell(shell, io)
                                  : runScriptedShell(shell, std::cin, io);
  }
  std::vector<std::string> words = argv;
  std::string error;
  if (!table.expandAbbreviations(words, error)) {
    io.err << error << "\n";
    return kExitUsage;
  }
  return table.dispatch(words, io);
}

}  // namespace hitless::cli
