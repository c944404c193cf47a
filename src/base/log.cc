#include "base/log.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

namespace hitless {
namespace {

std::string& tag() {
  static std::string t = "hitless";
  return t;
}

}  // namespace

void setLogTag(std::string t) { tag() = std::move(t); }

void logEvent(std::string_view facility, Severity severity, std::string_view mnemonic,
              std::string_view text) {
  struct timeval tv {};
  gettimeofday(&tv, nullptr);
  struct tm tm {};
  gmtime_r(&tv.tv_sec, &tm);
  char ts[40];
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = std::string(ts) + "." + std::to_string(tv.tv_usec / 1000 + 1000).substr(1) +
                     "Z " + tag() + " %" + std::string(facility) + "-" +
                     std::to_string(static_cast<int>(severity)) + "-" + std::string(mnemonic) +
                     ": " + std::string(text) + "\n";
  ssize_t unused = ::write(2, line.data(), line.size());
  (void)unused;
}

}  // namespace hitless
