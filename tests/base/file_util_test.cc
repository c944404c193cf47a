#include "base/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "util/temp_dir.h"

namespace hitless {
namespace {

using testing::TempDir;

TEST(FileUtil, AtomicWriteReplacesContentAndSetsMode) {
  TempDir dir;
  std::string p = dir.path() + "/state";
  ASSERT_TRUE(writeFileAtomic(p, "first", 0600).isOk());
  ASSERT_TRUE(writeFileAtomic(p, "second", 0600).isOk());
  auto got = readFile(p);
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(*got, "second");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(pathExists(p + ".tmp"));
}

TEST(FileUtil, ReadReportsMissingAndOversizedFiles) {
  TempDir dir;
  auto missing = readFile(dir.path() + "/nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(writeFileAtomic(dir.path() + "/big", std::string(100, 'x')).isOk());
  EXPECT_EQ(readFile(dir.path() + "/big", 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(readFile(dir.path()).status().code(), StatusCode::kInvalidArgument);  // a directory
}

TEST(FileUtil, ReadsProcFilesThatReportSizeZero) {
  auto cmdline = readFile("/proc/self/cmdline");
  ASSERT_TRUE(cmdline.isOk());
  EXPECT_NE(cmdline->find("base_test"), std::string::npos);
}

TEST(FileUtil, WriteIntoMissingDirectoryFailsCleanly) {
  Status s = writeFileAtomic("/nonexistent-dir-hitless/x", "data");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("/nonexistent-dir-hitless"), std::string::npos);
}

TEST(Hex, RoundTripsAndRejectsBadInput) {
  std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(toHex(bytes), "0001abff");
  EXPECT_EQ(*fromHex("0001ABff"), bytes);
  EXPECT_FALSE(fromHex("abc").isOk());
  EXPECT_FALSE(fromHex("zz").isOk());
}

}  // namespace
}  // namespace hitless
