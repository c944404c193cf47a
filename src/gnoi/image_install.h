// ImageInstall: one image upload into the chassis image store (gNOI OS.Install underneath,
// but free of gRPC). The package is a tar of an image's files at its top level (`rpd`,
// `manifest.json`, `manifest.sig`; `hitless image pack` makes one). Bytes go to a staging file
// beside the store; finish() unpacks it into a staging directory — regular files named by the
// manifest only — verifies the signature and every hash, checks the version asked for and the
// version policy against the running image, and renames the directory into the store as
// <version>. Anything that fails, and an object dropped before finish(), removes what was
// staged: a partial upload never reaches the store, and an existing image is never replaced
// (the running one above all).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "issu/component.h"
#include "issu/signing.h"

namespace hitless::gnoi {

struct InstallFailure {
  enum Kind { kIncompatible, kTooLarge, kParseFail, kIntegrityFail, kInstallRunPackage };
  Kind kind;
  std::string detail;  // one line an operator understands
};

struct InstallOptions {
  std::string image_dir;      // the chassis image store
  issu::PublicKey key;        // images must be signed with it
  std::string running_image;  // name of the image the active RP runs ("" if unknown)
  uint64_t max_package_bytes = 512ull << 20;
  // The package each other component runs (fwdd -> fwdd-1.0.0), for the version policy.
  std::map<std::string, std::string> running_packages;
};

// The store name a package of `component` at `version` has: the version alone for an rpd image
// ("1.1.0"), COMPONENT-VERSION for the other components ("fwdd-1.1.0"). gNOI's
// TransferRequest.version and ActivateRequest.version carry this name.
std::string packageName(issu::Component component, const std::string& version);
// The component a store name belongs to, or why it is not a package name.
Result<issu::Component> componentOfName(const std::string& name);

class ImageInstall {
 public:
  explicit ImageInstall(InstallOptions options) : options_(std::move(options)) {}
  ~ImageInstall();
  ImageInstall(const ImageInstall&) = delete;
  ImageInstall& operator=(const ImageInstall&) = delete;

  // True if `version` is already in the store and verifies (nothing to transfer).
  bool present(const std::string& version) const;
  // Starts an upload of `version`, `package_size` bytes. As gNOI's TransferRequest says, both
  // may be left out: a size of 0 is not known (the upload is bounded by max_package_bytes), and
  // an empty version means "whatever the package is" — its name comes from its own manifest.
  std::optional<InstallFailure> begin(const std::string& version, uint64_t package_size);
  std::optional<InstallFailure> append(std::string_view bytes);
  uint64_t received() const { return received_; }
  // Validates and moves the image into the store; on success the store holds name(). A package
  // sent without a version that the store already holds is not replaced (alreadyPresent()).
  std::optional<InstallFailure> finish();
  const std::string& name() const { return version_; }
  bool alreadyPresent() const { return already_present_; }
  // Drops whatever was staged.
  void abort();

 private:
  std::optional<InstallFailure> unpackAndVerify(const std::string& dir);

  InstallOptions options_;
  std::string version_;
  bool named_by_client_ = true;  // false: the version comes from the package's manifest
  bool already_present_ = false;
  uint64_t expected_ = 0, received_ = 0;  // expected_ 0: not announced
  std::string staging_file_, staging_dir_;
  int fd_ = -1;
};

}  // namespace hitless::gnoi
