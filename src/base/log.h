// Operator-facing event log, in the IOS style: "%FACILITY-SEVERITY-MNEMONIC: text".
// Lines go to stderr with a UTC timestamp and the process tag (e.g. "rp0"), one write per line
// so concurrent processes sharing a log file do not interleave within a line.
// With HITLESS_LOG_FORMAT=json each line is instead one JSON object with the same fields:
// {"time", "process", "facility", "severity", "event", "text"}.
#pragma once

#include <string>
#include <string_view>

namespace hitless {

enum class Severity {
  kAlert = 1,
  kCritical = 2,
  kError = 3,
  kWarning = 4,
  kNotice = 5,
  kInfo = 6,
  kDebug = 7
};

void setLogTag(std::string tag);
void logEvent(std::string_view facility, Severity severity, std::string_view mnemonic,
              std::string_view text);

}  // namespace hitless
