// hitless-testbed: the netns testbed (src/testbed/testbed.h) for shell scripts and the demo.
//   hitless-testbed up [--peer] [--prefix P] [--owner-pid PID]   prints the names as JSON
//   hitless-testbed down BASE                                     removes one testbed
//   hitless-testbed sweep [--prefix P]                            removes orphaned testbeds
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "testbed/testbed.h"

namespace {

constexpr char kUsage[] =
    "usage: hitless-testbed up [--peer] [--prefix P] [--owner-pid PID]\n"
    "       hitless-testbed down BASE\n"
    "       hitless-testbed sweep [--prefix P]\n"
    "\n"
    "up     creates namespaces src, rtr, dst (and peer) linked through rtr, addresses from\n"
    "       198.18.0.0/15; prints their names and addresses as JSON. The testbed counts as\n"
    "       orphaned (and the next up/sweep removes it) once --owner-pid (default: the parent\n"
    "       shell) has exited.\n"
    "down   removes the testbed named BASE (the \"base\" field printed by up).\n"
    "sweep  removes testbeds whose owner process is gone.\n";

int fail(const std::string& m) {
  std::cerr << "hitless-testbed: " << m << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hitless::testbed;
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string mode = argv[1];
  TestbedOptions o;
  o.owner_pid = static_cast<int>(getppid());
  std::string base;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--peer") {
      o.with_peer = true;
    } else if (a == "--prefix" && i + 1 < argc) {
      o.prefix = argv[++i];
    } else if (a == "--owner-pid" && i + 1 < argc) {
      o.owner_pid = std::atoi(argv[++i]);
    } else if (mode == "down" && base.empty() && a.rfind("--", 0) != 0) {
      base = a;
    } else {
      std::cerr << kUsage;
      return fail("unexpected argument '" + a + "'");
    }
  }
  if (mode == "up") {
    auto tb = Testbed::create(o);
    if (!tb.isOk()) return fail(tb.status().message());
    (*tb)->release();
    std::string b = (*tb)->src().substr(0, (*tb)->src().size() - 4);
    nlohmann::json j = {{"base", b},
                        {"src", (*tb)->src()},
                        {"rtr", (*tb)->rtr()},
                        {"dst", (*tb)->dst()},
                        {"peer", (*tb)->peer()},
                        {"addresses",
                         {{"src", Addresses::kSrc},
                          {"rtr_to_src", Addresses::kRtrToSrc},
                          {"rtr_to_dst", Addresses::kRtrToDst},
                          {"dst", Addresses::kDst},
                          {"rtr_to_peer", Addresses::kRtrToPeer},
                          {"peer", Addresses::kPeer},
                          {"target", Addresses::kTarget},
                          {"target_prefix", Addresses::kTargetPrefix}}}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (mode == "down") {
    if (base.empty()) return fail("down needs the testbed's base name");
    hitless::Status s = Testbed::destroy(base);
    return s.isOk() ? 0 : fail(s.message());
  }
  if (mode == "sweep") {
    std::cout << Testbed::sweepOrphans(o.prefix) << " orphaned namespaces removed\n";
    return 0;
  }
  std::cerr << kUsage;
  return fail("unknown mode '" + mode + "'");
}
