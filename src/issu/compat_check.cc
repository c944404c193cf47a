#include "issu/compat_check.h"

namespace hitless::issu {
namespace {

void checkStoredMatrix(const Manifest& running, const Manifest& target, CompatReport* report) {
  // IOS looks the pair up on the side running the later version: only it can know the other.
  bool target_newer = target.version > running.version;
  const Manifest& owner = target_newer ? target : running;
  const Manifest& peer = target_newer ? running : target;
  StoredMatrixCheck& s = report->stored;
  s.consulted = true;
  s.matrix_owner = owner.version.toString();
  s.peer = peer.version.toString();
  if (const StoredCompat* row = owner.findStoredCompat(peer.version)) {
    s.stored = row->compatibility;
    s.disagrees = row->compatibility != Compatibility::kDynamic && report->negotiation &&
                  row->compatibility != report->negotiation->level;
  }
}

// Verifies one image; on failure records why and falls back to the unverified manifest only to
// let the other checks run (the ISSU stays refused by the recorded violation).
void loadImage(const std::string& dir, const PublicKey& key, const char* role, ImageSummary* out,
               std::vector<PolicyViolation>* violations) {
  out->path = dir;
  auto verified = verifyImage(dir, key);
  if (verified.isOk()) {
    out->manifest = verified->manifest;
    out->key_id = verified->key_id;
    return;
  }
  const Status& s = verified.status();
  bool manifest_problem = s.code() == StatusCode::kCorruption ||
                          s.code() == StatusCode::kUnimplemented ||
                          s.code() == StatusCode::kNotFound || s.code() == StatusCode::kIoError;
  violations->push_back(
      {manifest_problem ? PolicyRule::kImageManifest : PolicyRule::kImageSignature,
       std::string(role) + " image: " + s.message()});
  auto unverified = readManifestUnverified(dir);
  if (unverified.isOk()) out->manifest = std::move(*unverified);
}

}  // namespace

CompatReport evaluateCompat(const Manifest& running, const Manifest& target,
                            const PolicyOptions& options) {
  CompatReport r;
  r.running.manifest = running;
  r.target.manifest = target;
  r.violations = checkVersionPolicy(running, target, options);
  r.negotiation = negotiate(running.message_set, target.message_set);
  checkStoredMatrix(running, target, &r);
  return r;
}

CompatReport checkCompat(const std::string& running_dir, const std::string& target_dir,
                         const PublicKey& key, const PolicyOptions& options) {
  CompatReport r;
  loadImage(running_dir, key, "running", &r.running, &r.violations);
  loadImage(target_dir, key, "target", &r.target, &r.violations);
  if (r.running.manifest && r.target.manifest) {
    CompatReport e = evaluateCompat(*r.running.manifest, *r.target.manifest, options);
    r.violations.insert(r.violations.end(), e.violations.begin(), e.violations.end());
    r.negotiation = std::move(e.negotiation);
    r.stored = std::move(e.stored);
  }
  return r;
}

}  // namespace hitless::issu
