#include "cli/command_table.h"

#include <algorithm>
#include <set>

namespace hitless::cli {

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  auto it = options_.find(name);
  return it == options_.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
  static const std::vector<std::string> kNone;
  auto it = options_.find(name);
  return it == options_.end() ? kNone : it->second;
}

std::string CommandTable::fullName(const CommandSpec& c) const {
  std::string s;
  for (const auto& w : c.words) s += (s.empty() ? "" : " ") + w;
  return s;
}

void CommandTable::printOverview(std::ostream& out) const {
  out << "usage: " << program_ << " COMMAND [ARGS] [--json] [--help]\n\ncommands:\n";
  size_t width = 0;
  for (const auto& c : commands_) width = std::max(width, fullName(c).size());
  for (const auto& c : commands_) {
    std::string name = fullName(c);
    out << "  " << name << std::string(width - name.size() + 2, ' ') << c.summary << "\n";
  }
  out << "\nRun '" << program_ << " COMMAND --help' for a command's options.\n";
}

void CommandTable::printCommandHelp(const CommandSpec& c, std::ostream& out) const {
  out << "usage: " << program_ << " " << fullName(c);
  if (!c.positional_usage.empty()) out << " " << c.positional_usage;
  if (!c.options.empty()) out << " [OPTIONS]";
  out << "\n\n" << c.summary << "\n";
  if (c.options.empty()) return;
  out << "\noptions:\n";
  for (const auto& o : c.options) {
    std::string lhs = "--" + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
    out << "  " << lhs << std::string(lhs.size() < 26 ? 26 - lhs.size() : 1, ' ') << o.help
        << (o.repeatable ? " (repeatable)" : "") << "\n";
  }
}

std::map<std::string, std::string> CommandTable::nextWords(
    const std::vector<std::string>& typed) const {
  std::map<std::string, std::string> next;
  const size_t d = typed.size();
  for (const auto& c : commands_) {
    if (c.words.size() <= d || !std::equal(typed.begin(), typed.end(), c.words.begin())) continue;
    auto& help = next[c.words[d]];
    if (c.words.size() == d + 1) {
      help = c.summary;
    } else if (help.empty()) {
      std::vector<std::string> group(c.words.begin(), c.words.begin() + d + 1);
      if (auto it = groups_.find(group); it != groups_.end()) help = it->second;
    }
  }
  return next;
}

const CommandSpec* CommandTable::exact(const std::vector<std::string>& words) const {
  for (const auto& c : commands_) {
    if (c.words == words) return &c;
  }
  return nullptr;
}

bool CommandTable::expandAbbreviations(std::vector<std::string>& argv, std::string& error) const {
  std::vector<std::string> prefix;
  for (auto& word : argv) {
    if (word.rfind("-", 0) == 0) break;  // options follow the command words
    auto next = nextWords(prefix);
    if (next.empty()) break;  // the command is complete: arguments follow
    if (next.count(word) == 0) {
      std::vector<std::string> matches;
      for (const auto& [w, help] : next) {
        if (w.rfind(word, 0) == 0) matches.push_back(w);
      }
      if (matches.size() > 1) {
        error = "% Ambiguous command: '" + word + "' could be";
        for (const auto& m : matches) error += " " + m;
        return false;
      }
      // No match: an argument of a complete command, or a wrong word dispatch() reports.
      if (matches.empty()) break;
      word = matches[0];
    }
    prefix.push_back(word);
  }
  return true;
}

std::vector<Candidate> CommandTable::candidates(const std::vector<std::string>& typed,
                                                const std::string& partial) const {
  std::vector<Candidate> out;
  for (const auto& [word, help] : nextWords(typed)) {
    if (word.rfind(partial, 0) == 0) out.push_back({word, help});
  }
  // Words typed so far beyond a complete command: its options and arguments.
  const CommandSpec* command = nullptr;
  for (size_t n = typed.size() + 1; n-- > 0 && command == nullptr;) {
    command = exact(std::vector<std::string>(typed.begin(), typed.begin() + n));
  }
  if (command == nullptr) return out;
  for (const auto& o : command->options) {
    std::string word = "--" + o.name;
    if (word.rfind(partial, 0) == 0) {
      out.push_back({word, o.help + (o.value_name.empty() ? "" : " (" + o.value_name + ")")});
    }
  }
  if (partial.empty()) {
    if (!command->positional_usage.empty()) out.push_back({command->positional_usage, ""});
    out.push_back({"<cr>", command->summary});
  }
  return out;
}

