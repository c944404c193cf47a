// fwdd: the forwarding agent. Owns the kernel FIB of the network namespace it runs in; only the
// active rpd writes through it (docs/fib-channel.md). One binary per fwdd release
// (HITLESS_FWDD_RELEASE, set by the build); `fwdd --help` lists the options. Its routes stay in
// the kernel when it stops or dies: forwarding continues, and the next fwdd reads them back and
// reconciles them with the next replay.
#include "fib/fwdd_main.h"

#ifndef HITLESS_FWDD_RELEASE
#error "HITLESS_FWDD_RELEASE must name the fwdd release this binary is built as, e.g. \"1.1\""
#endif

int main(int argc, char** argv) { return hitless::fib::fwddMain(HITLESS_FWDD_RELEASE, argc, argv); }
