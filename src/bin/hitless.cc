// hitless: the operator CLI (images, compatibility, and the ISSU/redundancy commands).
#include <iostream>

#include "cli/hitless_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  hitless::cli::Io io{std::cout, std::cerr};
  return hitless::cli::runHitless(args, io);
}
