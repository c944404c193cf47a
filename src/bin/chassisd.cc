// chassisd: the chassis manager. Runs both RP slots from signed images and the ISSU procedure.
//   chassisd --state-dir DIR --images DIR --pubkey KEY [--initial-image NAME] [--control PATH]
//            [--rpd-arg ARG]...
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/log.h"
#include "chassis/chassis_manager.h"
#include "control/control_server.h"
#include "event/stop_signals.h"
#include "service/service_notify.h"

namespace {

using namespace hitless;
using nlohmann::json;

constexpr char kUsage[] =
    "usage: chassisd --state-dir DIR --images DIR --pubkey KEY [--initial-image NAME]\n"
    "                [--control PATH] [--rpd-arg ARG]... [--metrics ADDR:PORT]\n"
    "                [--fwdd-control PATH] [--control-group GROUP] [--fault POINT:N:ACTION]\n"
    "  --state-dir      ISSU record (issu.json), RP state, sockets and logs\n"
    "  --images         image store: one verified image directory per name\n"
    "  --pubkey         public key that images must be signed with\n"
    "  --initial-image  image both slots boot when there is no ISSU record yet\n"
    "  --control        control socket, mode 0600 (default STATE_DIR/chassis.ctl)\n"
    "  --rpd-arg        extra argument for every rpd (repeatable), e.g. --heartbeat-ms\n"
    "  --control-group  let this group use the control socket too (mode 0660)\n"
    "  --metrics        serve Prometheus metrics on ADDR:PORT at /metrics (docs/metrics.md)\n"
    "  --fwdd-control   fwdd's control socket, for the FIB route count in the metrics\n"
    "  --fault          tests only: POINT:N:ACTION, fail at the Nth pass through POINT\n"
    "                   (persist-before|persist-after|reload-stopped|reload-started|\n"
    "                   switchover-before|switchover-after) by ACTION (chassisd|active|\n"
    "                   standby|both|corrupt|corrupt-both); see src/chassis/fault_points.h\n";

control::CommandHandler answerWith(
    std::function<void(const json&, chassis::ChassisManager::Answer)> op) {
  return [op](const json& req, control::Reply reply) {
    op(req, [reply](bool ok, std::string message) {
      reply(ok ? json{{"ok", true}, {"message", message}} : control::ControlServer::error(message));
    });
  };
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt;
  std::vector<std::string> rpd_args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 >= argc || a.rfind("--", 0) != 0) {
      std::cerr << kUsage << "chassisd: unexpected argument '" << a << "'\n";
      return 2;
    }
    if (a == "--rpd-arg") {
      rpd_args.push_back(argv[++i]);
    } else if (a == "--state-dir" || a == "--images" || a == "--pubkey" || a == "--initial-image" ||
               a == "--control" || a == "--fault" || a == "--metrics" || a == "--control-group" ||
               a == "--fwdd-control") {
      opt[a] = argv[++i];
    } else {
      std::cerr << kUsage << "chassisd: unknown option " << a << "\n";
      return 2;
    }
  }
  for (const char* required : {"--state-dir", "--images", "--pubkey"}) {
    if (!opt.count(required)) {
      std::cerr << kUsage << "chassisd: missing " << required << "\n";
      return 2;
    }
  }
  setLogTag("chassisd");

  event::EventLoop loop;
  event::StopSignals stop(loop);
  chassis::ChassisOptions o;
  o.state_dir = opt["--state-dir"];
  o.image_dir = opt["--images"];
  o.pubkey_path = opt["--pubkey"];
  o.initial_image = opt.count("--initial-image") ? opt["--initial-image"] : "";
  o.rpd_args = rpd_args;
  o.metrics_bind = opt.count("--metrics") ? opt["--metrics"] : "";
  o.fwdd_control = opt.count("--fwdd-control") ? opt["--fwdd-control"] : "";
  o.version = HITLESS_VERSION;
  if (opt.count("--fault")) {
    auto spec = chassis::parseFaultSpec(opt["--fault"]);
    if (!spec.isOk()) {
      std::cerr << "chassisd: " << spec.status().message() << "\n";
      return 2;
    }
    o.fault = *spec;
  }
  chassis::ChassisManager manager(loop, o);
  control::ControlServer server(loop);
  using chassis::ChassisManager;
  server.addCommand("issu-loadversion", answerWith([&](const json& r, ChassisManager::Answer a) {
                      manager.loadVersion(r.at("image").get<std::string>(), a);
                    }));
  server.addCommand("issu-changeversion", answerWith([&](const json& r, ChassisManager::Answer a) {
                      manager.changeVersion(r.at("image").get<std::string>(),
                                            r.value("quick", false), a);
                    }));
  server.addCommand("issu-runversion", answerWith([&](const json&, ChassisManager::Answer a) {
                      manager.runVersion(a);
                    }));
  server.addCommand(
      "issu-runversion-commit",
      answerWith([&](const json&, ChassisManager::Answer a) { manager.runVersionAndCommit(a); }));
  server.addCommand("chassis-reload", answerWith([&](const json&, ChassisManager::Answer a) {
                      manager.reloadAll(a);
                    }));
  server.addCommand("issu-acceptversion", answerWith([&](const json&, ChassisManager::Answer a) {
                      manager.acceptVersion(a);
                    }));
  server.addCommand("issu-commitversion", answerWith([&](const json&, ChassisManager::Answer a) {
                      manager.commitVersion(a);
                    }));
  server.addCommand("issu-abortversion", answerWith([&](const json&, ChassisManager::Answer a) {
                      manager.abortVersion(a);
                    }));
  server.addCommand("issu-set-rollback-timer",
                    answerWith([&](const json& r, ChassisManager::Answer a) {
                      manager.setRollbackTimer(r.at("seconds").get<int64_t>(), a);
                    }));
  server.addCommand("show-issu-state",
                    [&](const json&, control::Reply reply) { reply(manager.issuStatus()); });
  std::string control_path =
      opt.count("--control") ? opt["--control"] : o.state_dir + "/chassis.ctl";
  if (Status s = manager.start(); !s.isOk()) {
    std::cerr << "chassisd: " << s.message() << "\n";
    return 1;
  }
  if (Status s = server.listen(control_path); !s.isOk()) {
    std::cerr << "chassisd: " << s.message() << "\n";
    return 1;
  }
  if (opt.count("--control-group")) {
    const struct group* g = ::getgrnam(opt["--control-group"].c_str());
    if (g == nullptr || ::chown(control_path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0 ||
        ::chmod(control_path.c_str(), 0660) != 0) {
      std::cerr << "chassisd: cannot give group '" << opt["--control-group"]
                << "' the control socket " << control_path << "\n";
      return 1;
    }
  }
  // systemd (Type=notify): ready once the control socket serves; the status line follows the
  // ISSU state; watchdog pings come from the event loop, so a wedged loop is noticed.
  service::ServiceNotifier notifier;
  auto status_line = [&] {
    json s = manager.issuStatus();
    return "ISSU " + s["issu_state"].get<std::string>() + ", active slot " +
           std::to_string(s["active_slot"].get<int>()) + " on " +
           s["slots"][s["active_slot"].get<int>()]["image"].get<std::string>() +
           (s["standby_hot"].get<bool>() ? ", standby hot" : ", standby not hot");
  };
  notifier.ready(status_line());
  int64_t tick_ms = 1000;
  if (notifier.watchdogIntervalMs() > 0) {
    tick_ms = std::min<int64_t>(tick_ms, notifier.watchdogIntervalMs() / 4);
  }
  loop.addTimer(
      std::max<int64_t>(tick_ms, 10),
      [&] {
        notifier.status(status_line());
        notifier.watchdog(loop.clock().nowMs());
      },
      true);
  loop.run();
  notifier.stopping();
  return 0;
}
