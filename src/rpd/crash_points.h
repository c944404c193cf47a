// Crash points (rpd --crash-at POINT): the test hook that SIGKILLs this process at a named place
// in the protocol, so fault tests kill a real process at an exact point, deterministically.
#pragma once

#include <string>
#include <vector>

namespace hitless::rpd {

// The named points rpd accepts, with what each means (for --help and validation).
struct CrashPointSpec {
  const char* name;
  const char* where;
};
const std::vector<CrashPointSpec>& crashPoints();

class CrashPoint {
 public:
  CrashPoint() = default;  // disarmed
  explicit CrashPoint(std::string armed) : armed_(std::move(armed)) {}
  // Kills the process if `point` is the armed one.
  void at(const char* point) const;
  bool armedAt(const char* point) const { return armed_ == point; }

 private:
  std::string armed_;
};

}  // namespace hitless::rpd
