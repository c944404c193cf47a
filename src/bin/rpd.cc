// rpd: the route-processor daemon. One binary per release (HITLESS_RELEASE, set by the build);
// `rpd --describe` prints the release and the message set this binary speaks, which
// `hitless image build` puts into the signed manifest.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "messages/release.h"

#ifndef HITLESS_RELEASE
#error "HITLESS_RELEASE must name the release this rpd is built as, e.g. \"1.1\""
#endif

int main(int argc, char** argv) {
  using namespace hitless;
  std::string arg = argc > 1 ? argv[1] : "";
  auto release = messages::Release::parse(HITLESS_RELEASE);
  if (!release.isOk()) {
    std::cerr << "rpd: " << release.status().message() << "\n";
    return 2;
  }
  if (arg == "--describe") {
    auto catalog = messages::buildCatalog(*release);
    if (!catalog.isOk()) {
      std::cerr << "rpd: " << catalog.status().message() << "\n";
      return 1;
    }
    nlohmann::json j = {{"product", "hitless-rpd"},
                        {"release", release->toString()},
                        {"message_set", issu::toJson(catalog->messageSet())}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (arg == "--version") {
    std::cout << "rpd release " << release->toString() << "\n";
    return 0;
  }
  std::cerr << "usage: rpd --describe | --version\n"
               "  --describe  print this binary's release and ISSU message set as JSON\n";
  return arg == "--help" ? 0 : 2;
}
