#include "cli/hitless_cli.h"

#include <cstdlib>

#include "cli/commands.h"

namespace hitless::cli {

std::string defaultPublicKeyPath() {
  const char* env = std::getenv("HITLESS_PUBKEY");
  return env != nullptr && *env != '\0' ? env : "/etc/hitless/image.pub";
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
  return table.dispatch(argv, io);
}

}  // namespace hitless::cli
