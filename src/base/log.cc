#include "base/log.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace hitless {
namespace {

std::string& tag() {
  static std::string t = "hitless";
  return t;
}

// HITLESS_LOG_FORMAT=json: one JSON object per line, for log pipelines (journald, Loki, ...).
bool jsonFormat() {
  const char* f = std::getenv("HITLESS_LOG_FORMAT");
  return f != nullptr && std::string_view(f) == "json";
}

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
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
  const std::string time =
      std::string(ts) + "." + std::to_string(tv.tv_usec / 1000 + 1000).substr(1) + "Z";
  std::string line;
  if (jsonFormat()) {
    line = "{\"time\":" + jsonString(time) + ",\"process\":" + jsonString(tag()) +
           ",\"facility\":" + jsonString(facility) +
           ",\"severity\":" + std::to_string(static_cast<int>(severity)) +
           ",\"event\":" + jsonString(mnemonic) + ",\"text\":" + jsonString(text) + "}\n";
  } else {
    line = time + " " + tag() + " %" + std::string(facility) + "-" +
           std::to_string(static_cast<int>(severity)) + "-" + std::string(mnemonic) + ": " +
           std::string(text) + "\n";
  }
  ssize_t unused = ::write(2, line.data(), line.size());
  (void)unused;
}

}  // namespace hitless
