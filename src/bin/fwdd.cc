// fwdd: the forwarding agent. Owns the kernel FIB of the network namespace it runs in; only the
// active rpd writes through it (docs/fib-channel.md).
//   fwdd --socket PATH --control PATH [--state-dir DIR] [--netns NAME] [--protocol N]
//        [--table N] [--stale-timeout-ms N] [--batch N] [--nexthop-objects on|off]
// runs until SIGTERM/SIGINT. Its routes stay in the kernel when it stops or dies: forwarding
// continues, and the next fwdd reads them back and reconciles them with the next replay.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "control/control_server.h"
#include "event/stop_signals.h"
#include "fib/fib_agent.h"
#include "fib/fib_server.h"
#include "fib/netlink_fib.h"
#include "state/route_text.h"

namespace {

using namespace hitless;

constexpr char kUsage[] =
    "usage: fwdd --socket PATH --control PATH [--state-dir DIR] [--netns NAME]\n"
    "            [--protocol N] [--table N] [--stale-timeout-ms N] [--batch N]\n"
    "            [--nexthop-objects on|off]\n"
    "\n"
    "  --socket            FIB channel socket the active rpd connects to (mode 0600)\n"
    "  --control           control socket (mode 0600): show-fib, fib-dump\n"
    "  --state-dir         where the highest writer epoch is persisted\n"
    "  --netns             enter this network namespace (/run/netns/NAME) before anything else\n"
    "  --protocol          rtnetlink protocol number that marks fwdd's routes (default 200)\n"
    "  --table             kernel routing table (default 254, main)\n"
    "  --stale-timeout-ms  how long stale routes live without a finished replay (default 90000)\n"
    "  --batch             route messages per netlink sendmsg (default 1024)\n"
    "  --nexthop-objects   routes name kernel nexthop objects, installed ~1.5x faster (default\n"
    "                      on; off: every route carries its gateway)\n";

int fail(const std::string& message) {
  std::cerr << "fwdd: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt;
  static const std::vector<std::string> kKnown = {"--socket",   "--control", "--state-dir",
                                                  "--netns",    "--protocol", "--table",
                                                  "--stale-timeout-ms", "--batch",
                                                  "--nexthop-objects"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (std::find(kKnown.begin(), kKnown.end(), a) == kKnown.end() || i + 1 >= argc) {
      std::cerr << kUsage;
      return fail("unexpected argument '" + a + "'");
    }
    opt[a] = argv[++i];
  }
  for (const char* required : {"--socket", "--control"}) {
    if (!opt.count(required)) {
      std::cerr << kUsage;
      return fail(std::string("missing ") + required);
    }
  }
  auto number = [&](const char* key, unsigned long fallback, unsigned long max) {
    auto it = opt.find(key);
    if (it == opt.end()) return fallback;
    char* end = nullptr;
    unsigned long v = std::strtoul(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0' || v > max) {
      std::cerr << "fwdd: " << key << " takes a number up to " << max << "\n";
      std::exit(2);
    }
    return v;
  };
  if (opt.count("--netns")) {
    std::string path = "/run/netns/" + opt["--netns"];
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      return fail("cannot enter network namespace " + path + ": " + strerror(errno));
    }
    ::close(fd);
  }
  fib::NetlinkFibOptions nl;
  nl.protocol = static_cast<uint8_t>(number("--protocol", 200, 255));
  nl.table = static_cast<uint32_t>(number("--table", 254, UINT32_MAX));
  nl.batch = number("--batch", 1024, 65536);
  std::string nexthop_objects = opt.count("--nexthop-objects") ? opt["--nexthop-objects"] : "on";
  if (nexthop_objects != "on" && nexthop_objects != "off") {
    return fail("--nexthop-objects takes on or off, not '" + nexthop_objects + "'");
  }
  nl.nexthop_objects = nexthop_objects == "on";
  if (nl.protocol < 5 || nl.batch < 1) {
    return fail("--protocol must be 5..255 (0-4 belong to the kernel) and --batch at least 1");
  }
  fib::FibServerOptions so;
  so.socket_path = opt["--socket"];
  so.state_dir = opt.count("--state-dir") ? opt["--state-dir"] : "";
  so.stale_timeout_ms = static_cast<int64_t>(number("--stale-timeout-ms", 90000, 86'400'000));

  setLogTag("fwdd");
  auto kernel = fib::NetlinkFib::open(nl);
  if (!kernel.isOk()) return fail(kernel.status().message());
  fib::FibAgent agent(**kernel);
  event::EventLoop loop;
  fib::FibServer server(loop, agent, so);
  if (Status s = server.listen(); !s.isOk()) return fail(s.message());
  auto adopt_start = std::chrono::steady_clock::now();
  if (Status s = agent.adoptFromKernel(); !s.isOk()) return fail(s.message());
  double adopt_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                              adopt_start)
                        .count();
  size_t adopted = agent.size();
  fib::NetlinkFib* netlink = kernel->get();
  // Objects an earlier fwdd made for next hops no route uses any more.
  auto unused = netlink->removeUnusedNexthops();
  if (!unused.isOk()) return fail(unused.status().message());
  logEvent("FIB", Severity::kNotice, "FWDD_START",
           "protocol " + std::to_string(nl.protocol) + " table " + std::to_string(nl.table) +
               ": adopted " + std::to_string(agent.size()) +
               " routes from the kernel (stale until the active RP replays), " +
               std::to_string(netlink->nexthopObjects()) + " nexthop objects (" +
               std::to_string(*unused) + " unused removed)");

  event::StopSignals stop(loop, [] {
    logEvent("FIB", Severity::kNotice, "FWDD_STOP", "stopping on signal; routes stay installed");
  });
  control::ControlServer control(loop);
  control.addCommand("show-fib", [&](const nlohmann::json&, control::Reply reply) {
    nlohmann::json j = server.status();
    j["ok"] = true;
    j["protocol"] = nl.protocol;
    j["table"] = nl.table;
    j["netlink_messages"] = netlink->messagesSent();
    j["netlink_overflow_recoveries"] = netlink->overflowRecoveries();
    j["nexthop_objects"] = netlink->nexthopObjects();
    j["adopted"] = adopted;
    j["adopt_ms"] = adopt_ms;
    reply(j);
  });
  control.addCommand("fib-dump", [&](const nlohmann::json&, control::Reply reply) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& r : agent.sortedRoutes()) routes.push_back(state::formatRoute(r));
    reply({{"ok", true}, {"routes", routes}});
  });
  if (Status s = control.listen(opt["--control"]); !s.isOk()) return fail(s.message());
  if (Status s = server.start(); !s.isOk()) return fail(s.message());
  loop.run();
  return 0;
}
