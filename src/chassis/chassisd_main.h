// chassisdMain: the whole chassisd process (options, the chassis manager, the install service,
// the control socket, systemd notification, the event loop) for one chassisd release. Each
// chassisd-<release> binary is a one-line main calling it, as fwdd's releases are, so a chassisd
// package can be built from a binary that says which release it is (chassisd --describe).
#pragma once

#include <string_view>

namespace hitless::chassis {

// Runs until SIGTERM/SIGINT (or until it re-execs into another chassisd package); returns the
// process exit status (2 on bad arguments).
int chassisdMain(std::string_view release, int argc, char** argv);

}  // namespace hitless::chassis
