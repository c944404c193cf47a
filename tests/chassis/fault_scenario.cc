#include "chassis/fault_scenario.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "chassis/fault_points.h"
#include "control/control_server.h"
#include "fib/forwarding_rig.h"

namespace hitless::testing {
namespace {

using nlohmann::json;

constexpr const char* kOriginal = "1.0.0";
constexpr const char* kTarget = "1.1.0";
constexpr const char* kPathNames[] = {
    "upgrade",          "changeversion",    "changeversion-quick",
    "abort-after-load", "abort-after-run",  "install-activate",
    "install-abort",    "install-chassisd", "install-abort-ended"};
constexpr const char* kFwddFrom = "fwdd-1.0.0";
constexpr const char* kFwddTo = "fwdd-1.1.0";
constexpr const char* kChassisdTo = "chassisd-1.1.0";  // from the installed binary
// Routes fed through the active RP in the install runs: the testbed's target prefix and 200
// host routes, all via the testbed's dst.
constexpr size_t kInstallRoutes = 201;

bool upgrades(OperatorPath p) {
  return p == OperatorPath::kUpgrade || p == OperatorPath::kChangeVersion ||
         p == OperatorPath::kChangeVersionQuick;
}

std::string fileText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The operator: given the chassis state, the next command of its plan (empty: wait).
std::vector<std::string> nextCommand(OperatorPath path, const json& s) {
  const std::string state = s.value("issu_state", std::string());
  const std::string step = s["record"].value("step", std::string());
  const bool hot = s.value("standby_hot", false);
  if (!hot) return {};
  if (state == "Init") {
    if (path == OperatorPath::kChangeVersion)
      return {"issu", "changeversion", kTarget, "--no-wait"};
    if (path == OperatorPath::kChangeVersionQuick) {
      return {"issu", "changeversion", kTarget, "quick", "--no-wait"};
    }
    return {"issu", "loadversion", kTarget};
  }
  if (path == OperatorPath::kChangeVersion || path == OperatorPath::kChangeVersionQuick) return {};
  if (state == "Load Version" && step == "standby-hot") {
    return path == OperatorPath::kAbortAfterLoad
               ? std::vector<std::string>{"issu", "abortversion"}
               : std::vector<std::string>{"issu", "runversion", "--yes"};
  }
  if (state == "Run Version" && step == "running") {
    return path == OperatorPath::kAbortAfterRun ? std::vector<std::string>{"issu", "abortversion"}
                                                : std::vector<std::string>{"issu", "commitversion"};
  }
  return {};
}

bool abortsTheInstall(OperatorPath p) {
  return p == OperatorPath::kInstallAbort || p == OperatorPath::kInstallAbortEnded;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string installRoutes() {
  std::string text = "add 198.19.0.0/24 via 198.18.2.2\n";
  for (size_t i = 1; i < kInstallRoutes; ++i) {
    text += "add 100.64." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
            "/32 via 198.18.2.2\n";
  }
  return text;
}

}  // namespace

bool isInstallPath(OperatorPath p) {
  return p == OperatorPath::kInstallActivate || p == OperatorPath::kInstallAbort ||
         p == OperatorPath::kInstallChassisd || p == OperatorPath::kInstallAbortEnded;
}

std::string FaultScenario::name() const {
  return std::string(kPathNames[static_cast<int>(path)]) + "/" + (fault.empty() ? "none" : fault);
}

FaultScenario FaultScenario::fromSeed(uint64_t seed) {
  // mt19937_64 output is fixed by the standard; the reductions below are ours (distributions are
  // not portable), so a seed names the same run on every machine.
  std::mt19937_64 rng(seed);
  FaultScenario s;
  s.path = static_cast<OperatorPath>(rng() % std::size(kPathNames));
  const bool install = isInstallPath(s.path);
  const auto& points = install ? chassis::installFaultPointNames() : chassis::issuFaultPointNames();
  const auto& actions = chassis::faultActionNames();
  std::string_view point = points[rng() % points.size()];
  // chassisd switches by re-exec, past no switch-* point: its record writes are its steps.
  if (s.path == OperatorPath::kInstallChassisd) point = "install-persist-after";
  // ISSU: persists happen up to ~9 times in a procedure, reloads and switchovers up to 3.
  // Install: the record is written up to ~6 times, a switch happens up to twice.
  // (A chassisd that re-execs counts afresh: its predecessor wrote up to 3 times.)
  int max_occurrence = s.path == OperatorPath::kInstallChassisd ? 3
                       : point.rfind("persist", 0) == 0         ? 9
                       : point == "install-persist-after"       ? 6
                       : install                                ? 2
                                                                : 3;
  int occurrence = 1 + static_cast<int>(rng() % max_occurrence);
  // Killing fwdd is an install action only.
  std::string_view action = actions[rng() % (actions.size() - (install ? 0 : 1))];
  s.fault = std::string(point) + ":" + std::to_string(occurrence) + ":" + std::string(action);
  return s;
}

namespace {

// The fault killed the last RP holding the RIB: both rpds, or the active while the standby held
// no copy (chassisd logs that with the fault).
bool killedTheLastCopy(const FaultScenario& scenario, const FaultOutcome& out,
                       const ChassisRig& rig) {
  return out.fault_hit &&
         (scenario.fault.ends_with(":both") ||
          (scenario.fault.ends_with(":active") &&
           fileText(rig.file("chassisd.log")).find("(the standby holds no copy of the state)") !=
               std::string::npos));
}

const json* lastOperation(const json& record, const std::set<std::string>& kinds) {
  const json* found = nullptr;
  for (const auto& op : record["operations"]) {
    if (kinds.count(op["kind"].get<std::string>()) != 0) found = &op;
  }
  return found;
}

FaultOutcome runInstallScenario(const ImageStore& images, const FaultScenario& scenario,
                                int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  FaultOutcome out;
  auto fail = [&](std::string why) { out.violations.push_back(std::move(why)); };
  // The component the operator installs, and the package it means to end on without a fault.
  const bool self = scenario.path == OperatorPath::kInstallChassisd;
  const std::string component = self ? "chassisd" : "fwdd";
  const std::string to = self ? kChassisdTo : kFwddTo;
  // A set's package for the component ("" for chassisd: the installed binary).
  auto packageIn = [&](const json& set) { return set.value(component, std::string()); };
  ForwardingRig net;
  if (std::string err = net.up(); !err.empty()) {
    fail("setup: testbed: " + err);
    return out;
  }
  ChassisRig rig(images);  // after net: its processes die before the namespaces go
  rig.setLauncher(testbed::Testbed::inNetns(net.testbed().rtr(), {}));
  const std::string fib = rig.file("fib.sock");
  const std::vector<std::string> fwdd_args = {
      "--fwdd-package", kFwddFrom,      "--fwdd-control", rig.file("fwdd.ctl"),
      "--fwdd-arg",     "--socket",     "--fwdd-arg",     fib,
      "--fwdd-arg",     "--state-dir",  "--fwdd-arg",     rig.stateDir(),
      "--rpd-arg",      "--fib-socket", "--rpd-arg",      fib};
  auto start_chassisd = [&](bool with_fault) {
    std::vector<std::string> args = fwdd_args;
    if (with_fault && !scenario.fault.empty()) {
      args.push_back("--fault");
      args.push_back(scenario.fault);
    }
    rig.startChassisd(args);
  };
  auto install = [&] {
    auto r = control::controlRequest(rig.file("chassis.ctl"), {{"cmd", "show-install"}}, 2000);
    return r.isOk() ? *r : json::object();
  };
  auto fwdd = [&] {
    auto r = control::controlRequest(rig.file("fwdd.ctl"), {{"cmd", "show-fib"}}, 2000);
    return r.isOk() ? *r : json::object();
  };
  // The RPs themselves in SSO (chassisd's view can be a poll old): the active slot, else -1.
  auto sso = [&] {
    const json c = rig.issu();
    if (c.empty()) return -1;
    const int active = c.value("active_slot", 0);
    return rig.rfState(active) == 13 && rig.rfState(1 - active) == 8 ? active : -1;
  };
  // The routes go through whichever RP is active: the fault may already have moved activity.
  auto bring_up = [&] {
    int active = -1;
    waitFor(
        [&] {
          active = sso();
          return active >= 0 || !rig.chassisdRunning();
        },
        20000);
    return active >= 0 && rig.applyRoutes(installRoutes(), active) &&
           waitFor([&] { return fwdd().value("routes", size_t{0}) == kInstallRoutes; }, 10000);
  };
  start_chassisd(true);
  bool up = false;
  // The fault may strike while the chassis comes up (the first record writes): the operator
  // starts a dead chassisd again and feeds the routes again, as after any failure.
  for (int attempt = 0; attempt < 3 && !up; ++attempt) {
    if (!rig.chassisdRunning()) {
      out.transcript += "[chassisd died during setup; restarted]\n";
      start_chassisd(false);
    }
    up = bring_up();
  }
  if (!up) {
    fail("setup: the chassis did not come up with fwdd and the routes");
    out.transcript = rig.logs();
    return out;
  }
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  int added = 0, activated = 0, aborted = 0;
  bool settled = false;
  size_t rib_routes = 0;
  json s, f;
  while (Clock::now() < deadline) {
    if (!rig.chassisdRunning()) {
      out.transcript += "[chassisd died; restarted]\n";
      start_chassisd(false);
    }
    s = install();
    if (s.empty()) {
      waitFor([&] { return !install().empty(); }, 1000);
      continue;
    }
    const json& rec = s["record"];
    const bool idle = rec["running_id"] == 0;
    auto issue = [&](std::vector<std::string> cmd, int* count) {
      ++*count;
      auto r = rig.cli(cmd);
      out.transcript +=
          "> " + join(cmd) + " -> " + std::to_string(r.exit_code) + " " + r.out + r.err;
      return r.exit_code == 0;
    };
    // The operator: add, then activate (each re-issued at most three times, when chassisd died
    // before recording it), then for the abort path abort what runs or is uncommitted.
    if (idle && !rec["packages"].contains(to) && added < 3) {
      issue({"install", "add", to}, &added);
      continue;
    }
    const json* act = lastOperation(rec, {"activate"});
    if (idle && act == nullptr && activated < 3 && rec["packages"].contains(to)) {
      issue({"install", "activate", to, "--no-wait"}, &activated);
      if (scenario.path == OperatorPath::kInstallAbort) {
        issue({"install", "abort", "--no-wait"}, &aborted);
      }
      continue;
    }
    if (abortsTheInstall(scenario.path) && act != nullptr && idle && aborted < 3 &&
        rec["active"].value("fwdd", std::string()) != rec["committed"].value("fwdd", "")) {
      issue({"install", "abort", "--no-wait"}, &aborted);
      continue;
    }
    f = fwdd();
    const std::string active = rec["active"].value("fwdd", std::string());
    const std::string release = active == kFwddTo ? "1.1" : active == kFwddFrom ? "1.0" : "(none)";
    // chassisd's view may be a poll old (an rpd killed this instant): the RPs must say it too.
    const json chassis = rig.issu();
    const int active_slot = chassis.value("active_slot", 0);
    // chassisd runs what the record calls active (a re-exec, or a revert at its start, is over).
    const bool chassisd_settled =
        !self || s["components"]["chassisd"].value("package", std::string()) ==
                     rec["active"].value("chassisd", std::string());
    if (idle && act != nullptr && chassisd_settled &&
        f.value("release", std::string()) == release && f.value("writer_slot", -1) >= 0 &&
        !f.value("replaying", true) && chassis.value("standby_hot", false) &&
        rig.rfState(active_slot) == 13 && rig.rfState(1 - active_slot) == 8 &&
        f.value("routes", size_t{0}) == rig.rib(active_slot).value("count", size_t{0})) {
      rib_routes = rig.rib(active_slot).value("count", size_t{0});
      settled = true;
      break;
    }
    const std::string seen = s.dump();
    waitFor([&] { return install().dump() != seen; }, 200);
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.fault_hit = fileText(rig.file("chassisd.log")).find("FAULT_INJECTED") != std::string::npos;
  if (!settled) {
    fail("did not settle (operation ended, fwdd ready on the active package) within " +
         std::to_string(timeout_ms / 1000) + " s; install " + s.dump() + "; fwdd " + f.dump());
    out.transcript += rig.logs();
    return out;
  }
  const json& rec = s["record"];
  const std::string ended = packageIn(rec["active"]);
  out.ended_on = ended.empty() ? "the installed " + component : ended;
  // The engine's contract on the last switch.
  const json* last = lastOperation(rec, {"activate", "abort", "revert", "rollback", "deactivate"});
  if (last != nullptr) {
    const std::string state = (*last)["state"];
    const json& want = state == "succeeded" ? (*last)["target"] : (*last)["before"];
    if (state != "running" && packageIn(want) != ended) {
      fail("the last switch (" + (*last)["kind"].get<std::string>() + ", " + state + ") says " +
           component + " '" + packageIn(want) + "', but '" + ended + "' is active");
    }
  }
  if (!out.fault_hit) {
    const std::string expected = abortsTheInstall(scenario.path) ? kFwddFrom : to;
    if (ended != expected) fail("no fault, yet ended on '" + ended + "'");
  }
  if (rec["committed"]["fwdd"] != kFwddFrom) fail("the committed fwdd changed without a commit");
  if (rec["committed"].contains("chassisd"))
    fail("the committed chassisd changed without a commit");
  if (self) {
    // The process itself, not only what it says: its binary is the package's or the installed.
    std::error_code ec;
    const std::string exe =
        std::filesystem::read_symlink("/proc/" + std::to_string(rig.chassisdPid()) + "/exe", ec);
    const bool on_package = exe.find("/" + to + "/") != std::string::npos;
    if (on_package != (ended == to)) {
      fail("chassisd runs " + exe + " but the record says '" + ended + "'");
    }
  }
  // Killing both rpds (or the active while the standby held no copy) loses the RIB: no process
  // held it, and in service the protocols would refill it. Otherwise every route stays.
  const bool single_copy_killed = killedTheLastCopy(scenario, out, rig);
  if (!single_copy_killed && rib_routes != kInstallRoutes) {
    fail("the active RP holds " + std::to_string(rib_routes) + " routes, expected " +
         std::to_string(kInstallRoutes));
  }
  if (auto kernel = net.kernelRoutes(); kernel.size() != rib_routes) {
    fail("the kernel holds " + std::to_string(kernel.size()) + " routes, the active RP " +
         std::to_string(rib_routes));
  }
  if (f.value("stale", size_t{1}) != 0) fail("fwdd holds stale routes: " + f.dump());
  if (int n = rig.rpdCount(); n != 2) fail(std::to_string(n) + " rpd processes, expected 2");
  if (int n = rig.processCount("fwdd --control"); n != 1) {
    fail(std::to_string(n) + " fwdd processes, expected 1");
  }
  if (int n = rig.processCount("chassisd --state-dir"); n != 1) {
    fail(std::to_string(n) + " chassisd processes, expected 1");
  }
  auto shown = rig.cli({"show", "install", "active", "--json"});
  auto shown_json = json::parse(shown.out, nullptr, false);
  // (The installed chassisd binary is no package: then none of chassisd's may be listed.)
  bool shown_right = shown.exit_code == 0 && !shown_json.is_discarded();
  if (shown_right && ended.empty()) {
    for (const auto& [name, p] : shown_json["packages"].items()) {
      shown_right = shown_right && p.value("component", std::string()) != component;
    }
  } else if (shown_right) {
    shown_right = shown_json["packages"].contains(ended);
  }
  if (!shown_right) {
    fail("show install active does not tell the truth: " + shown.out + shown.err);
  }
  if (!out.violations.empty())
    out.transcript += rig.logs() + "\n--- fwdd.log:\n" + fileText(rig.file("fwdd.log"));
  return out;
}

}  // namespace

FaultOutcome runFaultScenario(const ImageStore& images, const FaultScenario& scenario,
                              int timeout_ms) {
  if (isInstallPath(scenario.path)) return runInstallScenario(images, scenario, timeout_ms);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  FaultOutcome out;
  auto fail = [&](std::string why) { out.violations.push_back(std::move(why)); };
  ChassisRig rig(images);
  // Setup passes through no fault point (points are in the procedure's transitions), so the
  // fault is armed from the start.
  rig.startChassisd(scenario.fault.empty() ? std::vector<std::string>{}
                                           : std::vector<std::string>{"--fault", scenario.fault});
  if (!waitFor([&] { return rig.issu().value("standby_hot", false); }, 20000) || !rig.addRoutes()) {
    fail("setup: the chassis did not come up in SSO");
    out.transcript = rig.logs();
    return out;
  }
  const json before = rig.rib(0)["routes"];
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  auto last_command = Clock::now() - std::chrono::seconds(10);
  int first_commands = 0;
  bool settled = false;
  json s;
  while (Clock::now() < deadline) {
    if (!rig.chassisdRunning()) {
      out.transcript += "[chassisd died; restarted]\n";
      rig.startChassisd();
    }
    s = rig.issu();
    if (s.empty()) {
      waitFor([&] { return !rig.issu().empty(); }, 1000);
      continue;
    }
    const json& rec = s["record"];
    const bool in_init = s["issu_state"] == "Init" && s.value("standby_hot", false);
    const bool one_image = s["slots"][0]["image"] == s["slots"][1]["image"] &&
                           rec["boot"][0] == s["slots"][0]["image"] &&
                           rec["boot"][1] == s["slots"][0]["image"];
    const bool moved = first_commands > 0 && (s["slots"][0]["image"] == kTarget ||
                                              !rec["abort_reason"].get<std::string>().empty());
    // chassisd's view may be a poll old (an rpd killed this instant): the RPs must say it too.
    const int active = s.value("active_slot", 0);
    if (in_init && one_image && moved && rig.rfState(active) == 13 &&
        rig.rfState(1 - active) == 8) {
      settled = true;
      break;
    }
    std::vector<std::string> cmd = nextCommand(scenario.path, s);
    const bool first = s["issu_state"] == "Init";
    // One command a second at most; the first one (lost if chassisd died before recording it)
    // is re-issued at most three times.
    if (!cmd.empty() && Clock::now() - last_command > std::chrono::seconds(1) &&
        !(first && (moved || first_commands >= 3))) {
      if (first) ++first_commands;
      last_command = Clock::now();
      auto r = rig.cli(cmd);
      out.transcript +=
          "> " + join(cmd) + " -> " + std::to_string(r.exit_code) + " " + r.out + r.err;
    }
    // Waits for the chassis to change (or 200 ms): the next decision needs a new state.
    const std::string seen = s.dump();
    waitFor([&] { return rig.issu().dump() != seen; }, 200);
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.fault_hit = fileText(rig.file("chassisd.log")).find("FAULT_INJECTED") != std::string::npos;
  if (!settled) {
    fail("did not settle in Init on one image within " + std::to_string(timeout_ms / 1000) +
         " s; last state " + s.dump());
    out.transcript += rig.logs();
    return out;
  }
  const json& rec = s["record"];
  out.ended_on = s["slots"][0]["image"];
  const bool aborted = !rec["abort_reason"].get<std::string>().empty();
  const bool state_lost = scenario.fault.find("corrupt-both") != std::string::npos && out.fault_hit;
  const std::string expected = upgrades(scenario.path) && !aborted ? kTarget : kOriginal;
  if (!state_lost && out.ended_on != expected) {
    fail("ended on " + out.ended_on + ", expected " + expected +
         (aborted ? " (aborted: " + rec["abort_reason"].get<std::string>() + ")" : ""));
  }
  const int active = s["active_slot"];
  const json active_routes = rig.rib(active)["routes"];
  const bool single_copy_killed = killedTheLastCopy(scenario, out, rig);
  if (single_copy_killed) {
    // No process held the RIB any more: what comes back is what protocols and config re-feed,
    // outside this rig. The pair must still agree.
    if (rig.rib(1 - active)["routes"] != active_routes) fail("the RPs disagree on the RIB");
  } else {
    if (active_routes != before) fail("the active RP lost routes");
    if (rig.rib(1 - active)["routes"] != before) fail("the standby RP lost routes");
  }
  auto shown = rig.cli({"show", "issu", "state", "--json"});
  auto shown_json = json::parse(shown.out, nullptr, false);
  if (shown.exit_code != 0 || shown_json.is_discarded() || shown_json["issu_state"] != "Init" ||
      shown_json["slots"][0]["image"] != out.ended_on ||
      shown_json["slots"][1]["image"] != out.ended_on) {
    fail("show issu state does not tell the truth: " + shown.out + shown.err);
  }
  if (int n = rig.rpdCount(); n != 2) fail(std::to_string(n) + " rpd processes, expected 2");
  if (!out.violations.empty()) out.transcript += rig.logs();
  return out;
}

}  // namespace hitless::testing
