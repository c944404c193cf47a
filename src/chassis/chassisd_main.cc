#include "chassis/chassisd_main.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/command_line.h"
#include "base/log.h"
#include "chassis/chassis_manager.h"
#include "chassis/install_service.h"
#include "control/control_server.h"
#include "event/stop_signals.h"
#include "service/service_notify.h"

namespace hitless::chassis {
namespace {

using nlohmann::json;

control::CommandHandler answerWith(std::function<void(const json&, ChassisManager::Answer)> op) {
  return [op](const json& req, control::Reply reply) {
    op(req, [reply](bool ok, std::string message) {
      reply(ok ? json{{"ok", true}, {"message", message}} : control::ControlServer::error(message));
    });
  };
}

// Replaces this process with the chassisd of `package` (IMAGE_DIR/package/chassisd), with the
// same arguments: the pid, and so the rpds and fwdd as its children, stay.
Status execInto(const std::string& binary, const std::string& package, const std::string& installed,
                std::vector<std::string> args) {
  for (const char* flag : {"--running-package", "--installed-binary"}) {
    for (size_t i = 0; i + 1 < args.size();) {
      if (args[i] == flag) {
        args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      } else {
        ++i;
      }
    }
  }
  if (!package.empty()) {
    args.push_back("--running-package");
    args.push_back(package);
    args.push_back("--installed-binary");
    args.push_back(installed);
  }
  std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Nothing of this process may outlive it but the children: every descriptor closes (libraries
  // such as the metrics server do not all open theirs close-on-exec).
  for (int fd = 3; fd < 1024; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  logEvent("INSTALL", Severity::kNotice, "CHASSISD_EXEC",
           "re-exec into " + package + " (" + binary + ")");
  ::execv(binary.c_str(), argv.data());
  return Status::internal("exec " + binary + ": " + std::strerror(errno));
}

}  // namespace

int chassisdMain(std::string_view release, int argc, char** argv) {
  const std::vector<std::string> original_args(argv + 1, argv + argc);
  ChassisOptions o;
  InstallOptions install;
  InstallOptions::Supervised fwdd, gnoid;
  std::string control_path, control_group, fault;
  CLI::App app(
      "The chassis manager: runs both RP slots from signed images and the ISSU procedure "
      "(hitless issu ...). Runs until SIGTERM/SIGINT; systemd Type=notify.",
      "chassisd");
  app.add_option("--state-dir", o.state_dir, "ISSU record (issu.json), RP state, sockets, logs")
      ->required();
  app.add_option("--images", o.image_dir, "image store: one verified image directory per name")
      ->required();
  app.add_option("--pubkey", o.pubkey_path, "public key that images must be signed with")
      ->required();
  app.add_option("--initial-image", o.initial_image,
                 "image both slots boot when there is no ISSU record yet");
  app.add_option("--control", control_path,
                 "control socket, mode 0600 (default STATE_DIR/chassis.ctl)");
  app.add_option("--rpd-arg", o.rpd_args,
                 "extra argument for every rpd (repeatable; values may begin with --), e.g. "
                 "--rpd-arg --heartbeat-ms --rpd-arg 50");
  app.add_option("--control-group", control_group,
                 "let this group use the control socket too (mode 0660)");
  app.add_option("--metrics", o.metrics_bind,
                 "serve Prometheus metrics on ADDR:PORT at /metrics (docs/metrics.md)");
  app.add_option("--fwdd-control", o.fwdd_control,
                 "fwdd's control socket, for the FIB route count in the metrics");
  app.add_option("--fwdd-package", fwdd.initial_package,
                 "run fwdd from this package of the image store on first start (later starts "
                 "run the committed fwdd package; hitless install changes it); needs "
                 "--fwdd-control");
  app.add_option("--fwdd-arg", fwdd.process.args,
                 "extra argument for fwdd (repeatable; values may begin with --), e.g. "
                 "--fwdd-arg --socket --fwdd-arg /run/hitless/fib.sock");
  app.add_option("--gnoid-package", gnoid.initial_package,
                 "run gnoid from this package of the image store on first start (later starts "
                 "run the committed gnoid package); its arguments come from --gnoid-arg and "
                 "must include --listen ADDR:PORT");
  app.add_option("--gnoid-arg", gnoid.process.args,
                 "argument for gnoid (repeatable; values may begin with --), e.g. --gnoid-arg "
                 "--listen --gnoid-arg 127.0.0.1:9339");
  app.add_option("--fault", fault,
                 "tests only: POINT:N:ACTION, fail at the Nth pass through POINT "
                 "(persist-before|persist-after|reload-stopped|reload-started|switchover-before|"
                 "switchover-after|install-persist-after|switch-stopped|switch-started|"
                 "switch-ready) by ACTION (chassisd|active|standby|both|corrupt|corrupt-both|"
                 "fwdd); "
                 "see src/chassis/fault_points.h");
  app.add_option("--running-package", install.running_package,
                 "the chassisd package this binary runs from (chassisd passes it when it re-execs "
                 "into a package: hitless install)");
  app.add_option("--installed-binary", install.installed_binary,
                 "the chassisd binary outside any package (passed with --running-package; "
                 "default: this binary)");
  addReleaseFlags(app, "chassisd", std::string(release), [] { return std::string("{}"); });
  if (auto exit = parseCommandLine(app, argc, argv, {"--rpd-arg", "--fwdd-arg", "--gnoid-arg"}))
    return *exit;
  setLogTag("chassisd");

  event::EventLoop loop;
  event::StopSignals stop(loop);
  o.version = HITLESS_VERSION;
  if (!fault.empty()) {
    auto spec = parseFaultSpec(fault);
    if (!spec.isOk()) {
      std::cerr << "chassisd: --fault: " << spec.status().message() << "\n";
      return 2;
    }
    o.fault = *spec;
  }
  ChassisManager manager(loop, o);
  control::ControlServer server(loop);
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
  if (control_path.empty()) control_path = o.state_dir + "/chassis.ctl";
  if (Status s = manager.start(); !s.isOk()) {
    std::cerr << "chassisd: " << s.message() << "\n";
    return 1;
  }
  install.state_dir = o.state_dir;
  install.image_dir = o.image_dir;
  if (!fwdd.initial_package.empty() && o.fwdd_control.empty()) {
    std::cerr << "chassisd: --fwdd-package needs --fwdd-control\n";
    return 2;
  }
  fwdd.process.component = issu::Component::kFwdd;
  fwdd.process.control_socket = o.fwdd_control;
  // gnoid is told the chassis socket with --chassis; that names it on its command line, and its
  // --listen address is where it is ready.
  gnoid.process.component = issu::Component::kGnoid;
  gnoid.process.identity = control_path.empty() ? o.state_dir + "/chassis.ctl" : control_path;
  for (size_t i = 0; i + 1 < gnoid.process.args.size(); ++i) {
    if (gnoid.process.args[i] == "--listen") gnoid.process.listen = gnoid.process.args[i + 1];
  }
  if (!gnoid.initial_package.empty() && gnoid.process.listen.empty()) {
    std::cerr << "chassisd: --gnoid-package needs --gnoid-arg --listen --gnoid-arg ADDR:PORT\n";
    return 2;
  }
  for (auto* c : {&fwdd, &gnoid}) {
    c->process.state_dir = o.state_dir;
    c->process.image_dir = o.image_dir;
    install.components.push_back(*c);
  }
  auto key = issu::loadPublicKey(o.pubkey_path);
  if (!key.isOk()) {
    std::cerr << "chassisd: " << key.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<InstallService> installer;
  if (o.fault) {
    install.fault_point = [&](std::string_view point) {
      manager.installFaultPoint(point, installer->recordPath(), [&] {
        if (installer->component("fwdd") != nullptr) installer->component("fwdd")->kill();
      });
    };
  }
  if (install.installed_binary.empty()) {
    std::error_code ec;
    install.installed_binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  }
  install.issu_status = [&] { return manager.issuStatus(); };
  install.change_version = [&](const std::string& image,
                               std::function<void(bool, std::string)> started) {
    manager.changeVersion(image, /*quick=*/false, std::move(started));
  };
  install.exec_self = [&](const std::string& binary, const std::string& package) {
    return execInto(binary, package, install.installed_binary, original_args);
  };
  installer = std::make_unique<InstallService>(loop, install, *key,
                                               [&] { return manager.runningImageDirs(); });
  if (Status s = installer->start(); !s.isOk()) {
    std::cerr << "chassisd: install: " << s.message() << "\n";
    return 1;
  }
  for (const char* cmd :
       {"show-install", "install-add", "install-activate", "install-deactivate", "install-commit",
        "install-abort", "install-remove", "install-rollback"}) {
    server.addCommand(cmd, [&installer](const json& request, control::Reply reply) {
      reply(installer->handle(request));
    });
  }
  if (Status s = server.listen(control_path); !s.isOk()) {
    std::cerr << "chassisd: " << s.message() << "\n";
    return 1;
  }
  if (!control_group.empty()) {
    const struct group* g = ::getgrnam(control_group.c_str());
    if (g == nullptr || ::chown(control_path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0 ||
        ::chmod(control_path.c_str(), 0660) != 0) {
      std::cerr << "chassisd: cannot give group '" << control_group << "' the control socket "
                << control_path << "\n";
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

}  // namespace hitless::chassis
