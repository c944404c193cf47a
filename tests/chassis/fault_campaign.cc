// chassis_faults: the randomized fault campaign of `make faults`. Run i uses seed SEED+i, from
// which the scenario (operator path, fault point, occurrence, action) derives alone:
//   chassis_faults --runs N [--seed S]     a campaign; JSON summary on stdout
//   chassis_faults --seed S --runs 1       replays one run (a failing seed from a summary)
// Progress, one line per run, goes to stderr; a failing run's transcript too.
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "chassis/fault_scenario.h"
#include "util/campaign.h"

int main(int argc, char** argv) {
  using namespace hitless::testing;
  CampaignArgs args;
  if (auto exit = parseCampaignArgs(
          argc, argv, "chassis_faults",
          "The randomized ISSU fault campaign of `make faults`: run i uses seed SEED+i, from "
          "which the scenario (operator path, fault point, occurrence, action) derives alone; a "
          "JSON summary on stdout, a line per run on stderr. --runs 1 --seed S replays one run.",
          &args)) {
    return *exit;
  }
  const uint64_t seed = args.seed;
  const long runs = args.runs;
  ImageStore images;
  if (!images.error().empty()) {
    std::cerr << "chassis_faults: " << images.error() << "\n";
    return 1;
  }
  long passed = 0, hit = 0;
  double seconds = 0;
  std::map<std::string, long> by_action, by_path;
  nlohmann::json failing = nlohmann::json::array();
  long done = 0;
  for (long i = 0; i < runs && !campaignStopRequested(); ++i, ++done) {
    const uint64_t s = seed + static_cast<uint64_t>(i);
    FaultScenario scenario = FaultScenario::fromSeed(s);
    FaultOutcome out = runFaultScenario(images, scenario);
    seconds += out.seconds;
    hit += out.fault_hit;
    const bool ok = out.violations.empty();
    passed += ok;
    ++by_action[scenario.fault.substr(scenario.fault.rfind(':') + 1)];
    ++by_path[scenario.name().substr(0, scenario.name().find('/'))];
    std::cerr << "run " << i + 1 << "/" << runs << " seed " << s << " " << scenario.name() << ": "
              << (ok ? "ok" : "VIOLATION") << (out.fault_hit ? "" : " (fault point not reached)")
              << ", ended on " << out.ended_on << ", " << out.seconds << " s\n";
    if (!ok) {
      failing.push_back(
          {{"seed", s}, {"scenario", scenario.name()}, {"violations", out.violations}});
      std::cerr << out.transcript << "\n";
    }
  }
  nlohmann::json summary = {{"campaign", "chassis_faults"},
                            {"first_seed", seed},
                            {"runs", done},
                            {"runs_asked", runs},
                            {"passed", passed},
                            {"invariant_violations", done - passed},
                            {"fault_reached", hit},
                            {"runs_by_action", by_action},
                            {"runs_by_path", by_path},
                            {"mean_run_s", done > 0 ? seconds / static_cast<double>(done) : 0},
                            {"failing", failing}};
  std::cout << summary.dump(2) << "\n";
  return passed == runs ? 0 : 1;  // an interrupted campaign is not a pass
}
