#include "cli/line_editor.h"

#include <histedit.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/hitless_cli.h"

namespace hitless::cli {
namespace {

constexpr const char* kPrompt = "hitless# ";

const char* prompt(EditLine*) { return kPrompt; }

Shell* shellOf(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  return static_cast<Shell*>(data);
}

// The text before the cursor.
std::string lineBeforeCursor(EditLine* el) {
  const LineInfo* li = el_line(el);
  return std::string(li->buffer, li->cursor);
}

unsigned char onQuestionMark(EditLine* el, int) {
  std::string text = shellOf(el)->help(lineBeforeCursor(el));
  std::fputs("?\n", stdout);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return CC_REDISPLAY;
}

unsigned char onTab(EditLine* el, int) {
  Shell::Completion c = shellOf(el)->complete(lineBeforeCursor(el));
  if (!c.insert.empty()) el_insertstr(el, c.insert.c_str());
  if (c.choices.empty()) return c.insert.empty() ? CC_REFRESH_BEEP : CC_REFRESH;
  std::fputs("\n", stdout);
  for (const auto& choice : c.choices) std::printf("  %s\n", choice.word.c_str());
  std::fflush(stdout);
  return CC_REDISPLAY;
}

std::string historyPath() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : "/root") + "/.hitless_history";
}

struct EditLineDeleter {
  void operator()(EditLine* el) const { el_end(el); }
};
struct HistoryDeleter {
  void operator()(History* h) const { history_end(h); }
};

}  // namespace

int runInteractiveShell(Shell& shell, Io& io) {
  std::unique_ptr<EditLine, EditLineDeleter> el(el_init("hitless", stdin, stdout, stderr));
  std::unique_ptr<History, HistoryDeleter> hist(history_init());
  if (!el || !hist) {
    io.err << "% cannot start the line editor\n";
    return kExitRefused;
  }
  HistEvent ev;
  history(hist.get(), &ev, H_SETSIZE, 1000);
  history(hist.get(), &ev, H_SETUNIQUE, 1);
  const std::string hist_path = historyPath();
  history(hist.get(), &ev, H_LOAD, hist_path.c_str());  // absent on first use: fine
  el_set(el.get(), EL_EDITOR, "emacs");
  el_set(el.get(), EL_PROMPT, &prompt);
  el_set(el.get(), EL_HIST, history, hist.get());
  el_set(el.get(), EL_CLIENTDATA, &shell);
  el_set(el.get(), EL_ADDFN, "ios-help", "list what may come next", &onQuestionMark);
  el_set(el.get(), EL_ADDFN, "ios-complete", "complete the word", &onTab);
  el_set(el.get(), EL_BIND, "?", "ios-help", nullptr);
  el_set(el.get(), EL_BIND, "^I", "ios-complete", nullptr);
  el_source(el.get(), nullptr);  // the user's ~/.editrc, if any
  io.out << "hitless " << kHitlessVersion
         << " — '?' lists what may come next, Tab completes, 'exit' leaves\n";
  io.out.flush();
  int last_failure = kExitOk;
  while (!shell.done()) {
    int count = 0;
    const char* raw = el_gets(el.get(), &count);
    if (raw == nullptr || count <= 0) {  // end of input (^D)
      io.out << "\n";
      break;
    }
    std::string line(raw);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    history(hist.get(), &ev, H_ENTER, line.c_str());
    int rc = shell.runLine(line, io);
    io.out.flush();
    io.err.flush();
    if (rc != kExitOk) last_failure = rc;
  }
  history(hist.get(), &ev, H_SAVE, hist_path.c_str());
  return last_failure;
}

int runScriptedShell(Shell& shell, std::istream& in, Io& io) {
  int last_failure = kExitOk;
  std::string line;
  while (!shell.done() && std::getline(in, line)) {
    io.out << kPrompt << line << "\n";
    int rc = shell.runLine(line, io);
    io.out.flush();
    io.err.flush();
    if (rc != kExitOk) last_failure = rc;
  }
  return last_failure;
}

}  // namespace hitless::cli
