// The options layer every program uses: numbers are decimal and in range ("10x", "0x10", "-1"
// name the option), values that begin with "--" pass through the options that allow it, --help
// exits 0 and anything wrong exits 2.
#include "base/command_line.h"

#include <gtest/gtest.h>

namespace hitless {
namespace {

struct Outcome {
  std::optional<int> exit;
  std::string err;
};

Outcome parse(CLI::App& app, std::vector<std::string> args,
              const std::vector<std::string>& value_options = {}) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  Outcome r{parseCommandLine(app, static_cast<int>(argv.size()), argv.data(), value_options), ""};
  ::testing::internal::GetCapturedStdout();
  r.err = ::testing::internal::GetCapturedStderr();
  return r;
}

TEST(CommandLine, NumbersAreDecimalAndInRange) {
  for (const char* bad : {"10x", "0x10", "-1", "", "1e3", " 5", "70000"}) {
    CLI::App app("t", "prog");
    int ms = 100;
    addNumber(app, "--heartbeat-ms", ms, 1, 60000, "interval");
    Outcome r = parse(app, {"--heartbeat-ms", bad});
    EXPECT_EQ(r.exit, 2) << bad;
    EXPECT_NE(r.err.find("prog: --heartbeat-ms"), std::string::npos) << r.err;
    EXPECT_EQ(ms, 100) << "a refused value changes nothing";
  }
  CLI::App app("t", "prog");
  int ms = 100;
  int64_t offset = 0;
  addNumber(app, "--heartbeat-ms", ms, 1, 60000, "interval");
  addNumber<int64_t>(app, "--offset", offset, -10, 10, "signed");
  EXPECT_EQ(parse(app, {"--heartbeat-ms", "010", "--offset", "-7"}).exit, std::nullopt);
  EXPECT_EQ(ms, 10) << "leading zeros are decimal, not octal";
  EXPECT_EQ(offset, -7);
}

TEST(CommandLine, ValuesThatLookLikeOptionsPassThroughWhereAllowed) {
  CLI::App app("t", "prog");
  std::vector<std::string> rpd_args;
  int n = 0;
  app.add_option("--rpd-arg", rpd_args, "passed on");
  addNumber(app, "--n", n, 0, 9, "n");
  Outcome r = parse(app, {"--rpd-arg", "--heartbeat-threshold", "--rpd-arg", "20", "--n", "3"},
                    {"--rpd-arg"});
  EXPECT_EQ(r.exit, std::nullopt) << r.err;
  EXPECT_EQ(rpd_args, (std::vector<std::string>{"--heartbeat-threshold", "20"}));
  EXPECT_EQ(n, 3);
}

TEST(CommandLine, HelpExitsZeroAndUnknownWordsExitTwo) {
  CLI::App app("t", "prog");
  EXPECT_EQ(parse(app, {"--help"}).exit, 0);
  Outcome r = parse(app, {"--bogus"});
  EXPECT_EQ(r.exit, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos);
  EXPECT_NE(r.err.find("run 'prog --help'"), std::string::npos);
}

}  // namespace
}  // namespace hitless
