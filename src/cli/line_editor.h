// The shell on a terminal (libedit): a `hitless# ` prompt, history kept in ~/.hitless_history,
// `?` lists what may come next as soon as it is typed (the IOS way: the line stays as it was),
// tab completes a word or lists the choices. Off a terminal, lines are read from the input and
// each is echoed after the prompt, so a piped session reads like a console transcript.
#pragma once

#include <istream>

#include "cli/shell.h"

namespace hitless::cli {

// Returns 0 when every command succeeded, else the exit code of the last one that failed.
int runInteractiveShell(Shell& shell, Io& io);
int runScriptedShell(Shell& shell, std::istream& in, Io& io);

}  // namespace hitless::cli
