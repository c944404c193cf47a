#include "gnoi/image_install.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "issu/image.h"
#include "issu/manifest_fixture.h"
#include "util/temp_dir.h"

namespace hitless::gnoi {
namespace {

namespace fs = std::filesystem;
using hitless::testing::TempDir;

class ImageInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(issu::generateKeyPair(dir_.file("keys"), "signer", false).isOk());
    secret_ = *issu::loadSecretKey(dir_.file("keys/signer.key"));
    key_ = *issu::loadPublicKey(dir_.file("keys/signer.pub"));
    ASSERT_TRUE(writeFileAtomic(dir_.file("rpd-bin"), std::string(300000, 'R'), 0755).isOk());
    issu::ImageBuildRequest req{dir_.file("rpd-bin"),
                                issu::testing::sampleManifest("1.1.0", "2026-06-01"),
                                dir_.file("src/1.1.0"), false};
    ASSERT_TRUE(issu::buildImage(req, secret_).isOk());
    fs::create_directories(store());
  }

  std::string store() const { return dir_.file("store"); }
  // A tar of `members` (paths relative to `from`).
  std::string pack(const std::string& from, std::vector<std::string> members,
                   const std::string& name = "pkg.tar") {
    std::vector<std::string> argv = {"/bin/tar", "-C", from, "-cf", dir_.file(name)};
    argv.insert(argv.end(), members.begin(), members.end());
    auto r = runProcess(argv, std::chrono::seconds(30));
    EXPECT_TRUE(r.isOk() && r->exit_code == 0);
    return *readFile(dir_.file(name));
  }
  std::string goodPackage() {
    return pack(dir_.file("src/1.1.0"), {"manifest.json", "manifest.sig", "rpd"});
  }
  // Streams `bytes` in 64 KiB pieces, announcing `size` (default: their length).
  std::optional<InstallFailure> install(const std::string& bytes, const std::string& version,
                                        std::optional<uint64_t> size = std::nullopt,
                                        uint64_t limit = 512ull << 20) {
    ImageInstall in({store(), key_, "1.0.0", limit, running_packages_});
    if (auto f = in.begin(version, size.value_or(bytes.size()))) return f;
    for (size_t i = 0; i < bytes.size(); i += 65536) {
      if (auto f = in.append(std::string_view(bytes).substr(i, 65536))) return f;
    }
    return in.finish();
  }
  // Nothing but the images the test expects is in the store: no staging leftovers.
  std::vector<std::string> storeEntries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(store())) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  // A fwdd package at `version` built into `out`.
  void buildFwdd(const std::string& version, const std::string& date, const std::string& out) {
    issu::Manifest m = issu::testing::sampleManifest(version, date);
    m.component = issu::Component::kFwdd;
    ASSERT_TRUE(
        issu::buildImage({dir_.file("rpd-bin"), m, out, /*overwrite=*/true}, secret_).isOk());
  }
  std::string fwddPackage(const std::string& version) {
    buildFwdd(version, "2026-06-01", dir_.file("src/fwdd-" + version));
    return pack(dir_.file("src/fwdd-" + version), {"manifest.json", "manifest.sig", "fwdd"},
                "fwdd.tar");
  }

  TempDir dir_;
  issu::SecretKey secret_;
  issu::PublicKey key_;
  std::map<std::string, std::string> running_packages_;
};

TEST_F(ImageInstallTest, AVerifiedPackageLandsInTheStoreAndNothingElse) {
  EXPECT_EQ(install(goodPackage(), "1.1.0"), std::nullopt);
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"1.1.0"});
  EXPECT_TRUE(issu::verifyImage(store() + "/1.1.0", key_).isOk());
  ImageInstall again({store(), key_, "1.0.0", 1 << 20, {}});
  EXPECT_TRUE(again.present("1.1.0"));
  // An image already in the store is never replaced.
  auto f = install(goodPackage(), "1.1.0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, InstallFailure::kIncompatible);
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"1.1.0"});
}

