#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/subprocess.h"
#include "cli/commands.h"
#include "issu/image.h"

namespace hitless::cli {
namespace {

using issu::Manifest;

int fail(Io& io, const Status& s, int code = kExitRefused) {
  io.err << "% " << s.message() << "\n";
  return code;
}

// Exit code for a Status caused by the operator's input vs. by the operation itself.
int exitFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
      return kExitUsage;
    default:
      return kExitRefused;
  }
}

// The binary of `component` beside this hitless, as the .deb installs them.
std::string siblingBinary(issu::Component component) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string name(issu::componentName(component));
  if (ec) return name;
  return (self.parent_path() / name).string();
}

struct Description {
  std::string release;
  issu::MessageSet message_set;                      // rpd's checkpoint channel
  std::map<std::string, issu::MessageSet> channels;  // every other channel
};

// Asks the binary itself what it speaks: the manifest's message sets come from the code that
// will run, not from a hand-written list that could drift. An rpd describes its checkpoint set
// (and, since packages, its other channels); a fwdd its FIB channel's.
Result<Description> describeBinary(issu::Component component, const std::string& path) {
  ASSIGN_OR_RETURN(ProcessOutput p, runProcess({path, "--describe"}, std::chrono::seconds(10)));
  // "an rpd binary", "a fwdd binary"
  const std::string what = (component == issu::Component::kRpd ? "an " : "a ") +
                           std::string(issu::componentName(component));
  if (!p.succeeded()) {
    return Status::invalidArgument(path + " --describe failed (exit " +
                                   std::to_string(p.exit_code) + "): " + p.err);
  }
  auto j = nlohmann::json::parse(p.out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("release") || !j["release"].is_string()) {
    return Status::invalidArgument(path + " is not " + what + " binary (no description)");
  }
  const bool is_rpd = j.value("product", std::string()) == "hitless-rpd";
  if (is_rpd != (component == issu::Component::kRpd) ||
      (!is_rpd && j.value("component", std::string()) != issu::componentName(component))) {
    return Status::invalidArgument(path + " is not " + what + " binary (it describes itself as " +
                                   j.value("product", std::string("something else")) + ")");
  }
  Description d{j["release"].get<std::string>(), {}, {}};
  if (is_rpd) {
    if (!j.contains("message_set")) {
      return Status::invalidArgument(path + " is not an rpd binary (no message set description)");
    }
    ASSIGN_OR_RETURN(d.message_set, issu::messageSetFromJson(j["message_set"]));
  }
  if (j.contains("channels") && j["channels"].is_object()) {
    for (const auto& [name, value] : j["channels"].items()) {
      ASSIGN_OR_RETURN(d.channels[name], issu::messageSetFromJson(value));
    }
  }
  return d;
}

