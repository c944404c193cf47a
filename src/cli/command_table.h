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

// What may come next on a command line, for `?` help and tab completion.
struct Candidate {
  std::string word;  // a command word, "--option", "<cr>" (the command is complete), or an
                     // argument placeholder such as "IMAGE"
  std::string help;
};

class CommandTable {
 public:
  explicit CommandTable(std::string program) : program_(std::move(program)) {}
  void add(CommandSpec spec) { commands_.push_back(std::move(spec)); }
  // Help for a word that only leads to commands ("issu", "show bgp"), shown by `?`.
  void describe(std::vector<std::string> words, std::string help) {
    groups_[std::move(words)] = std::move(help);
  }

  // IOS abbreviations: each command word may be given as any prefix that names one word at its
  // place ("sh iss st" = "show issu state"); arguments and options are left as they are. An
  // ambiguous prefix is an error naming the words it could be.
  bool expandAbbreviations(std::vector<std::string>& argv, std::string& error) const;
  // The candidates for the word being typed (`partial`, possibly empty) after the complete
  // (unabbreviated) words `typed`, sorted.
  std::vector<Candidate> candidates(const std::vector<std::string>& typed,
                                    const std::string& partial) const;

  // Parses and runs argv (without the program name). Returns the exit code.
  int dispatch(const std::vector<std::string>& argv, Io& io) const;
  void printOverview(std::ostream& out) const;

 private:
  void printCommandHelp(const CommandSpec& c, std::ostream& out) const;
  // Command words that can stand at position typed.size() after `typed`, with the summary of
  // the command a word completes (or "" for an intermediate word).
  std::map<std::string, std::string> nextWords(const std::vector<std::string>& typed) const;
  // The command `words` names exactly, if any.
  const CommandSpec* exact(const std::vector<std::string>& words) const;
  std::string fullName(const CommandSpec& c) const;

  std::string program_;
  std::vector<CommandSpec> commands_;
  std::map<std::vector<std::string>, std::string> groups_;
};

}  // namespace hitless::cli
