// Shell: the interactive `hitless` session (IOS manner) over the command table — one line is one
// command, command words may be abbreviated to any unique prefix, a line ending in `?` lists
// what may come next instead of running, `exit`/`quit`/`end` leave. This is the part that does
// not need a terminal; line_editor.h puts it on one (libedit: history, `?` as you type, tab).
#pragma once

#include <string>
#include <vector>

#include "cli/command_table.h"

namespace hitless::cli {

// Splits a line into words at blanks; "double quotes" keep blanks inside a word.
std::vector<std::string> splitWords(const std::string& line);

class Shell {
 public:
  explicit Shell(const CommandTable& table) : table_(table) {}

  // Runs one line; returns its exit code. Sets done() on exit/quit/end.
  int runLine(const std::string& line, Io& io);
  bool done() const { return done_; }

  // `?` help for the line typed so far: one row per candidate for the word being typed.
  std::string help(const std::string& line) const;
  // Tab completion of the last word of `line`: the text to insert at the end (possibly empty),
  // and the candidates when more than one remains.
  struct Completion {
    std::string insert;
    std::vector<Candidate> choices;
  };
  Completion complete(const std::string& line) const;

 private:
  // The line's complete words (abbreviations expanded) and the partial word being typed.
  bool parse(const std::string& line, std::vector<std::string>& typed, std::string& partial,
             std::string& error) const;

  const CommandTable& table_;
  bool done_ = false;
};

}  // namespace hitless::cli
