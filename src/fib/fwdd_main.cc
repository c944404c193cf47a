#include "fib/fwdd_main.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "base/command_line.h"
#include "base/log.h"
#include "control/control_server.h"
#include "event/stop_signals.h"
#include "fib/fib_agent.h"
#include "fib/fib_server.h"
#include "fib/netlink_fib.h"
#include "issu/negotiation.h"
#include "messages/fib_catalog.h"
#include "state/route_text.h"

namespace hitless::fib {
namespace {

int fail(const std::string& message) {
  std::cerr << "fwdd: " << message << "\n";
  return 2;
}

}  // namespace

int fwddMain(std::string_view release_name, int argc, char** argv) {
  auto release = messages::Release::parse(release_name);
  auto catalog = release.isOk() ? messages::buildFibCatalog(messages::FibEnd::kFwdd, *release)
                                : Result<issu::MessageCatalog>(release.status());
  if (!catalog.isOk()) return fail(catalog.status().message());
  NetlinkFibOptions nl;
  FibServerOptions so;
  so.release = *release;
  so.software_version = release->toString() + ".0";
  std::string control_path, netns, nexthop_objects = "on";
  unsigned protocol = 200;
  so.stale_timeout_ms = 90000;
  CLI::App app(
      "The forwarding agent: owns the kernel FIB of the network namespace it runs in; only the "
      "active rpd writes through it (docs/fib-channel.md). Runs until SIGTERM/SIGINT; its routes "
      "stay in the kernel when it stops or dies, and the next fwdd adopts them.",
      "fwdd");
  addReleaseFlags(app, "fwdd", release->toString(), [&] {
    return nlohmann::json{{"fib", issu::toJson(catalog->messageSet())}}.dump();
  });
  app.add_option("--software-version", so.software_version,
                 "the version fwdd reports to the rpd (default: RELEASE.0)");
  app.add_option("--socket", so.socket_path,
                 "FIB channel socket the active rpd connects to (mode 0600)")
      ->required();
  app.add_option("--control", control_path, "control socket (mode 0600): show-fib, fib-dump")
      ->required();
  app.add_option("--state-dir", so.state_dir, "where the highest writer epoch is persisted");
  app.add_option("--netns", netns,
                 "enter this network namespace (/run/netns/NAME) before anything else");
  addNumber(app, "--protocol", protocol, 5u, 255u,
            "rtnetlink protocol number that marks fwdd's routes (0-4 belong to the kernel)");
  addNumber<uint32_t>(app, "--table", nl.table, 0, UINT32_MAX, "kernel routing table (254: main)");
  addNumber<int64_t>(app, "--stale-timeout-ms", so.stale_timeout_ms, 0, 86'400'000,
                     "how long stale routes live without a finished replay");
  addNumber<size_t>(app, "--batch", nl.batch, 1, 65536, "route messages per netlink sendmsg");
  app.add_option("--nexthop-objects", nexthop_objects,
                 "routes name kernel nexthop objects, installed ~1.9x faster (off: every route "
                 "carries its gateway)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  if (auto exit = parseCommandLine(app, argc, argv)) return *exit;
  nl.protocol = static_cast<uint8_t>(protocol);
  nl.nexthop_objects = nexthop_objects == "on";
  if (!netns.empty()) {
    std::string path = "/run/netns/" + netns;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      return fail("cannot enter network namespace " + path + ": " + strerror(errno));
    }
    ::close(fd);
  }

  setLogTag("fwdd");
  auto kernel = NetlinkFib::open(nl);
  if (!kernel.isOk()) return fail(kernel.status().message());
  FibAgent agent(**kernel);
  event::EventLoop loop;
  FibServer server(loop, agent, so);
  if (Status s = server.listen(); !s.isOk()) return fail(s.message());
  auto adopt_start = std::chrono::steady_clock::now();
  if (Status s = agent.adoptFromKernel(); !s.isOk()) return fail(s.message());
  double adopt_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - adopt_start)
          .count();
  size_t adopted = agent.size();
  NetlinkFib* netlink = kernel->get();
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
  if (Status s = control.listen(control_path); !s.isOk()) return fail(s.message());
  if (Status s = server.start(); !s.isOk()) return fail(s.message());
  loop.run();
  return 0;
}

}  // namespace hitless::fib
