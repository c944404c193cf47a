#include "cli/command_table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace hitless::cli {
namespace {

class CommandTableTest : public ::testing::Test {
 protected:
  CommandTableTest() : table_("tool") {
    table_.add({{"show", "issu", "state"},
                "",
                "state",
                {{"json", "", "json"}},
                0,
                0,
                [this](const ParsedArgs& a, Io&) {
                  last_ = "state" + std::string(a.has("json") ? "+json" : "");
                  return 0;
                }});
    table_.add({{"show", "issu"}, "WHAT", "issu", {}, 1, 1, [this](const ParsedArgs& a, Io&) {
                  last_ = "issu:" + a.positional[0];
                  return 0;
                }});
    table_.add({{"set"},
                "",
                "set",
                {{"value", "N", "v"}, {"tag", "T", "t", true}},
                0,
                0,
                [this](const ParsedArgs& a, Io&) {
                  last_ = a.get("value") + "/" + std::to_string(a.all("tag").size());
                  return 0;
                }});
  }

  int run(std::vector<std::string> argv) {
    out_.str("");
    err_.str("");
    Io io{out_, err_};
    return table_.dispatch(argv, io);
  }

  CommandTable table_;
  std::string last_;
  std::ostringstream out_, err_;
};

TEST_F(CommandTableTest, LongestWordSequenceWins) {
  EXPECT_EQ(run({"show", "issu", "state", "--json"}), 0);
  EXPECT_EQ(last_, "state+json");
  EXPECT_EQ(run({"show", "issu", "clients"}), 0);
  EXPECT_EQ(last_, "issu:clients");
}

TEST_F(CommandTableTest, UnknownWordNamesTheAlternatives) {
  EXPECT_EQ(run({"shwo"}), kExitUsage);
  EXPECT_NE(err_.str().find("Invalid input detected at 'shwo'; expected one of: set show"),
            std::string::npos)
      << err_.str();
}

TEST_F(CommandTableTest, OptionsAreStrict) {
  EXPECT_EQ(run({"set", "--value", "3", "--tag", "a", "--tag=b"}), 0);
  EXPECT_EQ(last_, "3/2");
  EXPECT_EQ(run({"set", "--value", "3", "--value", "4"}), kExitUsage);
  EXPECT_NE(err_.str().find("given twice"), std::string::npos);
  EXPECT_EQ(run({"set", "--value"}), kExitUsage);
  EXPECT_NE(err_.str().find("needs a value (N)"), std::string::npos);
  EXPECT_EQ(run({"show", "issu", "state", "--json=yes"}), kExitUsage);
  EXPECT_EQ(run({"set", "extra"}), kExitUsage);
  EXPECT_NE(err_.str().find("takes no arguments"), std::string::npos);
  EXPECT_EQ(run({"show", "issu"}), kExitUsage);
  EXPECT_NE(err_.str().find("WHAT (0 given)"), std::string::npos);
}

TEST_F(CommandTableTest, HelpAtEveryLevel) {
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_NE(out_.str().find("show issu state"), std::string::npos);
  EXPECT_EQ(run({"set", "--help"}), 0);
  EXPECT_NE(out_.str().find("--tag T"), std::string::npos);
  EXPECT_NE(out_.str().find("(repeatable)"), std::string::npos);
  EXPECT_EQ(run({}), kExitUsage);
  EXPECT_NE(out_.str().find("usage: tool"), std::string::npos);
}

}  // namespace
}  // namespace hitless::cli
