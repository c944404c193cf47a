#include "gnoi/image_install.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "issu/image.h"
#include "issu/software_version.h"
#include "issu/version_policy.h"

namespace hitless::gnoi {
namespace {

namespace fs = std::filesystem;

InstallFailure failure(InstallFailure::Kind kind, std::string detail) {
  return {kind, std::move(detail)};
}

}  // namespace

ImageInstall::~ImageInstall() { abort(); }

void ImageInstall::abort() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  if (!staging_file_.empty()) fs::remove(staging_file_, ec);
  if (!staging_dir_.empty()) fs::remove_all(staging_dir_, ec);
  staging_file_.clear();
  staging_dir_.clear();
}

std::string packageName(issu::Component component, const std::string& version) {
  return component == issu::Component::kRpd
             ? version
             : std::string(issu::componentName(component)) + "-" + version;
}

Result<issu::Component> componentOfName(const std::string& name) {
  const size_t dash = name.rfind('-');
  const std::string version = dash == std::string::npos ? name : name.substr(dash + 1);
  if (!issu::SoftwareVersion::parse(version).isOk()) {
    return Status::invalidArgument("version '" + name +
                                   "' is not MAJOR.MINOR.MAINTENANCE (an rpd image) or "
                                   "COMPONENT-MAJOR.MINOR.MAINTENANCE (a package, e.g. "
                                   "fwdd-1.1.0)");
  }
  if (dash == std::string::npos) return issu::Component::kRpd;
  auto component = issu::parseComponent(name.substr(0, dash));
  if (!component.isOk() || *component == issu::Component::kRpd) {
    return Status::invalidArgument("version '" + name + "': '" + name.substr(0, dash) +
                                   "' is not a component with packages (fwdd, chassisd, gnoid)");
  }
  return *component;
}

bool ImageInstall::present(const std::string& version) const {
  std::string dir = options_.image_dir + "/" + version;
  return fs::is_directory(dir) && issu::verifyImage(dir, options_.key).isOk();
}

std::optional<InstallFailure> ImageInstall::begin(const std::string& version,
                                                  uint64_t package_size) {
  if (!version.empty()) {
    auto component = componentOfName(version);
    if (!component.isOk()) {
      return failure(InstallFailure::kParseFail, component.status().message());
    }
    bool running = version == options_.running_image;
    for (const auto& [c, package] : options_.running_packages)
      running = running || package == version;
    if (running) {
      return failure(InstallFailure::kInstallRunPackage,
                     version + " is the running image; it is never replaced");
    }
  }
  if (package_size > options_.max_package_bytes) {
    return failure(InstallFailure::kTooLarge, "package of " + std::to_string(package_size) +
                                                  " bytes is over the limit of " +
                                                  std::to_string(options_.max_package_bytes));
  }
  abort();
  version_ = version;
  named_by_client_ = !version.empty();
  already_present_ = false;
  expected_ = package_size;
  received_ = 0;
  // Staged beside the store (same file system: the final rename is atomic), hidden by the dot.
  staging_file_ = options_.image_dir + "/.install-" + (named_by_client_ ? version : "unnamed") +
                  "-" + std::to_string(::getpid()) + ".tar";
  std::error_code ec;
  fs::create_directories(options_.image_dir, ec);
  fd_ = ::open(staging_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    std::string why = staging_file_ + ": " + std::strerror(errno);
    staging_file_.clear();
    return failure(InstallFailure::kParseFail, "cannot stage the upload: " + why);
  }
  return std::nullopt;
}

std::optional<InstallFailure> ImageInstall::append(std::string_view bytes) {
  if (fd_ < 0) return failure(InstallFailure::kParseFail, "content before TransferRequest");
  if (expected_ != 0 && received_ + bytes.size() > expected_) {
    abort();
    return failure(InstallFailure::kTooLarge, "more than the announced package_size of " +
                                                  std::to_string(expected_) + " bytes");
  }
  if (received_ + bytes.size() > options_.max_package_bytes) {
    abort();
    return failure(InstallFailure::kTooLarge, "the package is over the limit of " +
                                                  std::to_string(options_.max_package_bytes) +
                                                  " bytes");
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      abort();
      return failure(InstallFailure::kParseFail, "cannot stage the upload: " + why);
    }
    done += static_cast<size_t>(n);
  }
  received_ += bytes.size();
  return std::nullopt;
}

