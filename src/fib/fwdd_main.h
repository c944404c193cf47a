// fwddMain: the whole fwdd process (options, the FIB agent over netlink, its server and control
// socket, the event loop) for one fwdd release. Each fwdd-<release> binary is a one-line main
// calling it with the release it is built as, so the release decides the FIB-channel message
// set (messages/fib_catalog.h) while the code is compiled once — as rpd's releases are.
#pragma once

#include <string_view>

namespace hitless::fib {

// Runs until SIGTERM/SIGINT; returns the process exit status (2 on bad arguments).
int fwddMain(std::string_view release, int argc, char** argv);

}  // namespace hitless::fib