TEST_F(ImageInstallTest, SizesThatDoNotAddUpAreRefusedAndLeaveNothing) {
  const std::string pkg = goodPackage();
  auto truncated = install(pkg, "1.1.0", pkg.size() + 10);
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->kind, InstallFailure::kParseFail);
  EXPECT_EQ(truncated->detail, "truncated transfer: " + std::to_string(pkg.size()) + " of " +
                                   std::to_string(pkg.size() + 10) + " bytes received");
  auto over = install(pkg, "1.1.0", pkg.size() - 10);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->kind, InstallFailure::kTooLarge);
  auto limit = install(pkg, "1.1.0", std::nullopt, 1000);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->kind, InstallFailure::kTooLarge);
  EXPECT_TRUE(storeEntries().empty());
}

// gNOI's TransferRequest: package_size 0 is "not given", an empty version "whatever it is".
TEST_F(ImageInstallTest, SizeAndVersionMayBeLeftOutAsUpstreamGnoiAllows) {
  const std::string pkg = goodPackage();
  ImageInstall in({store(), key_, "1.0.0", 512ull << 20, {}});
  ASSERT_EQ(in.begin("", 0), std::nullopt);
  ASSERT_EQ(in.append(pkg), std::nullopt);
  ASSERT_EQ(in.finish(), std::nullopt);
  EXPECT_EQ(in.name(), "1.1.0");  // from the package's own manifest
  EXPECT_FALSE(in.alreadyPresent());
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"1.1.0"});

  // The same again, unnamed: already there, not replaced, no error.
  ImageInstall again({store(), key_, "1.0.0", 512ull << 20, {}});
  ASSERT_EQ(again.begin("", 0), std::nullopt);
  ASSERT_EQ(again.append(pkg), std::nullopt);
  ASSERT_EQ(again.finish(), std::nullopt);
  EXPECT_TRUE(again.alreadyPresent());
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"1.1.0"});

  // Without a size the limit still holds; a named package must still be what it says.
  auto over = install(pkg, "", 0, 1000);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->kind, InstallFailure::kTooLarge);
  auto mislabelled = install(pkg, "1.2.0", 0);
  ASSERT_TRUE(mislabelled);
  EXPECT_EQ(mislabelled->kind, InstallFailure::kIncompatible);
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"1.1.0"});
}

TEST_F(ImageInstallTest, OnlyTheImagesOwnFilesMayBeInThePackage) {
  fs::create_directories(dir_.file("odd/sub"));
  fs::copy(dir_.file("src/1.1.0"), dir_.file("odd/sub"));
  fs::copy(dir_.file("src/1.1.0"), dir_.file("odd"), fs::copy_options::recursive);
  ASSERT_TRUE(writeFileAtomic(dir_.file("odd/evil"), "x").isOk());
  fs::create_symlink("/etc/passwd", dir_.file("odd/link"));
  struct Case {
    std::vector<std::string> members;
    std::string names;
  };
  for (const Case& c :
       std::vector<Case>{{{"sub/manifest.json", "sub/manifest.sig", "sub/rpd"}, "sub/"},
                         {{"manifest.json", "manifest.sig", "rpd", "link"}, "'link'"},
                         {{"manifest.json", "manifest.sig", "rpd", "evil"}, "'evil'"},
                         {{"rpd"}, "no manifest.json"}}) {
    auto f = install(pack(dir_.file("odd"), c.members), "1.1.0");
    ASSERT_TRUE(f) << c.names;
    EXPECT_EQ(f->kind, InstallFailure::kParseFail) << f->detail;
    EXPECT_NE(f->detail.find(c.names), std::string::npos) << f->detail;
  }
  auto garbage = install(std::string(4096, 'G'), "1.1.0");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->kind, InstallFailure::kParseFail);
  EXPECT_TRUE(storeEntries().empty());
}