Result<std::vector<int>> parseMajors(const std::string& text) {
  std::vector<int> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty() || item.size() > 4 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return Status::invalidArgument("--major-compat takes major numbers like 1,2; got '" + text +
                                     "'");
    }
    out.push_back(std::stoi(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<issu::StoredCompat> parseStoredCompat(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) {
    return Status::invalidArgument("--stored-compat takes VERSION=LEVEL, e.g. 1.0.0=compatible");
  }
  ASSIGN_OR_RETURN(auto v, issu::SoftwareVersion::parse(text.substr(0, eq)));
  ASSIGN_OR_RETURN(auto c, issu::parseCompatibility(text.substr(eq + 1)));
  return issu::StoredCompat{v, c};
}

void printManifest(const Manifest& m, std::ostream& out) {
  out << "  component      " << m.binaryName() << "\n"
      << "  version        " << m.version.toString() << " (train " << m.version.train() << ")\n"
      << "  release date   " << m.release_date.toString() << "\n"
      << "  platform       " << m.platform << "\n"
      << "  kind           " << issu::buildKindName(m.kind) << "\n"
      << "  ISSU capable   " << (m.issu_capable ? "yes" : "no") << "\n";
  out << "  major compat   ";
  if (m.major_compat.empty()) out << "none";
  for (size_t i = 0; i < m.major_compat.size(); ++i) out << (i ? "," : "") << m.major_compat[i];
  if (m.component == issu::Component::kRpd) {
    out << "\n  clients        ";
    for (size_t i = 0; i < m.message_set.clients.size(); ++i) {
      out << (i ? ", " : "") << m.message_set.clients[i].name;
    }
  }
  for (const auto& [name, set] : m.channels) {
    out << "\n  channel " << name << std::string(name.size() < 7 ? 7 - name.size() : 0, ' ');
    for (size_t i = 0; i < set.clients.size(); ++i) {
      out << (i ? ", " : "") << set.clients[i].name;
    }
  }
  out << "\n  stored matrix  ";
  if (m.compat_matrix.empty()) out << "no rows (peers decided by negotiation)";
  for (size_t i = 0; i < m.compat_matrix.size(); ++i) {
    out << (i ? ", " : "") << m.compat_matrix[i].peer.toString() << "="
        << issu::compatibilityName(m.compat_matrix[i].compatibility);
  }
  out << "\n";
  for (const auto& f : m.files) {
    out << "  file           " << f.name << " " << f.size << " bytes sha256 " << f.sha256 << "\n";
  }
}

int runKeygen(const ParsedArgs& a, Io& io) {
  if (!a.has("out")) return fail(io, Status::invalidArgument("keygen needs --out DIR"), kExitUsage);
  std::string name = a.get("name", "hitless");
  Status s = issu::generateKeyPair(a.get("out"), name, a.has("force"));
  if (!s.isOk()) return fail(io, s, exitFor(s));
  auto pub = issu::loadPublicKey(a.get("out") + "/" + name + ".pub");
  if (!pub.isOk()) return fail(io, pub.status());
  io.out << "key pair written: " << a.get("out") << "/" << name << ".key (secret, mode 0600), "
         << a.get("out") << "/" << name << ".pub; key id " << pub->keyId() << "\n";
  return kExitOk;
}

int runImageBuild(const ParsedArgs& a, Io& io) {
  for (const char* required : {"version", "date", "kind", "platform", "key", "out"}) {
    if (!a.has(required)) {
      return fail(io, Status::invalidArgument(std::string("image build needs --") + required),
                  kExitUsage);
    }
  }
  Manifest m;
  auto component = issu::parseComponent(a.get("component", "rpd"));
  if (!component.isOk()) return fail(io, component.status(), kExitUsage);
  m.component = *component;
  auto version = issu::SoftwareVersion::parse(a.get("version"));
  auto date = CalendarDate::parse(a.get("date"));
  auto kind = issu::parseBuildKind(a.get("kind"));
  auto majors = parseMajors(a.get("major-compat"));
  for (const Status& s : {version.status(), date.status(), kind.status(), majors.status()}) {
    if (!s.isOk()) return fail(io, s, kExitUsage);
  }
  m.version = *version;
  m.release_date = *date;
  m.kind = *kind;
  m.major_compat = *majors;
  m.platform = a.get("platform");
  m.issu_capable = !a.has("no-issu");

  auto key = issu::loadSecretKey(a.get("key"));
  if (!key.isOk()) return fail(io, key.status(), kExitUsage);

  if (a.has("rpd") && a.has("binary")) {
    return fail(io, Status::invalidArgument("give --binary or --rpd, not both"), kExitUsage);
  }
  if (a.has("rpd") && m.component != issu::Component::kRpd) {
    return fail(io, Status::invalidArgument("--rpd packages an rpd; use --binary"), kExitUsage);
  }
  std::string binary = a.get("binary", a.get("rpd", siblingBinary(m.component)));
  auto described = describeBinary(m.component, binary);
  if (!described.isOk()) return fail(io, described.status(), kExitUsage);
  if (described->release != m.version.train() && !a.has("force")) {
    return fail(io,
                Status::invalidArgument(binary + " is release " + described->release +
                                        " but --version says " + m.version.toString() + " (train " +
                                        m.version.train() + ")"),
                kExitUsage);
  }
  m.message_set = std::move(described->message_set);
  m.channels = std::move(described->channels);

  for (const auto& text : a.all("stored-compat")) {
    auto row = parseStoredCompat(text);
    if (!row.isOk()) return fail(io, row.status(), kExitUsage);
    m.compat_matrix.push_back(*row);
  }
  for (const auto& peer_dir : a.all("compat-peer")) {
    auto peer = issu::verifyImage(peer_dir, key->publicKey());
    if (!peer.isOk()) return fail(io, peer.status().withContext("--compat-peer"), kExitUsage);
    if (peer->manifest.component != m.component) {
      return fail(
          io,
          Status::invalidArgument("--compat-peer " + peer_dir + " is a " +
                                  peer->manifest.binaryName() + " package, not " + m.binaryName()),
          kExitUsage);
    }
    if (m.findStoredCompat(peer->manifest.version) != nullptr) continue;  // declared wins
    auto level = issu::negotiate(m.message_set, peer->manifest.message_set).level;
    m.compat_matrix.push_back({peer->manifest.version, level});
  }

  issu::ImageBuildRequest req{binary, m, a.get("out"), a.has("force")};
  Status s = issu::buildImage(req, *key);
  if (!s.isOk()) return fail(io, s, exitFor(s));
  io.out << (m.component == issu::Component::kRpd ? "image " : m.binaryName() + " package ")
         << m.version.toString() << " (" << issu::buildKindName(m.kind) << ", "
         << m.release_date.toString() << ") written to " << req.out_dir << ", signed by key "
         << key->publicKey().keyId() << "\n";
  return kExitOk;
}

int runImageVerify(const ParsedArgs& a, Io& io) {
  std::string key_path = a.get("pubkey", defaultPublicKeyPath());
  auto key = issu::loadPublicKey(key_path);
  if (!key.isOk()) return fail(io, key.status(), kExitUsage);
  const std::string& dir = a.positional[0];
  if (!std::filesystem::is_directory(dir)) {
    return fail(io, Status::notFound("no image directory at " + dir), kExitUsage);
  }
  auto image = issu::verifyImage(dir, *key);
  if (a.has("json")) {
    nlohmann::json j = {{"image", dir}, {"verified", image.isOk()}};
    if (image.isOk()) {
      j["key_id"] = image->key_id;
      j["manifest"] = nlohmann::json::parse(image->manifest.toJson());
    } else {
      j["error"] = image.status().message();
    }
    io.out << j.dump(2) << "\n";
    return image.isOk() ? kExitOk : kExitRefused;
  }
  if (!image.isOk()) return fail(io, image.status());
  io.out << "image " << dir << ": signature OK (key " << image->key_id
         << "), all files match the manifest\n";
  printManifest(image->manifest, io.out);
  return kExitOk;
}

// One file for gNOI OS.Install: a tar of the image's files at its top level.
int runImagePack(const ParsedArgs& a, Io& io) {
  const std::string dir = a.positional[0], out = a.get("out");
  if (out.empty()) {
    io.err << "% image pack needs --out FILE\n";
    return kExitUsage;
  }
  auto key = issu::loadPublicKey(a.get("pubkey", defaultPublicKeyPath()));
  if (!key.isOk()) return fail(io, key.status(), exitFor(key.status()));
  auto image = issu::verifyImage(dir, *key);
  if (!image.isOk()) return fail(io, image.status());
  std::vector<std::string> argv = {
      "/bin/tar", "-C", dir, "-cf", out, issu::kManifestFileName, issu::kSignatureFileName};
  for (const auto& f : image->manifest.files) argv.push_back(f.name);
  auto r = runProcess(argv, std::chrono::seconds(120));
  if (!r.isOk() || r->exit_code != 0) {
    io.err << "% tar failed: " << (r.isOk() ? r->err : r.status().message()) << "\n";
    return kExitRefused;
  }
  io.out << out << ": " << image->manifest.version.toString() << " ("
         << std::filesystem::file_size(out) << " bytes), verified and packed for gNOI OS.Install\n";
  return kExitOk;
}

}  // namespace

