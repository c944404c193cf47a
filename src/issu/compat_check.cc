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
  // The checkpoint channel links the two RPs; other components have no peer of their own kind.
  if (running.component == Component::kRpd && target.component == Component::kRpd) {
    r.negotiation = negotiate(running.message_set, target.message_set);
    checkStoredMatrix(running, target, &r);
  }
  return r;
}

std::optional<std::string> channelBetween(Component a, Component b) {
  auto is = [&](Component x, Component y) { return (a == x && b == y) || (a == y && b == x); };
  if (is(Component::kRpd, Component::kFwdd)) return std::string(kChannelFib);
  return std::nullopt;
}

void checkChannels(const std::vector<std::string>& other_dirs, const PublicKey& key,
                   const LegacySet& legacy, CompatReport* report) {
  if (!report->target.manifest) return;
  const Manifest& target = *report->target.manifest;
  for (const auto& dir : other_dirs) {
    ChannelCheck c;
    loadImage(dir, key, "running beside", &c.other, &report->violations);
    if (!c.other.manifest) continue;
    const Manifest& other = *c.other.manifest;
    auto channel = channelBetween(target.component, other.component);
    if (!channel) {
      report->violations.push_back({PolicyRule::kChannel, "a " + target.binaryName() + " and a " +
                                                              other.binaryName() +
                                                              " share no channel; " + dir +
                                                              " says nothing about the target"});
      continue;
    }
    c.channel = *channel;
    const MessageSet* mine = target.channel(c.channel);
    const MessageSet* theirs = other.channel(c.channel);
    c.legacy_assumed = mine == nullptr || theirs == nullptr;
    c.negotiation =
        negotiate(mine ? *mine : legacy(c.channel), theirs ? *theirs : legacy(c.channel));
    if (c.negotiation.level == Compatibility::kIncompatible) {
      std::string why;
      for (const auto& client : c.negotiation.clients) {
        if (!client.compatible) why += " " + client.name + " (" + client.reason + ")";
      }
      report->violations.push_back(
          {PolicyRule::kChannel, "the " + c.channel + " channel between " + target.binaryName() +
                                     " " + target.version.toString() + " and " +
                                     other.binaryName() + " " + other.version.toString() +
                                     " is incompatible:" + why});
    }
    report->channels.push_back(std::move(c));
  }
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

namespace {

nlohmann::json imageJson(const ImageSummary& s) {
  nlohmann::json j = {{"path", s.path}, {"verified", !s.key_id.empty()}};
  if (!s.key_id.empty()) j["key_id"] = s.key_id;
  if (s.manifest) {
    const auto& m = *s.manifest;
    j["component"] = m.binaryName();
    j["version"] = m.version.toString();
    j["release_date"] = m.release_date.toString();
    j["platform"] = m.platform;
    j["kind"] = buildKindName(m.kind);
    j["issu_capable"] = m.issu_capable;
  }
  return j;
}

}  // namespace

std::string upgradeDirection(const CompatReport& r) {
  if (!r.running.manifest || !r.target.manifest) return "";
  auto a = r.running.manifest->version, b = r.target.manifest->version;
  return a < b ? "upgrade" : b < a ? "downgrade" : "same version";
}

nlohmann::json toJson(const CompatReport& r) {
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : r.violations) {
    violations.push_back({{"code", static_cast<int>(v.rule)},
                          {"rule", policyRuleName(v.rule)},
                          {"reason", v.reason}});
  }
  nlohmann::json j = {{"allowed", r.allowed()},
                      {"direction", upgradeDirection(r)},
                      {"running", imageJson(r.running)},
                      {"target", imageJson(r.target)},
                      {"violations", std::move(violations)}};
  if (r.negotiation) {
    j["compatibility"] = compatibilityName(r.negotiation->level);
    j["operating_mode"] = operatingModeName(r.negotiation->mode());
    j["negotiation"] = toJson(*r.negotiation);
  }
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& c : r.channels) {
    channels.push_back({{"channel", c.channel},
                        {"with", imageJson(c.other)},
                        {"legacy_assumed", c.legacy_assumed},
                        {"compatibility", compatibilityName(c.negotiation.level)},
                        {"negotiation", toJson(c.negotiation)}});
  }
  j["channels"] = std::move(channels);
  if (r.stored.consulted) {
    j["stored_matrix"] = {
        {"owner", r.stored.matrix_owner},
        {"peer", r.stored.peer},
        {"stored", r.stored.stored ? nlohmann::json(compatibilityName(*r.stored.stored))
                                   : nlohmann::json(nullptr)},
        {"disagrees", r.stored.disagrees}};
  }
  return j;
}

}  // namespace hitless::issu
