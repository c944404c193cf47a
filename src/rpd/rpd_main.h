// rpdMain: the whole rpd process (options, the route processor, its control socket, the event
// loop) for one release. Each rpd-<release> binary is a one-line main calling it with the release
// it is built as, so the release decides the message set while the code is compiled once.
#pragma once

#include <string_view>

namespace hitless::rpd {

// Runs until SIGTERM/SIGINT; returns the process exit status (2 on bad arguments).
int rpdMain(std::string_view release, int argc, char** argv);

}  // namespace hitless::rpd