void addImageCommands(CommandTable& table) {
  table.add({{"keygen"},
             "",
             "Make an Ed25519 key pair for signing images",
             {{"out", "DIR", "directory for NAME.key and NAME.pub"},
              {"name", "NAME", "file name stem (default: hitless)"},
              {"force", "", "replace an existing key of that name"}},
             0,
             0,
             runKeygen});
  table.add({{"image", "build"},
             "",
             "Package a component (an rpd by default, or a fwdd, chassisd or gnoid) with a signed "
             "manifest",
             {{"component", "NAME", "rpd (default), fwdd, chassisd or gnoid"},
              {"version", "X.Y.Z", "software version; its X.Y must match the binary's release"},
              {"date", "YYYY-MM-DD", "release date (the ISSU window is counted from it)"},
              {"kind", "KIND", "release, interim or special"},
              {"platform", "NAME", "platform the image is built for, e.g. linux-x86_64"},
              {"major-compat", "A,B", "other major releases this image may ISSU with"},
              {"no-issu", "", "mark the image as not ISSU-capable"},
              {"key", "KEY", "secret signing key (from 'hitless keygen')"},
              {"out", "DIR", "image directory to create"},
              {"binary", "PATH", "the component's binary (default: the one beside hitless)"},
              {"rpd", "PATH", "an rpd binary to package (the same as --binary for an rpd)"},
              {"compat-peer", "IMAGE", "compute a stored-matrix row against this image", true},
              {"stored-compat", "VER=LEVEL", "declare a stored-matrix row by hand", true},
              {"force", "", "replace an existing image; skip the release/version check"}},
             0,
             0,
             runImageBuild});
  table.add({{"image", "verify"},
             "IMAGE_DIR",
             "Check an image's signature and file hashes, print its manifest",
             {kPubkeyOption, kJsonOption},
             1,
             1,
             runImageVerify});
  table.add({{"image", "pack"},
             "IMAGE_DIR",
             "Verify an image and pack it into one file (tar) for gNOI OS.Install",
             {kPubkeyOption, {"out", "FILE", "the package to write"}},
             1,
             1,
             runImagePack});
}

}  // namespace hitless::cli
