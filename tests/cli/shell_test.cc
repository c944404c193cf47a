#include "cli/shell.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/subprocess.h"
#include "cli/line_editor.h"

namespace hitless::cli {
namespace {

class ShellTest : public ::testing::Test {
 protected:
  ShellTest() : table_("tool"), shell_(table_) {
    auto record = [this](std::string name) {
      return [this, name](const ParsedArgs& a, Io&) {
        last_ = name + (a.has("json") ? "+json" : "");
        for (const auto& p : a.positional) last_ += " " + p;
        return name == "fail" ? kExitRefused : kExitOk;
      };
    };
    table_.add({{"show", "issu", "state"},
                "[detail]",
                "ISSU state",
                {{"json", "", "JSON"}},
                0,
                1,
                record("state")});
    table_.add({{"show", "issu", "sessions"}, "", "sessions", {}, 0, 0, record("sessions")});
    table_.add({{"show", "redundancy"}, "", "redundancy", {}, 0, 0, record("redundancy")});
    table_.add({{"set", "timer"}, "SECONDS", "set the timer", {}, 1, 1, record("timer")});
    table_.add({{"fail"}, "", "always fails", {}, 0, 0, record("fail")});
    table_.describe({"show"}, "Show things");
  }

  int run(const std::string& line) {
    out_.str("");
    err_.str("");
    return shell_.runLine(line, io_);
  }

  CommandTable table_;
  Shell shell_;
  std::string last_;
  std::ostringstream out_, err_;
  Io io_{out_, err_};
};

TEST_F(ShellTest, CommandWordsMayBeAbbreviatedToAUniquePrefix) {
  EXPECT_EQ(run("sh iss st --json"), kExitOk);
  EXPECT_EQ(last_, "state+json");
  EXPECT_EQ(run("sh i se"), kExitOk);
  EXPECT_EQ(last_, "sessions");
  // Arguments are not expanded: "de" stays "de".
  EXPECT_EQ(run("show issu state de"), kExitOk);
  EXPECT_EQ(last_, "state de");
}

TEST_F(ShellTest, AnAmbiguousPrefixIsRefusedWithWhatItCouldBe) {
  EXPECT_EQ(run("s timer 5"), kExitUsage);
  EXPECT_EQ(err_.str(), "% Ambiguous command: 's' could be set show\n");
  EXPECT_EQ(run("show issu s"), kExitUsage);
  EXPECT_EQ(err_.str(), "% Ambiguous command: 's' could be sessions state\n");
  EXPECT_EQ(last_, "");
}

TEST_F(ShellTest, QuestionMarkListsWhatMayComeNextAndRunsNothing) {
  EXPECT_EQ(run("?"), kExitOk);
  EXPECT_EQ(out_.str(),
            "  fail  always fails\n"
            "  set\n"
            "  show  Show things\n"
            "  exit  Leave the shell\n");
  run("sh iss state ?");
  EXPECT_EQ(out_.str(),
            "  --json    JSON\n"
            "  [detail]\n"
            "  <cr>      ISSU state\n");
  run("show issu s?");  // the words that complete "s"
  EXPECT_EQ(out_.str(), "  sessions  sessions\n  state     ISSU state\n");
  run("show bogus ?");
  EXPECT_EQ(out_.str(), "% Unrecognized command\n");
  EXPECT_EQ(last_, "");
}

TEST_F(ShellTest, TabCompletesAUniqueWordAndListsSeveral) {
  EXPECT_EQ(shell_.complete("sh").insert, "ow ");
  EXPECT_EQ(shell_.complete("sh iss s").insert, "");
  ASSERT_EQ(shell_.complete("sh iss s").choices.size(), 2u);
  EXPECT_EQ(shell_.complete("show issu st").insert, "ate ");
  EXPECT_EQ(shell_.complete("show issu state --j").insert, "son ");
  EXPECT_TRUE(shell_.complete("set timer ").choices.empty());  // only an argument may follow
  EXPECT_EQ(shell_.complete("x").insert, "");
}

TEST_F(ShellTest, ExitEndsTheSessionAndBlankLinesAndCommentsDoNothing) {
  EXPECT_EQ(run(""), kExitOk);
  EXPECT_EQ(run("   "), kExitOk);
  EXPECT_EQ(run("! a comment"), kExitOk);
  EXPECT_FALSE(shell_.done());
  EXPECT_EQ(run("exit"), kExitOk);
  EXPECT_TRUE(shell_.done());
}

TEST_F(ShellTest, AScriptEchoesEachLineAndReportsTheLastFailure) {
  std::istringstream script("show redundancy\nfail\nset t 30\nexit\nshow redundancy\n");
  EXPECT_EQ(runScriptedShell(shell_, script, io_), kExitRefused);
  EXPECT_EQ(last_, "timer 30");  // nothing after exit ran
  EXPECT_EQ(out_.str(),
            "hitless# show redundancy\nhitless# fail\nhitless# set t 30\nhitless# exit\n");
}

TEST(SplitWords, BlanksSeparateAndQuotesKeepThem) {
  EXPECT_EQ(splitWords("  a  b\tc "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(splitWords("image \"my image\" \"\""),
            (std::vector<std::string>{"image", "my image", ""}));
}

// The real binary off a terminal: the commands come from standard input.
TEST(HitlessShell, ReadsCommandsFromAPipe) {
  auto r = runProcess(
      {"/bin/sh", "-c", "printf 'sh iss ?\\nshow bogus\\nexit\\n' | " HITLESS_BIN_DIR "/hitless"},
      std::chrono::seconds(30));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->exit_code, kExitUsage);
  EXPECT_NE(r->out.find("hitless# sh iss ?\n"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("  rollback-timer  Rollback timer state\n"), std::string::npos) << r->out;
  EXPECT_NE(r->err.find("% Invalid input detected at 'bogus'"), std::string::npos) << r->err;
}

}  // namespace
}  // namespace hitless::cli