TEST_F(ImageInstallTest, ATamperedOrMislabelledImageIsRefused) {
  fs::copy(dir_.file("src/1.1.0"), dir_.file("bad"), fs::copy_options::recursive);
  std::string rpd = *readFile(dir_.file("bad/rpd"));
  rpd[1234] ^= 0x01;
  ASSERT_TRUE(writeFileAtomic(dir_.file("bad/rpd"), rpd, 0755).isOk());
  auto tampered =
      install(pack(dir_.file("bad"), {"manifest.json", "manifest.sig", "rpd"}), "1.1.0");
  ASSERT_TRUE(tampered);
  EXPECT_EQ(tampered->kind, InstallFailure::kIntegrityFail);
  auto mislabelled = install(goodPackage(), "1.2.0");
  ASSERT_TRUE(mislabelled);
  EXPECT_EQ(mislabelled->kind, InstallFailure::kIncompatible);
  EXPECT_EQ(mislabelled->detail, "the package is version 1.1.0, not 1.2.0 as requested");
  auto malformed = install(goodPackage(), "1.1");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->kind, InstallFailure::kParseFail);
  EXPECT_TRUE(storeEntries().empty());
}

TEST_F(ImageInstallTest, AnUploadDroppedMidwayLeavesNothing) {
  {
    ImageInstall in({store(), key_, "1.0.0", 1 << 30, {}});
    ASSERT_EQ(in.begin("1.1.0", 1 << 20), std::nullopt);
    ASSERT_EQ(in.append(std::string(1000, 'x')), std::nullopt);
    EXPECT_EQ(storeEntries().size(), 1u);  // the staged upload
  }
  EXPECT_TRUE(storeEntries().empty());
}

TEST_F(ImageInstallTest, AComponentPackageIsNamedComponentDashVersion) {
  EXPECT_EQ(packageName(issu::Component::kFwdd, "1.1.0"), "fwdd-1.1.0");
  EXPECT_EQ(packageName(issu::Component::kRpd, "1.1.0"), "1.1.0");
  EXPECT_EQ(install(fwddPackage("1.1.0"), "fwdd-1.1.0"), std::nullopt);
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"fwdd-1.1.0"});
  auto v = issu::verifyImage(store() + "/fwdd-1.1.0", key_);
  ASSERT_TRUE(v.isOk());
  EXPECT_EQ(v->manifest.component, issu::Component::kFwdd);
}

TEST_F(ImageInstallTest, AMislabelledOrUnknownComponentNameIsRefused) {
  // A fwdd package asked for as the rpd image 1.1.0 (or the reverse): refused, never renamed.
  auto as_rpd = install(fwddPackage("1.1.0"), "1.1.0");
  ASSERT_TRUE(as_rpd);
  EXPECT_EQ(as_rpd->kind, InstallFailure::kIncompatible);
  EXPECT_NE(as_rpd->detail.find("named fwdd-1.1.0"), std::string::npos) << as_rpd->detail;
  auto as_fwdd = install(goodPackage(), "fwdd-1.1.0");
  ASSERT_TRUE(as_fwdd);
  EXPECT_EQ(as_fwdd->kind, InstallFailure::kIncompatible);
  for (const char* name : {"bogus-1.1.0", "rpd-1.1.0", "fwdd-1.1", "fwdd-"}) {
    auto f = install(fwddPackage("1.1.0"), name);
    ASSERT_TRUE(f) << name;
    EXPECT_EQ(f->kind, InstallFailure::kParseFail) << name;
  }
  EXPECT_TRUE(storeEntries().empty());
}

TEST_F(ImageInstallTest, AComponentPackageMeetsThePolicyAgainstItsOwnRunningPackage) {
  // fwdd 1.0.0 from 2024 runs; fwdd 1.1.0 from 2026-06 is more than 18 months newer.
  buildFwdd("1.0.0", "2024-06-01", store() + "/fwdd-1.0.0");
  running_packages_ = {{"fwdd", "fwdd-1.0.0"}};
  auto f = install(fwddPackage("1.1.0"), "fwdd-1.1.0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, InstallFailure::kIncompatible);
  EXPECT_NE(f->detail.find("from fwdd-1.0.0 to fwdd-1.1.0 is refused"), std::string::npos)
      << f->detail;
  // The running package is never replaced.
  auto same = install(fwddPackage("1.0.0"), "fwdd-1.0.0");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->kind, InstallFailure::kInstallRunPackage);
  EXPECT_EQ(storeEntries(), std::vector<std::string>{"fwdd-1.0.0"});
}

}  // namespace
}  // namespace hitless::gnoi
