#include "rpd/rpd_main.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "control/control_server.h"
#include "event/stop_signals.h"
#include "messages/release.h"
#include "rpd/route_processor.h"
#include "rpd/rpd_commands.h"

namespace hitless::rpd {
namespace {

constexpr char kUsage[] =
    "usage: rpd --describe | --version\n"
    "       rpd --slot 0|1 (--active | --standby) --state-dir DIR --checkpoint-socket PATH\n"
    "           --control PATH [--config FILE] [--heartbeat-ms N] [--heartbeat-threshold N]\n"
    "           [--ack-timeout-ms N] [--digest-interval-ms N] [--bulk-batch N]\n"
    "           [--fib-socket PATH] [--handover-timeout-ms N]\n"
    "\n"
    "  --describe             print this binary's release and ISSU message set as JSON\n"
    "  --slot                 RP slot; slot 0 listens on the checkpoint socket, slot 1 connects\n"
    "  --active/--standby     initial role (the peer's epoch settles any conflict)\n"
    "  --state-dir            where the switchover epoch is persisted\n"
    "  --control              control socket (mode 0600) for hitless show/redundancy commands\n"
    "  --config               startup configuration, 'path = value' per line\n"
    "  --fib-socket           fwdd's FIB channel; the active RP writes the kernel FIB through it\n"
    "  --heartbeat-ms         heartbeat interval (default 100)\n"
    "  --heartbeat-threshold  missed heartbeats before the peer counts as hung (default 5)\n"
    "  --crash-at POINT       test hook: SIGKILL itself at a named protocol point\n"
    "  --test-hooks           enable test-only control commands (test-diverge)\n";

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

  std::map<std::string, std::string> opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--describe" || a == "--version" || a == "--help" || a == "--active" ||
        a == "--standby" || a == "--test-hooks") {
      opt[a] = "";
    } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
      opt[a] = argv[++i];
    } else {
      std::cerr << kUsage;
      return fail("unexpected argument '" + a + "'");
    }
  }
  if (opt.count("--help")) {
    std::cout << kUsage;
    return 0;
  }
  if (opt.count("--describe")) {
    nlohmann::json j = {{"product", "hitless-rpd"},
                        {"release", release->toString()},
                        {"message_set", issu::toJson(catalog->messageSet())}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (opt.count("--version")) {
    std::cout << "rpd release " << release->toString() << "\n";
    return 0;
  }
  for (const char* required : {"--slot", "--state-dir", "--checkpoint-socket", "--control"}) {
    if (!opt.count(required)) {
      std::cerr << kUsage;
      return fail(std::string("missing ") + required);
    }
  }
  if (opt.count("--active") == opt.count("--standby"))
    return fail("give one of --active, --standby");
  static const std::vector<std::string> kKnown = {"--slot",
                                                  "--state-dir",
                                                  "--checkpoint-socket",
                                                  "--control",
                                                  "--config",
                                                  "--fib-socket",
                                                  "--heartbeat-ms",
                                                  "--heartbeat-threshold",
                                                  "--ack-timeout-ms",
                                                  "--digest-interval-ms",
                                                  "--bulk-batch",
                                                  "--handover-timeout-ms",
                                                  "--active",
                                                  "--standby",
                                                  "--software-version",
                                                  "--crash-at",
                                                  "--test-hooks"};
  for (const auto& [k, v] : opt) {
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end()) {
      return fail("unknown option " + k);
    }
  }
  auto number = [&](const char* key, long fallback) -> long {
    auto it = opt.find(key);
    if (it == opt.end()) return fallback;
    char* end = nullptr;
    long v = std::strtol(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0' || v < 0) {
      std::cerr << "rpd: " << key << " takes a non-negative number\n";
      std::exit(2);
    }
    return v;
  };

  RouteProcessorOptions o;
  long slot = number("--slot", 0);
  if (slot > 1) return fail("--slot must be 0 or 1");
  o.slot = static_cast<uint8_t>(slot);
  o.start_active = opt.count("--active") > 0;
  o.state_dir = opt["--state-dir"];
  o.checkpoint_socket = opt["--checkpoint-socket"];
  o.startup_config = opt.count("--config") ? opt["--config"] : "";
  o.fib_socket = opt.count("--fib-socket") ? opt["--fib-socket"] : "";
  o.heartbeat_interval_ms = number("--heartbeat-ms", 100);
  o.heartbeat_threshold = static_cast<int>(number("--heartbeat-threshold", 5));
  o.ack_timeout_ms = number("--ack-timeout-ms", 3000);
  o.digest_interval_ms = number("--digest-interval-ms", 10000);
  o.bulk_batch = static_cast<size_t>(number("--bulk-batch", 2048));
  o.handover_timeout_ms = number("--handover-timeout-ms", 5000);
  if (opt.count("--crash-at")) {
    const auto& points = crashPoints();
    if (std::none_of(points.begin(), points.end(),
                     [&](const CrashPointSpec& p) { return opt["--crash-at"] == p.name; })) {
      return fail("unknown --crash-at point '" + opt["--crash-at"] + "'");
    }
    o.crash_at = opt["--crash-at"];
  }
  if (o.heartbeat_interval_ms < 1 || o.heartbeat_threshold < 1 || o.bulk_batch < 1) {
    return fail("--heartbeat-ms, --heartbeat-threshold and --bulk-batch must be at least 1");
  }
  std::string software =
      opt.count("--software-version") ? opt["--software-version"] : release->toString() + ".0";

  setLogTag("rp" + std::to_string(o.slot));
  returnLargeBuffersToTheKernel();

  event::EventLoop loop;
  event::StopSignals stop(
      loop, [] { logEvent("RF", Severity::kNotice, "RP_STOP", "stopping on signal"); });
  RouteProcessor rp(loop, *catalog, software, o);
  control::ControlServer control(loop);
  registerRpdCommands(control, rp, loop, opt.count("--test-hooks") > 0);
  if (Status s = control.listen(opt["--control"]); !s.isOk()) return fail(s.message());
  if (Status s = rp.start(); !s.isOk()) return fail(s.message());
  loop.run();
  return 0;
}

}  // namespace hitless::rpd
