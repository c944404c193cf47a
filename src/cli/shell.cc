#include "cli/shell.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace hitless::cli {

std::vector<std::string> splitWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false, in_word = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      in_word = true;
    } else if (!quoted && std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

bool Shell::parse(const std::string& line, std::vector<std::string>& typed, std::string& partial,
                  std::string& error) const {
  typed = splitWords(line);
  const bool ends_in_blank = line.empty() || std::isspace(static_cast<unsigned char>(line.back()));
  if (!ends_in_blank && !typed.empty()) {
    partial = typed.back();
    typed.pop_back();
  }
  return table_.expandAbbreviations(typed, error);
}

int Shell::runLine(const std::string& line, Io& io) {
  std::string trimmed = line;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.pop_back();
  }
  if (!trimmed.empty() && trimmed.back() == '?') {
    io.out << help(trimmed.substr(0, trimmed.size() - 1));
    return kExitOk;
  }
  std::vector<std::string> words = splitWords(trimmed);
  if (words.empty() || words[0].rfind("!", 0) == 0) return kExitOk;  // blank line or comment
  if (words.size() == 1 && (words[0] == "exit" || words[0] == "quit" || words[0] == "end")) {
    done_ = true;
    return kExitOk;
  }
  std::string error;
  if (!table_.expandAbbreviations(words, error)) {
    io.err << error << "\n";
    return kExitUsage;
  }
  return table_.dispatch(words, io);
}

std::string Shell::help(const std::string& line) const {
  std::vector<std::string> typed;
  std::string partial, error;
  if (!parse(line, typed, partial, error)) return error + "\n";
  std::vector<Candidate> list = table_.candidates(typed, partial);
  if (typed.empty() && partial.empty()) list.push_back({"exit", "Leave the shell"});
  if (list.empty()) return "% Unrecognized command\n";
  size_t width = 0;
  for (const auto& c : list) width = std::max(width, c.word.size());
  std::string out;
  for (const auto& c : list) {
    out += "  " + c.word + std::string(width - c.word.size() + 2, ' ') + c.help;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  }
  return out;
}

Shell::Completion Shell::complete(const std::string& line) const {
  std::vector<std::string> typed;
  std::string partial, error;
  Completion result;
  if (!parse(line, typed, partial, error)) return result;
  for (const auto& c : table_.candidates(typed, partial)) {
    // Only words that can be typed: not "<cr>" or an argument placeholder.
    if (c.word == "<cr>" || std::isupper(static_cast<unsigned char>(c.word[0]))) continue;
    result.choices.push_back(c);
  }
  if (result.choices.empty()) return result;
  // The longest common prefix of every choice, past what is typed.
  std::string common = result.choices[0].word;
  for (const auto& c : result.choices) {
    size_t n = 0;
    while (n < common.size() && n < c.word.size() && common[n] == c.word[n]) ++n;
    common.resize(n);
  }
  result.insert = common.substr(std::min(partial.size(), common.size()));
  if (result.choices.size() == 1) {
    result.insert += " ";
    result.choices.clear();
  }
  return result;
}

}  // namespace hitless::cli
