// gnoidMain: the whole gnoid process (options, the gRPC server with gnoi.os.OS and
// gnoi.system.System, systemd notification) for one gnoid release. Each gnoid-<release> binary
// is a one-line main calling it, so a gnoid package can be built from a binary that says which
// release it is (gnoid --describe), as fwdd's and chassisd's are.
#pragma once

#include <string_view>

namespace hitless::gnoi {

// Serves until SIGTERM/SIGINT; returns the process exit status (2 on bad arguments).
int gnoidMain(std::string_view release, int argc, char** argv);

}  // namespace hitless::gnoi
