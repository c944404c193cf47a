#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "cli/commands.h"
#include "issu/compat_check.h"
#include "messages/fib_catalog.h"
#include "messages/message_dump.h"
#include "messages/release.h"

namespace hitless::cli {
namespace {

using issu::CompatReport;
using issu::ImageSummary;

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

void printImageRow(const char* role, const ImageSummary& s, std::ostream& out) {
  out << "  " << pad(role, 8);
  if (s.manifest) {
    const auto& m = *s.manifest;
    out << pad(m.version.toString(), 8) << pad(std::string(issu::buildKindName(m.kind)), 8)
        << pad(m.release_date.toString(), 11) << pad(m.platform, 14)
        << pad(m.issu_capable ? "yes" : "no", 5);
  } else {
    out << pad("?", 8) << pad("?", 8) << pad("?", 11) << pad("?", 14) << pad("?", 5);
  }
  out << (s.key_id.empty() ? "FAILED" : "ok (key " + s.key_id + ")") << "  " << s.path << "\n";
}

// One negotiated set as the table rows `show issu negotiated` prints.
void printClients(const issu::NegotiationResult& n, std::ostream& out) {
  out << "\n  " << pad("Cid", 5) << pad("Client name", 20) << pad("Base", 8) << pad("Result", 13)
      << "Negotiated message versions (this/peer range)\n";
  for (const auto& c : n.clients) {
    std::string msgs;
    for (const auto& m : c.messages) {
      if (!msgs.empty()) msgs += ", ";
      msgs += m.name + " " + (m.version ? "v" + std::to_string(*m.version) : "none");
      if (m.my_min != m.peer_min || m.my_max != m.peer_max) {
        msgs += " (" + std::to_string(m.my_min) + "~" + std::to_string(m.my_max) + "/" +
                std::to_string(m.peer_min) + "~" + std::to_string(m.peer_max) + ")";
      }
    }
    out << "  " << pad(std::to_string(c.id), 5) << pad(c.name, 20)
        << pad(c.required ? "Base" : "Non-Base", 8)
        << pad(c.compatible ? "COMPATIBLE" : "INCOMPATIBLE", 13) << msgs << "\n";
    if (!c.compatible) out << "        " << c.reason << "\n";
  }
}

void printChannels(const CompatReport& r, std::ostream& out) {
  for (const auto& c : r.channels) {
    const auto& o = *c.other.manifest;
    out << "\nChannel " << c.channel << " with " << o.binaryName() << " " << o.version.toString()
        << " (" << c.other.path << "): " << issu::compatibilityName(c.negotiation.level)
        << (c.legacy_assumed ? " — a manifest lists no set for it: taken as every earlier "
                               "release's (all v1)"
                             : "")
        << "\n";
    printClients(c.negotiation, out);
  }
}

void printReport(const CompatReport& r, std::ostream& out) {
  const bool rpd = !r.target.manifest || r.target.manifest->component == issu::Component::kRpd;
  out << (rpd ? "ISSU compatibility" : r.target.manifest->binaryName() + " package compatibility");
  if (r.running.manifest && r.target.manifest) {
    out << ": running " << r.running.manifest->version.toString() << " -> target "
        << r.target.manifest->version.toString() << " (" << issu::upgradeDirection(r) << ")";
  }
  out << "\n\n  " << pad("Image", 8) << pad("Version", 8) << pad("Kind", 8) << pad("Released", 11)
      << pad("Platform", 14) << pad("ISSU", 5) << "Signature\n";
  printImageRow("running", r.running, out);
  printImageRow("target", r.target, out);

  out << "\nResult: " << (r.allowed() ? "ALLOWED" : "REFUSED") << "\n";
  for (const auto& v : r.violations) {
    out << "  [" << issu::policyRuleName(v.rule) << "] " << v.reason << "\n";
  }
  if (!rpd) {
    out << "Activation: the " << r.target.manifest->binaryName()
        << " process is replaced; the RPs and forwarding carry on\n";
    printChannels(r, out);
    return;
  }
  if (!r.negotiation) {
    out << "Operating mode: unknown (a manifest could not be read)\n";
    printChannels(r, out);
    return;
  }
  const auto& n = *r.negotiation;
  out << "Operating mode: " << issu::operatingModeName(n.mode())
      << " (compatibility: " << issu::compatibilityName(n.level) << ")";
  if (r.running.key_id.empty() || r.target.key_id.empty()) {
    out << " — read from an UNVERIFIED manifest, for information only";
  }
  out << "\n";
  if (n.mode() == issu::OperatingMode::kRpr) {
    out << "  The standby would stay cold: a switchover restarts the control plane (graceful "
           "restart), it is not hitless.\n";
  }
  out << "Stored matrix of " << r.stored.matrix_owner << ": ";
  if (!r.stored.stored) {
    out << "no row for " << r.stored.peer << " (decided by negotiation)\n";
  } else {
    out << "row for " << r.stored.peer << " says " << issu::compatibilityName(*r.stored.stored)
        << (r.stored.disagrees ? "; DISAGREES with the negotiation — the image's matrix is wrong"
                               : "; negotiation agrees")
        << "\n";
  }

  printClients(n, out);
  printChannels(r, out);
}

int runCompat(const ParsedArgs& a, Io& io) {
  std::string key_path = a.get("pubkey", defaultPublicKeyPath());
  auto key = issu::loadPublicKey(key_path);
  if (!key.isOk()) {
    io.err << "% " << key.status().message() << " (give the image signing key with --pubkey)\n";
    return kExitUsage;
  }
  for (const auto& dir : a.positional) {
    if (!std::filesystem::is_directory(dir)) {
      io.err << "% no image directory at " << dir << "\n";
      return kExitUsage;
    }
  }
  for (const auto& dir : a.all("with")) {
    if (!std::filesystem::is_directory(dir)) {
      io.err << "% no image directory at " << dir << "\n";
      return kExitUsage;
    }
  }
  CompatReport r = issu::checkCompat(a.positional[0], a.positional[1], *key);
  // A component whose manifest lists no FIB set speaks what every earlier one did.
  issu::checkChannels(
      a.all("with"), *key, [](const std::string&) { return messages::legacyFibMessageSet(); }, &r);
  if (a.has("json")) {
    io.out << issu::toJson(r).dump(2) << "\n";
  } else {
    printReport(r, io.out);
  }
  return r.allowed() ? kExitOk : kExitRefused;
}

int runDecode(const ParsedArgs& a, Io& io) {
  auto release = messages::Release::parse(a.get("release", messages::kRelease1_1.toString()));
  if (!release.isOk()) {
    io.err << "% " << release.status().message() << "\n";
    return kExitUsage;
  }
  auto catalog = messages::buildCatalog(*release);
  auto bytes = readFile(a.positional[0], size_t{256} << 20);
  if (!catalog.isOk() || !bytes.isOk()) {
    io.err << "% " << (bytes.isOk() ? catalog.status() : bytes.status()).message() << "\n";
    return kExitUsage;
  }
  wire::ByteView rest = *bytes;
  size_t offset = 0, count = 0;
  int rc = kExitOk;
  while (!rest.empty()) {
    auto frame = wire::parseFrame(rest);
    if (!frame.isOk() || !*frame) {
      io.err << "% offset " << offset << ": "
             << (frame.isOk() ? "truncated frame" : frame.status().message()) << "\n";
      return kExitRefused;
    }
    const auto& f = **frame;
    auto text = messages::describeFrame(*catalog, f);
    io.out << "offset " << offset << " client " << f.header.client_id << " type "
           << f.header.msg_type << " v" << f.header.version << ": "
           << (text.isOk() ? *text : "ERROR " + text.status().message()) << "\n";
    if (!text.isOk()) rc = kExitRefused;
    size_t used = wire::kFrameHeaderSize + f.payload.size();
    rest.remove_prefix(used);
    offset += used;
    ++count;
  }
  io.out << count << " frames\n";
  return rc;
}

}  // namespace

void addCompatCommands(CommandTable& table) {
  table.add({{"compat"},
             "RUNNING_IMAGE TARGET_IMAGE",
             "Is ISSU from the running image to the target allowed, and in which mode?",
             {kPubkeyOption,
              kJsonOption,
              {"with", "IMAGE",
               "a package of another component that runs beside the target (its channel is "
               "checked: an rpd image for a fwdd target, a fwdd package for an rpd one)",
               true}},
             2,
             2,
             runCompat});
  table.add({{"decode"},
             "FILE",
             "Decode a file of checkpoint frames as an image of the given release would",
             {{"release", "X.Y", "release whose message catalog decodes (default 1.1)"}},
             1,
             1,
             runDecode});
}

}  // namespace hitless::cli
