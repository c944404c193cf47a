#include "issu/image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/file_util.h"
#include "issu/manifest_fixture.h"
#include "util/temp_dir.h"

namespace hitless::issu {
namespace {

using hitless::testing::TempDir;

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(generateKeyPair(dir_.file("keys"), "signer", false).isOk());
    ASSERT_TRUE(generateKeyPair(dir_.file("keys"), "other", false).isOk());
    secret_ = *loadSecretKey(dir_.file("keys/signer.key"));
    public_ = *loadPublicKey(dir_.file("keys/signer.pub"));
    other_ = *loadPublicKey(dir_.file("keys/other.pub"));
    ASSERT_TRUE(writeFileAtomic(dir_.file("rpd-bin"), std::string(5000, 'R'), 0755).isOk());
  }

  Status build(const std::string& out, bool overwrite = false) {
    ImageBuildRequest req{dir_.file("rpd-bin"), testing::sampleManifest("1.1.0", "2026-06-01"), out,
                          overwrite};
    return buildImage(req, secret_);
  }

  void flipByte(const std::string& path, size_t offset) {
    std::string content = *readFile(path);
    content[offset] ^= 0x01;
    ASSERT_TRUE(writeFileAtomic(path, content, 0755).isOk());
  }

  TempDir dir_;
  SecretKey secret_;
  PublicKey public_, other_;
};

// The digest of an image file is SHA-256 as FIPS 180-2 defines it: its own examples ("abc", and
// the 448-bit message, which spans two blocks), and a file longer than one read (1 MiB).
TEST_F(ImageTest, FileDigestsAreFips180Sha256) {
  EXPECT_EQ(toHex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE(writeFileAtomic(dir_.file("abc"), "abc").isOk());
  EXPECT_EQ(digestFile(dir_.file("abc"))->sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE(writeFileAtomic(dir_.file("two-blocks"),
                              "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                  .isOk());
  EXPECT_EQ(digestFile(dir_.file("two-blocks"))->sha256,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a': FIPS 180-2's long example, over more than one read.
  ASSERT_TRUE(writeFileAtomic(dir_.file("million"), std::string(1'000'000, 'a')).isOk());
  ASSERT_TRUE(writeFileAtomic(dir_.file("two-reads"), std::string((1 << 20) + 3, 'a')).isOk());
  auto million = digestFile(dir_.file("million"));
  EXPECT_EQ(million->sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(million->size, 1'000'000u);
  EXPECT_EQ(digestFile(dir_.file("two-reads"))->size, (1u << 20) + 3);
  EXPECT_EQ(digestFile(dir_.file("missing")).status().code(), StatusCode::kIoError);
}

TEST_F(ImageTest, KeyFilesHaveTheRightModesAndAreNeverSilentlyReplaced) {
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("keys/signer.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string before = *readFile(dir_.file("keys/signer.key"));
  EXPECT_EQ(generateKeyPair(dir_.file("keys"), "signer", false).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*readFile(dir_.file("keys/signer.key")), before);
  ASSERT_TRUE(generateKeyPair(dir_.file("keys"), "signer", true).isOk());
  EXPECT_NE(*readFile(dir_.file("keys/signer.key")), before);
}

TEST_F(ImageTest, KeyFilesOfTheWrongKindAreRejected) {
  EXPECT_EQ(loadPublicKey(dir_.file("keys/signer.key")).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(loadSecretKey(dir_.file("keys/signer.pub")).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(loadPublicKey(dir_.file("keys/none.pub")).status().code(), StatusCode::kNotFound);
}

TEST_F(ImageTest, BuiltImageVerifiesAndRecordsTheBinaryHash) {
  ASSERT_TRUE(build(dir_.file("img")).isOk());
  auto v = verifyImage(dir_.file("img"), public_);
  ASSERT_TRUE(v.isOk()) << v.status().toString();
  EXPECT_EQ(v->key_id, public_.keyId());
  ASSERT_EQ(v->manifest.files.size(), 1u);
  EXPECT_EQ(v->manifest.files[0].size, 5000u);
  EXPECT_EQ(v->manifest.files[0].sha256, digestFile(dir_.file("rpd-bin"))->sha256);
  struct stat st {};
  ASSERT_EQ(::stat(v->rpdPath().c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
}

TEST_F(ImageTest, TamperedBinaryIsRefused) {
  ASSERT_TRUE(build(dir_.file("img")).isOk());
  flipByte(dir_.file("img/rpd"), 100);
  auto v = verifyImage(dir_.file("img"), public_);
  EXPECT_EQ(v.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(v.status().message().find("tampered"), std::string::npos);
}

TEST_F(ImageTest, TamperedManifestIsRefused) {
  ASSERT_TRUE(build(dir_.file("img")).isOk());
  std::string m = *readFile(dir_.file("img/manifest.json"));
  auto pos = m.find("2026-06-01");
  ASSERT_NE(pos, std::string::npos);
  m.replace(pos, 10, "2026-06-02");
  ASSERT_TRUE(writeFileAtomic(dir_.file("img/manifest.json"), m).isOk());
  auto v = verifyImage(dir_.file("img"), public_);
  EXPECT_EQ(v.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(v.status().message().find("altered after signing"), std::string::npos);
}

TEST_F(ImageTest, UnsignedImageAndForeignKeyAreRefused) {
  ASSERT_TRUE(build(dir_.file("img")).isOk());
  auto foreign = verifyImage(dir_.file("img"), other_);
  EXPECT_EQ(foreign.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(foreign.status().message().find("signed by key " + public_.keyId()), std::string::npos);
  std::filesystem::remove(dir_.file("img/manifest.sig"));
  auto unsigned_image = verifyImage(dir_.file("img"), public_);
  EXPECT_EQ(unsigned_image.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(unsigned_image.status().message().find("not signed"), std::string::npos);
}

TEST_F(ImageTest, MissingBinaryAndMissingManifest) {
  ASSERT_TRUE(build(dir_.file("img")).isOk());
  std::filesystem::remove(dir_.file("img/rpd"));
  EXPECT_NE(verifyImage(dir_.file("img"), public_).status().message().find("incomplete"),
            std::string::npos);
  std::filesystem::create_directory(dir_.file("empty"));
  EXPECT_EQ(verifyImage(dir_.file("empty"), public_).status().code(), StatusCode::kNotFound);
}

TEST_F(ImageTest, BuildNeverClobbersWithoutOverwriteAndLeavesNoTemporaries) {
  ASSERT_TRUE(build(dir_.file("img")).isOk());
  std::string sig = *readFile(dir_.file("img/manifest.sig"));
  EXPECT_EQ(build(dir_.file("img")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*readFile(dir_.file("img/manifest.sig")), sig);
  ASSERT_TRUE(build(dir_.file("img"), true).isOk());
  EXPECT_TRUE(verifyImage(dir_.file("img"), public_).isOk());
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 3u);  // keys, rpd-bin, img
}

TEST_F(ImageTest, BuildFromAMissingBinaryFailsAndCreatesNothing) {
  ImageBuildRequest req{dir_.file("no-such-rpd"), testing::sampleManifest("1.1.0", "2026-06-01"),
                        dir_.file("img"), false};
  EXPECT_EQ(buildImage(req, secret_).code(), StatusCode::kNotFound);
  EXPECT_FALSE(pathExists(dir_.file("img")));
}

}  // namespace
}  // namespace hitless::issu