int CommandTable::dispatch(const std::vector<std::string>& argv, Io& io) const {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    printOverview(io.out);
    return argv.empty() ? kExitUsage : kExitOk;
  }
  // Longest word-sequence match.
  const CommandSpec* best = nullptr;
  for (const auto& c : commands_) {
    if (c.words.size() > argv.size()) continue;
    if (!std::equal(c.words.begin(), c.words.end(), argv.begin())) continue;
    if (best == nullptr || c.words.size() > best->words.size()) best = &c;
  }
  if (best == nullptr) {
    // Say which word was wrong and what could stand there.
    size_t depth = 0;
    std::set<std::string> candidates;
    for (size_t d = 0; d < argv.size(); ++d) {
      std::set<std::string> next;
      for (const auto& c : commands_) {
        if (c.words.size() > d && std::equal(c.words.begin(), c.words.begin() + d, argv.begin())) {
          next.insert(c.words[d]);
        }
      }
      if (next.count(argv[d]) == 0) {
        depth = d;
        candidates = std::move(next);
        break;
      }
    }
    bool wants_help = std::find(argv.begin(), argv.end(), "--help") != argv.end();
    if (wants_help && depth > 0) {
      io.out << "'" << program_;
      for (size_t d = 0; d < depth; ++d) io.out << " " << argv[d];
      io.out << "' takes one of:";
      for (const auto& w : candidates) io.out << " " << w;
      io.out << "\n";
      return kExitOk;
    }
    io.err << "% Invalid input detected at '" << argv[depth] << "'; expected one of:";
    for (const auto& w : candidates) io.err << " " << w;
    io.err << "\n";
    return kExitUsage;
  }

  ParsedArgs args;
  const std::string name = fullName(*best);
  for (size_t i = best->words.size(); i < argv.size(); ++i) {
    const std::string& tok = argv[i];
    if (tok == "--help" || tok == "-h") {
      printCommandHelp(*best, io.out);
      return kExitOk;
    }
    if (tok.size() > 2 && tok.compare(0, 2, "--") == 0) {
      std::string opt = tok.substr(2);
      std::string inline_value;
      bool has_inline = false;
      if (auto eq = opt.find('='); eq != std::string::npos) {
        inline_value = opt.substr(eq + 1);
        opt = opt.substr(0, eq);
        has_inline = true;
      }
      auto spec = std::find_if(best->options.begin(), best->options.end(),
                               [&](const OptionSpec& o) { return o.name == opt; });
      if (spec == best->options.end()) {
        io.err << "% Unknown option '--" << opt << "' for '" << name << "'. Try '" << program_
               << " " << name << " --help'.\n";
        return kExitUsage;
      }
      if (args.has(opt) && !spec->repeatable) {
        io.err << "% Option '--" << opt << "' given twice for '" << name << "'.\n";
        return kExitUsage;
      }
      if (spec->value_name.empty()) {
        if (has_inline) {
          io.err << "% Option '--" << opt << "' takes no value.\n";
          return kExitUsage;
        }
        args.add(opt, "");
      } else if (has_inline) {
        args.add(opt, inline_value);
      } else if (i + 1 < argv.size()) {
        args.add(opt, argv[++i]);
      } else {
        io.err << "% Option '--" << opt << "' needs a value (" << spec->value_name << ").\n";
        return kExitUsage;
      }
      continue;
    }
    args.positional.push_back(tok);
  }
  if (args.positional.size() < best->min_positional ||
      args.positional.size() > best->max_positional) {
    io.err << "% '" << name << "' takes ";
    if (best->max_positional == 0) {
      io.err << "no arguments, got '" << args.positional.front() << "'";
    } else {
      io.err << best->positional_usage << " (" << args.positional.size() << " given)";
    }
    io.err << ". Try '" << program_ << " " << name << " --help'.\n";
    return kExitUsage;
  }
  return best->run(args, io);
}

}  // namespace hitless::cli
