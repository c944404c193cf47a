// CommandTable: the `hitless` command line. Commands are sequences of words ("image build",
// "show issu state"), each with its options; the table resolves the longest matching word
// sequence, parses options strictly and answers `--help` at any level. Unknown words and
// options are rejected with a one-line reason and the valid alternatives — never ignored.
//
// Exit codes of every command: 0 success, 1 the operation was refused or failed, 2 bad input.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace hitless::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

struct OptionSpec {
  std::string name;        // without dashes: "pubkey"
  std::string value_name;  // empty for a flag: "KEY"
  std::string help;
  bool repeatable = false;
};

class ParsedArgs {
 public:
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return options_.count(name) > 0; }
  // The value of an option given once, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  const std::vector<std::string>& all(const std::string& name) const;
  void add(const std::string& name, std::string value) {
    options_[name].push_back(std::move(value));
  }

 private:
  std::map<std::string, std::vector<std::string>> options_;
};

struct Io {
  std::ostream& out;
  std::ostream& err;
};

struct CommandSpec {
  std::vector<std::string> words;  // {"image", "build"}
  std::string positional_usage;    // "RUNNING_IMAGE TARGET_IMAGE"
  std::string summary;
  std::vector<OptionSpec> options;
  size_t min_positional = 0;
  size_t max_positional = 0;
  std::function<int(const ParsedArgs&, Io&)> run;
};

class CommandTable {
 public:
  explicit CommandTable(std::string program) : program_(std::move(program)) {}
  void add(CommandSpec spec) { commands_.push_back(std::move(spec)); }

  // Parses and runs argv (without the program name). Returns the exit code.
  int dispatch(const std::vector<std::string>& argv, Io& io) const;
  void printOverview(std::ostream& out) const;

 private:
  void printCommandHelp(const CommandSpec& c, std::ostream& out) const;
  std::string fullName(const CommandSpec& c) const;

  std::string program_;
  std::vector<CommandSpec> commands_;
};

}  // namespace hitless::cli
