// The `hitless` operator CLI as a library: runHitless() is main() minus process concerns, so
// tests can drive every command in-process and compare its output and exit code.
#pragma once

#include <string>
#include <vector>

#include "cli/command_table.h"

namespace hitless::cli {

inline constexpr char kHitlessVersion[] = "0.1.0";

// Every `hitless` command.
CommandTable hitlessCommands();

// One command (IOS abbreviations accepted), or with no arguments the shell: interactive on a
// terminal, else the commands read line by line from standard input.
int runHitless(const std::vector<std::string>& argv, Io& io);

}  // namespace hitless::cli
