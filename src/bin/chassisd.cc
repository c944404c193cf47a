// chassisd: the chassis manager. Runs both RP slots from signed images, fwdd from its package,
// the ISSU procedure and the install operations. One binary per chassisd release
// (HITLESS_CHASSISD_RELEASE, set by the build); `chassisd --help` lists the options.
#include "chassis/chassisd_main.h"

#ifndef HITLESS_CHASSISD_RELEASE
#error "HITLESS_CHASSISD_RELEASE must name the chassisd release this binary is built as"
#endif

int main(int argc, char** argv) {
  return hitless::chassis::chassisdMain(HITLESS_CHASSISD_RELEASE, argc, argv);
}
