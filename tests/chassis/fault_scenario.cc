#include "chassis/fault_scenario.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <random>

#include "chassis/fault_points.h"

namespace hitless::testing {
namespace {

using nlohmann::json;

constexpr const char* kOriginal = "1.0.0";
constexpr const char* kTarget = "1.1.0";
constexpr const char* kPathNames[] = {"upgrade", "changeversion", "changeversion-quick",
                                      "abort-after-load", "abort-after-run"};

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

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

std::string FaultScenario::name() const {
  return std::string(kPathNames[static_cast<int>(path)]) + "/" + (fault.empty() ? "none" : fault);
}

FaultScenario FaultScenario::fromSeed(uint64_t seed) {
  // mt19937_64 output is fixed by the standard; the reductions below are ours (distributions are
  // not portable), so a seed names the same run on every machine.
  std::mt19937_64 rng(seed);
  FaultScenario s;
  s.path = static_cast<OperatorPath>(rng() % std::size(kPathNames));
  const auto& points = chassis::faultPointNames();
  const auto& actions = chassis::faultActionNames();
  std::string_view point = points[rng() % points.size()];
  // Persists happen up to ~9 times in a procedure, reloads and switchovers up to 3.
  int max_occurrence = point.rfind("persist", 0) == 0 ? 9 : 3;
  int occurrence = 1 + static_cast<int>(rng() % max_occurrence);
  std::string_view action = actions[rng() % actions.size()];
  s.fault = std::string(point) + ":" + std::to_string(occurrence) + ":" + std::string(action);
  return s;
}

FaultOutcome runFaultScenario(const ImageStore& images, const FaultScenario& scenario,
                              int timeout_ms) {
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
  const std::string log = fileText(rig.file("chassisd.log"));
  const bool single_copy_killed =
      out.fault_hit &&
      (scenario.fault.ends_with(":both") ||
       (scenario.fault.ends_with(":active") &&
        log.find("(the standby holds no copy of the state)") != std::string::npos));
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
