// Fuzzes the manifest reader: untrusted JSON from an image directory must give a Status, never a
// crash, and a manifest that parses must survive its own canonical round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "issu/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = hitless::issu::Manifest::parse(in);
  if (m.isOk()) {
    auto again = hitless::issu::Manifest::parse(m->toJson());
    if (!again.isOk() || !(*again == *m)) __builtin_trap();
  }
  return 0;
}
