#include "rpd/rpd_main.h"

#include <malloc.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/command_line.h"
#include "base/log.h"
#include "control/control_server.h"
#include "event/stop_signals.h"
#include "messages/fib_catalog.h"
#include "messages/release.h"
#include "rpd/route_processor.h"
#include "rpd/rpd_commands.h"

namespace hitless::rpd {
namespace {

// A table arriving in one burst passes through large transient buffers (checkpoint output while
// the standby catches up, FIB batches, BGP input). glibc's adaptive threshold serves those from
// the heap after the first big free, and the heap keeps freed memory resident: 50-80 bytes per
// route of a 1M table stayed in RSS after convergence. A fixed threshold maps every buffer of
// 1 MB or more on its own and unmaps it when freed.
void returnLargeBuffersToTheKernel() {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
}

int fail(const std::string& message) {
  std::cerr << "rpd: " << message << "\n";
  return 2;
}

}  // namespace

int rpdMain(std::string_view release_name, int argc, char** argv) {
  auto release = messages::Release::parse(release_name);
  if (!release.isOk()) return fail(release.status().message());
  auto catalog = messages::buildCatalog(*release);
  if (!catalog.isOk()) return fail(catalog.status().message());

  RouteProcessorOptions o;
  int slot = 0;
  bool active = false, standby = false, test_hooks = false;
  std::string control_path, software;
  CLI::App app("One route processor (RP) of the redundant pair; release " + release->toString() +
                   ". Runs until SIGTERM/SIGINT.",
               "rpd");
  addPrintFlag(
      app, "--describe", "print this binary's release and ISSU message sets as JSON, and exit",
      [&] {
        nlohmann::json j = {
            {"product", "hitless-rpd"},
            {"component", "rpd"},
            {"release", release->toString()},
            {"message_set", issu::toJson(catalog->messageSet())},
            {"channels",
             {{"fib",
               issu::toJson(
                   messages::buildFibCatalog(messages::FibEnd::kRpd, *release)->messageSet())}}}};
        return j.dump(2) + "\n";
      });
  addPrintFlag(app, "--version", "print the release and exit",
               [&] { return "rpd release " + release->toString() + "\n"; });
  addNumber(app, "--slot", slot, 0, 1,
            "RP slot; slot 0 listens on the checkpoint socket, slot 1 connects")
      ->required();
  auto* active_flag = app.add_flag("--active", active, "start as the active RP");
  app.add_flag("--standby", standby, "start as the standby (the peer's epoch settles a conflict)")
      ->excludes(active_flag);
  app.add_option("--state-dir", o.state_dir, "where the switchover epoch is persisted")->required();
  app.add_option("--checkpoint-socket", o.checkpoint_socket,
                 "the socket between the two RPs (slot 0 listens, slot 1 connects)")
      ->required();
  app.add_option("--control", control_path,
                 "control socket (mode 0600) for hitless show/redundancy commands")
      ->required();
  app.add_option("--config", o.startup_config,
                 "startup configuration, 'path = value' per line (loaded when active starts cold)");
  app.add_option("--fib-socket", o.fib_socket,
                 "fwdd's FIB channel; the active RP writes the kernel FIB through it");
  app.add_option("--software-version", software,
                 "the version this RP reports (default: RELEASE.0; chassisd sets the image's)");
  addNumber<int64_t>(app, "--heartbeat-ms", o.heartbeat_interval_ms, 1, 60'000,
                     "heartbeat interval on the checkpoint session");
  addNumber(app, "--heartbeat-threshold", o.heartbeat_threshold, 1, 1000,
            "missed heartbeats before the peer counts as hung");
  addNumber<int64_t>(app, "--ack-timeout-ms", o.ack_timeout_ms, 1, 3'600'000,
                     "no acknowledgement progress for this long closes the session");
  addNumber<int64_t>(app, "--digest-interval-ms", o.digest_interval_ms, 1, 86'400'000,
                     "how often a HOT standby's state digest is checked");
  addNumber<size_t>(app, "--bulk-batch", o.bulk_batch, 1, 1'000'000,
                    "routes per bulk-sync transaction");
  addNumber<int64_t>(app, "--handover-timeout-ms", o.handover_timeout_ms, 1, 3'600'000,
                     "a planned switchover gives up if checkpoints have not drained by then");
  std::vector<std::string> point_names;
  std::string points_help = "test hook: SIGKILL this process at a named protocol point:";
  for (const auto& p : crashPoints()) {
    point_names.push_back(p.name);
    points_help += std::string("\n  ") + p.name + ": " + p.where;
  }
  app.add_option("--crash-at", o.crash_at, points_help)->check(CLI::IsMember(point_names));
  app.add_flag("--test-hooks", test_hooks, "enable test-only control commands (test-diverge)");
  if (auto exit = parseCommandLine(app, argc, argv)) return *exit;
  if (active == standby) return fail("give one of --active, --standby");
  o.release = *release;
  o.slot = static_cast<uint8_t>(slot);
  o.start_active = active;
  if (software.empty()) software = release->toString() + ".0";

  setLogTag("rp" + std::to_string(o.slot));
  returnLargeBuffersToTheKernel();

  event::EventLoop loop;
  event::StopSignals stop(
      loop, [] { logEvent("RF", Severity::kNotice, "RP_STOP", "stopping on signal"); });
  RouteProcessor rp(loop, *catalog, software, o);
  control::ControlServer control(loop);
  registerRpdCommands(control, rp, loop, test_hooks);
  if (Status s = control.listen(control_path); !s.isOk()) return fail(s.message());
  if (Status s = rp.start(); !s.isOk()) return fail(s.message());
  loop.run();
  return 0;
}

}  // namespace hitless::rpd
