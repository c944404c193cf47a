#include "util/campaign.h"

#include <signal.h>

#include <atomic>
#include <climits>

#include "base/command_line.h"

namespace hitless::testing {
namespace {

std::atomic<bool> stop_requested{false};
void requestStop(int) { stop_requested = true; }

}  // namespace

std::optional<int> parseCampaignArgs(int argc, char** argv, const std::string& name,
                                     const std::string& description, CampaignArgs* args) {
  CLI::App app(description, name);
  addNumber(app, "--runs", args->runs, 0L, 1'000'000L, "how many runs");
  addNumber<uint64_t>(app, "--seed", args->seed, 0, INT64_MAX, "the first run's seed");
  if (auto exit = parseCommandLine(app, argc, argv)) return exit;
  struct sigaction sa {};
  sa.sa_handler = requestStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return std::nullopt;
}

bool campaignStopRequested() { return stop_requested; }

}  // namespace hitless::testing
