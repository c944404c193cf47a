// rpd: the route-processor daemon. One binary per release (HITLESS_RELEASE, set by the build).
//   rpd --describe            print the release and the ISSU message set (for image manifests)
//   rpd --slot N --active|--standby --state-dir DIR --checkpoint-socket PATH --control PATH ...
// runs one RP of the redundant pair until SIGTERM/SIGINT (src/rpd/rpd_main.h).
#include "rpd/rpd_main.h"

#ifndef HITLESS_RELEASE
#error "HITLESS_RELEASE must name the release this rpd is built as, e.g. \"1.1\""
#endif

int main(int argc, char** argv) { return hitless::rpd::rpdMain(HITLESS_RELEASE, argc, argv); }