std::optional<InstallFailure> ImageInstall::finish() {
  if (fd_ < 0) return failure(InstallFailure::kParseFail, "TransferEnd before TransferRequest");
  if (expected_ != 0 && received_ != expected_) {
    uint64_t got = received_;
    abort();
    return failure(InstallFailure::kParseFail, "truncated transfer: " + std::to_string(got) +
                                                   " of " + std::to_string(expected_) +
                                                   " bytes received");
  }
  ::fsync(fd_);
  ::close(fd_);
  fd_ = -1;
  staging_dir_ = options_.image_dir + "/.install-" + (named_by_client_ ? version_ : "unnamed") +
                 "-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(staging_dir_, ec);
  fs::create_directories(staging_dir_, ec);
  if (auto f = unpackAndVerify(staging_dir_)) {
    abort();
    return f;
  }
  const std::string target = options_.image_dir + "/" + version_;
  if (!named_by_client_ && present(version_)) {
    // Sent without a name: the store already holds this package (and it verifies) — the
    // answer a named request for it gets before any transfer.
    already_present_ = true;
    abort();
    return std::nullopt;
  }
  if (fs::exists(target)) {
    abort();
    return failure(InstallFailure::kIncompatible,
                   "an image named " + version_ + " is already in the store and was not replaced");
  }
  fs::rename(staging_dir_, target, ec);
  if (ec) {
    abort();
    return failure(InstallFailure::kParseFail,
                   "cannot move the image into the store: " + ec.message());
  }
  staging_dir_.clear();
  (void)fsyncDirectory(options_.image_dir);
  abort();  // removes the staged package
  return std::nullopt;
}

std::optional<InstallFailure> ImageInstall::unpackAndVerify(const std::string& dir) {
  // List first: only regular files at the top level, named as an image's files are.
  auto listing = runProcess({"/bin/tar", "-tvf", staging_file_}, std::chrono::seconds(60));
  if (!listing.isOk() || listing->exit_code != 0) {
    return failure(InstallFailure::kParseFail,
                   "the package is not a tar archive" +
                       (listing.isOk() ? ": " + listing->err.substr(0, listing->err.find('\n'))
                                       : std::string()));
  }
  auto names = runProcess({"/bin/tar", "-tf", staging_file_}, std::chrono::seconds(60));
  std::istringstream types(listing->out), members(names.isOk() ? names->out : "");
  std::string type_line, name;
  std::set<std::string> seen;
  while (std::getline(members, name) && std::getline(types, type_line)) {
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if (name.empty()) continue;  // "./" itself
    if (type_line.empty() || type_line[0] != '-' || name.find('/') != std::string::npos ||
        name[0] == '.') {
      return failure(InstallFailure::kParseFail,
                     "the package holds '" + name +
                         "', which is not a file of an image "
                         "(only regular files at the top level: the component's binary, "
                         "manifest.json, manifest.sig)");
    }
    seen.insert(name);
  }
  if (seen.count(issu::kManifestFileName) == 0 || seen.count(issu::kSignatureFileName) == 0) {
    return failure(InstallFailure::kParseFail,
                   "the package has no manifest.json and "
                   "manifest.sig: not an image");
  }
  auto x = runProcess(
      {"/bin/tar", "-xf", staging_file_, "-C", dir, "--no-same-owner", "--no-same-permissions"},
      std::chrono::seconds(120));
  if (!x.isOk() || x->exit_code != 0) {
    return failure(InstallFailure::kParseFail, "the package does not unpack");
  }
  auto image = issu::verifyImage(dir, options_.key);
  if (!image.isOk()) {
    return failure(InstallFailure::kIntegrityFail, image.status().message());
  }
  std::error_code ec;
  fs::permissions(image->binaryPath(), fs::perms(0755), ec);  // tar kept no modes
  for (const auto& member : seen) {
    bool listed = member == issu::kManifestFileName || member == issu::kSignatureFileName;
    for (const auto& f : image->manifest.files) listed = listed || f.name == member;
    if (!listed) {
      return failure(InstallFailure::kParseFail,
                     "the package holds '" + member + "', which its manifest does not list");
    }
  }
  // The name asked for must be the package's own: a mislabelled package is refused, not renamed.
  // (gNOI leaves that check to the client, against Validated.version; we do it for the client.)
  const std::string own =
      packageName(image->manifest.component, image->manifest.version.toString());
  if (!named_by_client_) version_ = own;
  if (own != version_) {
    const bool rpd = image->manifest.component == issu::Component::kRpd;
    return failure(InstallFailure::kIncompatible,
                   "the package is " +
                       std::string(rpd ? "version " : image->manifest.binaryName() + " ") +
                       image->manifest.version.toString() + (rpd ? "" : " (named " + own + ")") +
                       ", not " + version_ + " as requested");
  }
  std::string running_name = options_.running_image;
  if (image->manifest.component != issu::Component::kRpd) {
    auto it = options_.running_packages.find(image->manifest.binaryName());
    running_name = it != options_.running_packages.end() ? it->second : "";
  }
  if (!running_name.empty()) {
    auto running = issu::verifyImage(options_.image_dir + "/" + running_name, options_.key);
    if (running.isOk()) {
      auto violations = issu::checkVersionPolicy(running->manifest, image->manifest);
      if (!violations.empty()) {
        std::string msg = "an upgrade from " + running_name + " to " + version_ + " is refused:";
        for (const auto& v : violations) {
          msg += " [" + std::string(issu::policyRuleName(v.rule)) + "] " + v.reason + ";";
        }
        msg.pop_back();
        return failure(InstallFailure::kIncompatible, msg);
      }
    }
  }
  return std::nullopt;
}

}  // namespace hitless::gnoi
