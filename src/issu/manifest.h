// Manifest: the signed description of a package — an image of one component, rpd by default
// (docs/image-format.md). It is what the version policy, the compat tool and the chassis read
// before trusting a package.
//
// Parsing never throws and never crashes: malformed JSON, wrong types, missing members and a
// format newer than this reader are each a Status naming the problem. Unknown members are
// ignored (a newer writer may add some). toJson() is canonical: same manifest, same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/calendar_date.h"
#include "base/status.h"
#include "issu/component.h"
#include "issu/message_set.h"
#include "issu/negotiation.h"
#include "issu/software_version.h"

namespace hitless::issu {

inline constexpr int kManifestFormat = 1;

enum class BuildKind { kRelease, kInterim, kSpecial };
std::string_view buildKindName(BuildKind k);  // "release", "interim", "special"
Result<BuildKind> parseBuildKind(std::string_view name);

struct ImageFile {
  std::string name;    // relative to the image directory; "rpd"
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
  bool operator==(const ImageFile&) const = default;
};

// One row of the stored compatibility matrix: how this image pairs with `peer`.
struct StoredCompat {
  SoftwareVersion peer;
  Compatibility compatibility = Compatibility::kDynamic;
  bool operator==(const StoredCompat&) const = default;
};

struct Manifest {
  Component component = Component::kRpd;  // absent from manifests written before packages
  SoftwareVersion version;
  CalendarDate release_date;
  std::string platform;  // "linux-x86_64"
  BuildKind kind = BuildKind::kRelease;
  bool issu_capable = true;
  std::vector<int> major_compat;  // other major releases this image may be ISSU'd from/to
  MessageSet message_set;         // rpd: the checkpoint channel's set (empty for other components)
  // The set of every other channel the component speaks, by channel name (kChannelFib).
  std::map<std::string, MessageSet> channels;
  std::vector<StoredCompat> compat_matrix;
  std::vector<ImageFile> files;

  const StoredCompat* findStoredCompat(const SoftwareVersion& peer) const;
  // The binary's file name in the package: the component's name.
  std::string binaryName() const { return std::string(componentName(component)); }
  // The set of `channel`, or null when the package does not say (written before it had one).
  const MessageSet* channel(const std::string& name) const;
  std::string toJson() const;
  static Result<Manifest> parse(std::string_view json_text);
  bool operator==(const Manifest&) const = default;
};

}  // namespace hitless::issu
