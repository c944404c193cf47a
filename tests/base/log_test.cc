#include "base/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "util/temp_dir.h"

namespace hitless {
namespace {

// Runs logEvent with stderr captured in a file; returns what it wrote.
std::string captured(const std::string& path, const char* format) {
  if (format != nullptr) {
    ::setenv("HITLESS_LOG_FORMAT", format, 1);
  } else {
    ::unsetenv("HITLESS_LOG_FORMAT");
  }
  int saved = ::dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  setLogTag("rp0");
  logEvent("RF", Severity::kNotice, "RF_TERMINAL_STATE", "Terminal state \"reached\"\nfor SSO");
  ::dup2(saved, 2);
  ::close(saved);
  ::close(fd);
  ::unsetenv("HITLESS_LOG_FORMAT");
  auto text = readFile(path);
  return text.isOk() ? *text : std::string();
}

TEST(Log, IosLinesByDefaultAndOneJsonObjectPerLineOnRequest) {
  testing::TempDir dir;
  std::string ios = captured(dir.file("ios"), nullptr);
  EXPECT_NE(ios.find("Z rp0 %RF-5-RF_TERMINAL_STATE: Terminal state \"reached\""),
            std::string::npos)
      << ios;
  std::string line = captured(dir.file("json"), "json");
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per event";
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["process"], "rp0");
  EXPECT_EQ(j["facility"], "RF");
  EXPECT_EQ(j["severity"], 5);
  EXPECT_EQ(j["event"], "RF_TERMINAL_STATE");
  EXPECT_EQ(j["text"], "Terminal state \"reached\"\nfor SSO");
  EXPECT_EQ(j["time"].get<std::string>().back(), 'Z');
}

}  // namespace
}  // namespace hitless
