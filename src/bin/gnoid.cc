// gnoid: the gNOI server of a hitless router (gnoi.os.OS, gnoi.system.System) — fleet automation
// drives the ISSU procedure through it. It talks to chassisd over its control socket. One
// binary per gnoid release (HITLESS_GNOID_RELEASE, set by the build).
#include "gnoi/gnoid_main.h"

#ifndef HITLESS_GNOID_RELEASE
#error "HITLESS_GNOID_RELEASE must name the gnoid release this binary is built as"
#endif

int main(int argc, char** argv) {
  return hitless::gnoi::gnoidMain(HITLESS_GNOID_RELEASE, argc, argv);
}
