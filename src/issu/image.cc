#include "issu/image.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "base/file_util.h"

namespace hitless::issu {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSignatureTag = "hitless-ed25519-signature ";
constexpr size_t kMaxManifestBytes = 1 << 20;

Status fsError(const std::string& what, const std::error_code& ec) {
  return Status::ioError(what + ": " + ec.message());
}

Status fsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::ioError("cannot open " + path + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::ioError("cannot fsync " + path);
  return Status::ok();
}

Status writeImageFiles(const ImageBuildRequest& req, const SecretKey& key, const std::string& dir) {
  std::error_code ec;
  Manifest m = req.manifest;
  std::string binary = dir + "/" + m.binaryName();
  fs::copy_file(req.binary_path, binary, ec);
  if (ec) return fsError("cannot copy " + req.binary_path, ec);
  fs::permissions(binary, fs::perms(0755), ec);
  if (ec) return fsError("cannot chmod " + binary, ec);
  RETURN_IF_ERROR(fsyncPath(binary, O_RDONLY));

  ASSIGN_OR_RETURN(FileDigest d, digestFile(binary));
  m.files = {ImageFile{m.binaryName(), d.sha256, d.size}};
  std::string manifest_text = m.toJson();
  RETURN_IF_ERROR(writeFileAtomic(dir + "/" + kManifestFileName, manifest_text));
  std::string sig_line = std::string(kSignatureTag) + key.publicKey().keyId() + " " +
                         toHex(sign(key, manifest_text)) + "\n";
  RETURN_IF_ERROR(writeFileAtomic(dir + "/" + kSignatureFileName, sig_line));
  return Status::ok();
}

Result<std::string> readManifestText(const std::string& dir) {
  auto text = readFile(dir + "/" + kManifestFileName, kMaxManifestBytes);
  if (!text.isOk() && text.status().code() == StatusCode::kNotFound) {
    return Status::notFound(dir + " is not a hitless image (no " + kManifestFileName + ")");
  }
  return text;
}

std::string parentOf(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

Status buildImage(const ImageBuildRequest& req, const SecretKey& key) {
  std::string out = req.out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.empty()) return Status::invalidArgument("no output directory given");
  if (pathExists(out) && !req.overwrite) {
    return Status::alreadyExists(out + " already exists (use --force to replace that image)");
  }
  if (!pathExists(req.binary_path)) {
    return Status::notFound("no " + req.manifest.binaryName() + " binary at " + req.binary_path);
  }

  std::error_code ec;
  std::string tmp = out + ".partial-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return fsError("cannot create " + tmp, ec);
  Status s = writeImageFiles(req, key, tmp);
  if (s.isOk()) s = fsyncPath(tmp, O_RDONLY | O_DIRECTORY);
  if (!s.isOk()) {
    fs::remove_all(tmp, ec);
    return s;
  }

  std::string old = out + ".old-" + std::to_string(::getpid());
  bool replaced = false;
  if (pathExists(out)) {
    fs::rename(out, old, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      return Status::ioError("cannot move the existing image aside: " + out);
    }
    replaced = true;
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    Status err = fsError("cannot move the new image into place at " + out, ec);
    if (replaced) fs::rename(old, out, ec);  // put the previous image back
    fs::remove_all(tmp, ec);
    return err;
  }
  RETURN_IF_ERROR(fsyncPath(parentOf(out), O_RDONLY | O_DIRECTORY));
  if (replaced) fs::remove_all(old, ec);
  return Status::ok();
}

Result<Manifest> readManifestUnverified(const std::string& dir) {
  ASSIGN_OR_RETURN(std::string text, readManifestText(dir));
  return Manifest::parse(text);
}

Result<VerifiedImage> verifyStoreEntry(const std::string& store, const std::string& name,
                                       const PublicKey& key, Component component) {
  const std::string what = component == Component::kRpd ? "image" : "package";
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
    return Status::invalidArgument(what + " name '" + name + "' is not a name in the image store");
  }
  const std::string dir = store + "/" + name;
  if (!std::filesystem::is_directory(dir)) {
    return Status::notFound("no " + what + " '" + name + "' in " + store);
  }
  ASSIGN_OR_RETURN(VerifiedImage v, verifyImage(dir, key));
  if (v.manifest.component != component) {
    return Status::failedPrecondition(
        "'" + name + "' is a " + v.manifest.binaryName() + " package: " +
        (component == Component::kRpd
             ? std::string("the RP slots run rpd images")
             : "not a " + std::string(componentName(component)) + " package"));
  }
  return v;
}

Result<VerifiedImage> verifyImage(const std::string& dir, const PublicKey& key) {
  auto text = readManifestText(dir);
  if (!text.isOk()) return text.status();
  auto sig_text = readFile(dir + "/" + kSignatureFileName, 4096);
  if (!sig_text.isOk()) {
    if (sig_text.status().code() == StatusCode::kNotFound) {
      return Status::permissionDenied("image " + dir + " is not signed (no " + kSignatureFileName +
                                      ")");
    }
    return sig_text.status();
  }
  // "hitless-ed25519-signature <key id> <hex signature>"
  std::string_view line = *sig_text;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  auto space = line.rfind(' ');
  if (line.substr(0, kSignatureTag.size()) != kSignatureTag || space == std::string_view::npos) {
    return Status::permissionDenied("image " + dir + ": " + kSignatureFileName +
                                    " is not a hitless signature");
  }
  std::string signed_by(line.substr(kSignatureTag.size(), space - kSignatureTag.size()));
  auto sig = fromHex(line.substr(space + 1));
  if (!sig.isOk() || !verifySignature(key, *text, *sig)) {
    std::string who = signed_by == key.keyId()
                          ? "the manifest was altered after signing"
                          : "signed by key " + signed_by + ", not by " + key.keyId();
    return Status::permissionDenied("image " + dir + ": signature does not verify (" + who + ")");
  }

  auto manifest = Manifest::parse(*text);
  if (!manifest.isOk()) return manifest.status().withContext("image " + dir);
  bool has_binary = false;
  for (const auto& f : manifest->files) {
    std::string path = dir + "/" + f.name;
    auto d = digestFile(path);
    if (!d.isOk()) {
      return Status::permissionDenied("image " + dir + " is incomplete: " + f.name +
                                      " is missing or unreadable");
    }
    if (d->size != f.size || d->sha256 != f.sha256) {
      return Status::permissionDenied("image " + dir + " was tampered with: " + f.name +
                                      " does not match the signed manifest (sha256 " +
                                      d->sha256.substr(0, 16) + "..., signed " +
                                      f.sha256.substr(0, 16) + "...)");
    }
    has_binary = has_binary || f.name == manifest->binaryName();
  }
  if (!has_binary) {
    return Status::corruption("image " + dir + ": the manifest does not list its " +
                              manifest->binaryName() + " binary");
  }
  return VerifiedImage{dir, std::move(*manifest), key.keyId()};
}

}  // namespace hitless::issu
