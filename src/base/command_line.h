// The command lines of hitless's programs, declared with CLI11: --help is generated from the
// declarations, numbers are parsed strictly (decimal digits within a range: "10x", "0x10" and
// "-1" are errors naming the option), choices and exclusive flags are checked. An error prints
// "PROG: what was wrong" and a pointer to --help on stderr, and the program exits 2 (bad input);
// --help prints to stdout and exits 0.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hitless {

// A decimal integer in [min, max]: digits only (a leading '-' only when min < 0).
CLI::Validator decimalIn(long long min, long long max);

// An integer option parsed strictly, within [min, max]; --help shows the range and the default.
template <typename T>
CLI::Option* addNumber(CLI::App& app, const std::string& name, T& value, T min, T max,
                       const std::string& description) {
  return app
      .add_option(name, value,
                  description + " (" + std::to_string(min) + ".." + std::to_string(max) + ")")
      ->transform(decimalIn(static_cast<long long>(min), static_cast<long long>(max)))
      ->type_name("N")
      ->capture_default_str();
}

// A flag that prints `text()` on stdout and ends the program successfully (--version,
// --describe): parseCommandLine() then returns 0, before any required option is asked for.
CLI::Option* addPrintFlag(CLI::App& app, const std::string& name, const std::string& description,
                          std::function<std::string()> text);

// --describe and --version of a component binary built as one release (fwdd, chassisd, gnoid).
// --describe prints {"product": "hitless-COMPONENT", "component", "release", "channels"}, the
// channels being `channels_json()` (a JSON object: each channel's message set) — what
// `hitless image build --component` reads into the package's manifest.
void addReleaseFlags(CLI::App& app, const std::string& component, const std::string& release,
                     std::function<std::string()> channels_json);

// Parses the command line. Returns nothing when the program should go on, or the status it
// should exit with now (0 after --help, 2 after an error, both already printed).
//
// `value_options`: options whose values may themselves begin with "--" (chassisd --rpd-arg
// --heartbeat-ms): "NAME VALUE" is taken as one, whatever VALUE looks like.
std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv,
                                    const std::vector<std::string>& value_options = {});

}  // namespace hitless
