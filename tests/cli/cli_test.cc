// Drives the real `hitless` binary, packaging the real rpd binaries of releases 1.0, 1.1 and 2.0,
// the way an operator would. Every scenario checks the exit code and the reason printed.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "util/temp_dir.h"

namespace hitless::cli {
namespace {

const std::string kBin = HITLESS_BIN_DIR;

ProcessOutput hitless(std::vector<std::string> args) {
  args.insert(args.begin(), kBin + "/hitless");
  auto r = runProcess(args, std::chrono::seconds(60));
  EXPECT_TRUE(r.isOk());
  EXPECT_FALSE(r->timed_out);
  return r.isOk() ? *r : ProcessOutput{};
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>();
    ASSERT_EQ(hitless({"keygen", "--out", dir_->file("keys")}).exit_code, 0);
    build("1.0.0", "2026-01-15", "release", "rpd-1.0", "img-1.0");
    build("1.1.0", "2026-06-01", "release", "rpd-1.1", "img-1.1",
          {"--compat-peer", dir("img-1.0")});
    build("1.1.0", "2026-06-01", "interim", "rpd-1.1", "img-1.1-interim");
    build("1.1.0", "2027-08-01", "release", "rpd-1.1", "img-1.1-late");
    build("2.0.0", "2026-09-01", "release", "rpd-2.0", "img-2.0");
    build("2.0.0", "2026-09-01", "release", "rpd-2.0", "img-2.0-compat", {"--major-compat", "1"});
    // A copy of 1.1 with one byte of its binary changed after signing.
    ASSERT_EQ(runProcess({"/bin/cp", "-r", dir("img-1.1"), dir("img-1.1-tampered")},
                         std::chrono::seconds(30))
                  ->exit_code,
              0);
    std::string rpd = *readFile(dir("img-1.1-tampered/rpd"));
    rpd[rpd.size() / 2] ^= 0x40;
    ASSERT_TRUE(writeFileAtomic(dir("img-1.1-tampered/rpd"), rpd, 0755).isOk());
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static std::string dir(const std::string& name) { return dir_->file(name); }
  static std::string pubkey() { return dir_->file("keys/hitless.pub"); }

  static void build(const std::string& version, const std::string& date, const std::string& kind,
                    const std::string& rpd, const std::string& out,
                    std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"image",      "build",
                                     "--version",  version,
                                     "--date",     date,
                                     "--kind",     kind,
                                     "--platform", "linux-x86_64",
                                     "--key",      dir_->file("keys/hitless.key"),
                                     "--rpd",      kBin + "/" + rpd,
                                     "--out",      dir(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = hitless(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static ProcessOutput compat(const std::string& from, const std::string& to,
                              std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"compat", dir(from), dir(to), "--pubkey", pubkey()};
    args.insert(args.end(), extra.begin(), extra.end());
    return hitless(args);
  }

  static std::unique_ptr<testing::TempDir> dir_;
};

std::unique_ptr<testing::TempDir> CliTest::dir_;

TEST_F(CliTest, UpgradeOneZeroToOneOneIsAllowedInSso) {
  auto r = compat("img-1.0", "img-1.1");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Result: ALLOWED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Operating mode: SSO (compatibility: compatible)"), std::string::npos);
  EXPECT_NE(r.out.find("row for 1.0.0 says compatible; negotiation agrees"), std::string::npos);
}

TEST_F(CliTest, JsonReportCarriesTheNegotiatedVersions) {
  auto r = compat("img-1.0", "img-1.1", {"--json"});
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["allowed"].get<bool>());
  EXPECT_EQ(j["direction"], "upgrade");
  EXPECT_EQ(j["compatibility"], "compatible");
  EXPECT_EQ(j["operating_mode"], "SSO");
  bool found = false;
  for (const auto& c : j["negotiation"]["clients"]) {
    if (c["id"] != 2028) continue;
    for (const auto& m : c["messages"]) {
      if (m["name"] == "route update") {
        EXPECT_EQ(m["negotiated_version"], 1);
        found = true;
      }
    }
  }
  EXPECT_TRUE(found) << r.out;
}

TEST_F(CliTest, DowngradeIsAllowedToo) {
  auto r = compat("img-1.1", "img-1.0");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(downgrade)"), std::string::npos);
}

TEST_F(CliTest, InterimBuildIsRefusedWithItsReason) {
  auto r = compat("img-1.0", "img-1.1-interim");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("[target-not-release] target image 1.1.0 is interim build"),
            std::string::npos)
      << r.out;
}

TEST_F(CliTest, OutOfWindowReleaseIsRefusedWithTheWindow) {
  auto r = compat("img-1.0", "img-1.1-late");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("[outside-window]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2024-07-15 to 2027-07-15"), std::string::npos) << r.out;
}

TEST_F(CliTest, TamperedImageIsRefused) {
  auto r = compat("img-1.0", "img-1.1-tampered", {"--json"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["violations"].size(), 1u);
  EXPECT_EQ(j["violations"][0]["rule"], "image-signature");
  EXPECT_NE(j["violations"][0]["reason"].get<std::string>().find("tampered"), std::string::npos);
  EXPECT_FALSE(j["target"]["verified"].get<bool>());
}

TEST_F(CliTest, MajorReleaseNeedsToBeListedAndThenRunsInRpr) {
  auto refused = compat("img-1.0", "img-2.0");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("[major-release]"), std::string::npos) << refused.out;

  auto listed = compat("img-1.0", "img-2.0-compat");
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_NE(listed.out.find("Operating mode: RPR (compatibility: incompatible)"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("no common version (this image 1~1, peer 2~2)"), std::string::npos);

  auto from_11 = compat("img-1.1", "img-2.0-compat");
  EXPECT_EQ(from_11.exit_code, 0);
  EXPECT_NE(from_11.out.find("Operating mode: SSO (compatibility: compatible)"), std::string::npos)
      << from_11.out;
}

TEST_F(CliTest, BadInputExitsTwoWithAClearError) {
  auto missing = hitless({"compat", dir("img-1.0"), dir("nope"), "--pubkey", pubkey()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no image directory at"), std::string::npos);

  auto no_key = hitless({"compat", dir("img-1.0"), dir("img-1.1"), "--pubkey", dir("none.pub")});
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_NE(no_key.err.find("--pubkey"), std::string::npos);

  auto word = hitless({"compt", "a", "b"});
  EXPECT_EQ(word.exit_code, 2);
  EXPECT_NE(word.err.find("Invalid input detected at 'compt'"), std::string::npos);

  auto option = hitless({"compat", "a", "b", "--pubkye", "k"});
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_NE(option.err.find("Unknown option '--pubkye'"), std::string::npos);
}

TEST_F(CliTest, ImageBuildChecksTheBinaryAgainstTheVersion) {
  auto r = hitless({"image", "build", "--version", "1.1.0", "--date", "2026-06-01", "--kind",
                    "release", "--platform", "linux-x86_64", "--key", dir("keys/hitless.key"),
                    "--rpd", kBin + "/rpd-1.0", "--out", dir("mismatch")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is release 1.0 but --version says 1.1.0"), std::string::npos) << r.err;
  EXPECT_FALSE(pathExists(dir("mismatch")));

  auto not_rpd = hitless({"image", "build", "--version", "1.1.0", "--date", "2026-06-01", "--kind",
                          "release", "--platform", "p", "--key", dir("keys/hitless.key"), "--rpd",
                          "/bin/true", "--out", dir("x")});
  EXPECT_EQ(not_rpd.exit_code, 2);
  EXPECT_NE(not_rpd.err.find("is not an rpd binary"), std::string::npos) << not_rpd.err;

  auto exists = hitless({"image", "build", "--version", "1.0.0", "--date", "2026-01-15", "--kind",
                         "release", "--platform", "linux-x86_64", "--key", dir("keys/hitless.key"),
                         "--rpd", kBin + "/rpd-1.0", "--out", dir("img-1.0")});
  EXPECT_EQ(exists.exit_code, 2);
  EXPECT_NE(exists.err.find("already exists"), std::string::npos);
}

TEST_F(CliTest, VerifyPrintsTheSignedManifest) {
  auto r = hitless({"image", "verify", dir("img-1.1"), "--pubkey", pubkey(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(j["manifest"]["version"], "1.1.0");
  EXPECT_EQ(j["manifest"]["compat_matrix"][0]["peer_version"], "1.0.0");
  EXPECT_EQ(j["manifest"]["compat_matrix"][0]["compatibility"], "compatible");

  auto bad = hitless({"image", "verify", dir("img-1.1-tampered"), "--pubkey", pubkey()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("tampered"), std::string::npos);
}

TEST_F(CliTest, RpdDescribesTheMessageSetOfItsRelease) {
  auto r = runProcess({kBin + "/rpd-1.0", "--describe"}, std::chrono::seconds(10));
  ASSERT_TRUE(r.isOk());
  auto j = nlohmann::json::parse(r->out);
  EXPECT_EQ(j["release"], "1.0");
  auto r11 = runProcess({kBin + "/rpd-1.1", "--describe"}, std::chrono::seconds(10));
  EXPECT_NE(r->out, r11->out);  // genuinely different images
}

}  // namespace
}  // namespace hitless::cli
