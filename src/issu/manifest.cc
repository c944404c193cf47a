#include "issu/manifest.h"

#include <nlohmann/json.hpp>

#include "issu/json_read.h"

namespace hitless::issu {

std::string_view buildKindName(BuildKind k) {
  switch (k) {
    case BuildKind::kRelease:
      return "release";
    case BuildKind::kInterim:
      return "interim";
    case BuildKind::kSpecial:
      return "special";
  }
  return "unknown";
}

Result<BuildKind> parseBuildKind(std::string_view name) {
  for (auto k : {BuildKind::kRelease, BuildKind::kInterim, BuildKind::kSpecial}) {
    if (buildKindName(k) == name) return k;
  }
  return Status::invalidArgument("build kind '" + std::string(name) +
                                 "' is not one of release, interim, special");
}

const StoredCompat* Manifest::findStoredCompat(const SoftwareVersion& peer) const {
  for (const auto& e : compat_matrix) {
    if (e.peer == peer) return &e;
  }
  return nullptr;
}

const MessageSet* Manifest::channel(const std::string& name) const {
  auto it = channels.find(name);
  return it == channels.end() ? nullptr : &it->second;
}

std::string Manifest::toJson() const {
  nlohmann::json files_j = nlohmann::json::array();
  for (const auto& f : files) {
    files_j.push_back({{"name", f.name}, {"sha256", f.sha256}, {"size", f.size}});
  }
  nlohmann::json matrix = nlohmann::json::array();
  for (const auto& e : compat_matrix) {
    matrix.push_back({{"peer_version", e.peer.toString()},
                      {"compatibility", compatibilityName(e.compatibility)}});
  }
  nlohmann::json j = {
      {"format", kManifestFormat},
      {"product", "hitless-" + binaryName()},
      {"component", binaryName()},
      {"version", version.toString()},
      {"train", version.train()},
      {"release_date", release_date.toString()},
      {"platform", platform},
      {"kind", buildKindName(kind)},
      {"issu_capable", issu_capable},
      {"major_compat", major_compat},
      {"message_set", issu::toJson(message_set)},
      {"compat_matrix", std::move(matrix)},
      {"files", std::move(files_j)},
  };
  if (!channels.empty()) {
    nlohmann::json ch = nlohmann::json::object();
    for (const auto& [name, set] : channels) ch[name] = issu::toJson(set);
    j["channels"] = std::move(ch);
  }
  return j.dump(2) + "\n";
}

Result<Manifest> Manifest::parse(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::corruption("manifest is not valid JSON");
  JsonReader r(j, "manifest");
  ASSIGN_OR_RETURN(int format, r.integer<int>("format"));
  if (format > kManifestFormat) {
    return Status::unimplemented("manifest format " + std::to_string(format) +
                                 " is newer than this tool understands (" +
                                 std::to_string(kManifestFormat) + ")");
  }
  if (format < 1) return Status::corruption("manifest.format: must be at least 1");

  Manifest m;
  if (j.contains("component")) {
    ASSIGN_OR_RETURN(std::string component, r.string("component"));
    auto c = parseComponent(component);
    if (!c.isOk()) return Status::corruption("manifest.component: " + c.status().message());
    m.component = *c;
  }
  ASSIGN_OR_RETURN(std::string version, r.string("version"));
  auto v = SoftwareVersion::parse(version);
  if (!v.isOk()) return Status::corruption("manifest.version: " + v.status().message());
  m.version = *v;
  ASSIGN_OR_RETURN(std::string date, r.string("release_date"));
  auto d = CalendarDate::parse(date);
  if (!d.isOk()) return Status::corruption("manifest.release_date: " + d.status().message());
  m.release_date = *d;
  ASSIGN_OR_RETURN(m.platform, r.string("platform"));
  ASSIGN_OR_RETURN(std::string kind, r.string("kind"));
  auto k = parseBuildKind(kind);
  if (!k.isOk()) return Status::corruption("manifest.kind: " + k.status().message());
  m.kind = *k;
  ASSIGN_OR_RETURN(m.issu_capable, r.boolean("issu_capable"));

  ASSIGN_OR_RETURN(const nlohmann::json* majors, r.array("major_compat"));
  for (const auto& e : *majors) {
    if (!e.is_number_integer())
      return Status::corruption("manifest.major_compat: expected integers");
    m.major_compat.push_back(e.get<int>());
  }
  if (!j.contains("message_set")) return Status::corruption("manifest.message_set: missing");
  auto set = messageSetFromJson(j["message_set"]);
  if (!set.isOk()) return set.status().withContext("manifest");
  m.message_set = std::move(*set);
  if (j.contains("channels")) {
    if (!j["channels"].is_object()) return Status::corruption("manifest.channels: not an object");
    for (const auto& [name, value] : j["channels"].items()) {
      auto ch = messageSetFromJson(value);
      if (!ch.isOk()) return ch.status().withContext("manifest.channels." + name);
      m.channels[name] = std::move(*ch);
    }
  }

  ASSIGN_OR_RETURN(const nlohmann::json* matrix, r.array("compat_matrix"));
  for (size_t i = 0; i < matrix->size(); ++i) {
    JsonReader er((*matrix)[i], "manifest.compat_matrix[" + std::to_string(i) + "]");
    ASSIGN_OR_RETURN(std::string peer, er.string("peer_version"));
    ASSIGN_OR_RETURN(std::string compat, er.string("compatibility"));
    auto pv = SoftwareVersion::parse(peer);
    auto pc = parseCompatibility(compat);
    if (!pv.isOk() || !pc.isOk()) {
      return Status::corruption(er.where() + ": " +
                                (pv.isOk() ? pc.status() : pv.status()).message());
    }
    m.compat_matrix.push_back({*pv, *pc});
  }

  ASSIGN_OR_RETURN(const nlohmann::json* files, r.array("files"));
  for (size_t i = 0; i < files->size(); ++i) {
    JsonReader fr((*files)[i], "manifest.files[" + std::to_string(i) + "]");
    ImageFile f;
    ASSIGN_OR_RETURN(f.name, fr.string("name"));
    ASSIGN_OR_RETURN(f.sha256, fr.string("sha256"));
    ASSIGN_OR_RETURN(f.size, fr.integer<uint64_t>("size"));
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name[0] == '.') {
      return Status::corruption(fr.where() + ".name: must be a plain file name");
    }
    if (f.sha256.size() != 64) return Status::corruption(fr.where() + ".sha256: not a SHA-256");
    m.files.push_back(std::move(f));
  }
  return m;
}

}  // namespace hitless::issu
