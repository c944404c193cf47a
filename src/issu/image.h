// A package (image) of one component: a directory holding the component's binary (`rpd`,
// `fwdd`, ...), `manifest.json` and `manifest.sig` (docs/image-format.md). The signature is Ed25519
// over the exact bytes of manifest.json, and the manifest lists the SHA-256 and size of every file,
// so changing any byte of the image — binary or manifest — fails verification.
#pragma once

#include <string>

#include "base/status.h"
#include "issu/manifest.h"
#include "issu/signing.h"

namespace hitless::issu {

inline constexpr char kManifestFileName[] = "manifest.json";
inline constexpr char kSignatureFileName[] = "manifest.sig";
inline constexpr char kRpdFileName[] = "rpd";

struct ImageBuildRequest {
  std::string binary_path;  // the binary to package; copied as manifest.binaryName()
  Manifest manifest;        // everything but `files`, which buildImage fills in
  std::string out_dir;
  bool overwrite = false;  // replace an existing image directory
};

// Writes the image into a temporary sibling directory, fsyncs it and renames it into place, so
// `out_dir` is either the complete new image or untouched.
Status buildImage(const ImageBuildRequest& request, const SecretKey& key);

struct VerifiedImage {
  std::string dir;
  Manifest manifest;
  std::string key_id;  // of the key that verified the signature
  std::string binaryPath() const { return dir + "/" + manifest.binaryName(); }
  std::string rpdPath() const { return dir + "/" + kRpdFileName; }
};

// Checks, in order: manifest present, signature present and valid for `key`, manifest
// well-formed, every listed file present with its signed size and hash, the component's binary
// listed.
// Failures: kNotFound (not an image), kPermissionDenied (unsigned, bad signature, tampered file),
// kCorruption/kUnimplemented (manifest unreadable or from the future).
Result<VerifiedImage> verifyImage(const std::string& dir, const PublicKey& key);

// The image or package `name` of the store directory `store`, verified, and of `component`:
// InvalidArgument for a name that is not a plain name there (a path, a dot file), NotFound,
// the verification's failures, FailedPrecondition for another component's package.
Result<VerifiedImage> verifyStoreEntry(const std::string& store, const std::string& name,
                                       const PublicKey& key, Component component);

// The manifest without any signature check: for display only, never for decisions.
Result<Manifest> readManifestUnverified(const std::string& dir);

}  // namespace hitless::issu
