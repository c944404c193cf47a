// hitless-testbed: the netns testbed (src/testbed/testbed.h) for shell scripts and the demo.
//   hitless-testbed up [--peer] [--prefix P] [--owner-pid PID]   prints the names as JSON
//   hitless-testbed down BASE                                     removes one testbed
//   hitless-testbed sweep [--prefix P]                            removes orphaned testbeds
#include <unistd.h>

#include <climits>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "base/command_line.h"
#include "testbed/testbed.h"

namespace {

int fail(const std::string& m) {
  std::cerr << "hitless-testbed: " << m << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hitless::testbed;
  TestbedOptions o;
  o.owner_pid = static_cast<int>(getppid());
  std::string base;
  CLI::App app(
      "The netns testbed of the forwarding tests, the benchmarks and the demo "
      "(docs/testbed.md): namespaces src, rtr, dst (and peer) linked through rtr, "
      "addresses from 198.18.0.0/15.",
      "hitless-testbed");
  app.require_subcommand(1);
  CLI::App* up = app.add_subcommand(
      "up",
      "create a testbed and print its names and addresses as JSON. It counts as orphaned (the "
      "next up or sweep removes it) once --owner-pid has exited.");
  up->add_flag("--peer", o.with_peer, "also a BGP peer namespace behind rtr");
  up->add_option("--prefix", o.prefix, "namespace name prefix")->capture_default_str();
  hitless::addNumber(*up, "--owner-pid", o.owner_pid, 1, INT32_MAX,
                     "the process whose exit orphans the testbed (default: the parent shell)");
  CLI::App* down = app.add_subcommand("down", "remove one testbed");
  down->add_option("BASE", base, "the \"base\" field printed by up")->required();
  CLI::App* sweep = app.add_subcommand("sweep", "remove testbeds whose owner process is gone");
  sweep->add_option("--prefix", o.prefix, "namespace name prefix")->capture_default_str();
  if (auto exit = hitless::parseCommandLine(app, argc, argv)) return *exit;
  const std::string mode = up->parsed() ? "up" : down->parsed() ? "down" : "sweep";
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
    hitless::Status s = Testbed::destroy(base);
    return s.isOk() ? 0 : fail(s.message());
  }
  std::cout << Testbed::sweepOrphans(o.prefix) << " orphaned namespaces removed\n";
  return 0;
}
