// The command line every randomized campaign of `make faults` shares: --runs N --seed S (run i
// uses seed S+i, from which it derives alone, so --runs 1 --seed S replays one run), and
// SIGINT/SIGTERM ending the campaign after the current run, whose rig then removes what it made.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hitless::testing {

struct CampaignArgs {
  uint64_t seed = 1;
  long runs = 100;
};

// Parses the command line of campaign `name` and installs the stop handler. A value: the process
// should exit with it (--help, a bad option).
std::optional<int> parseCampaignArgs(int argc, char** argv, const std::string& name,
                                     const std::string& description, CampaignArgs* args);

// True once SIGINT or SIGTERM arrived.
bool campaignStopRequested();

}  // namespace hitless::testing
