#include "issu/manifest_fixture.h"

namespace hitless::issu::testing {

MessageSet sampleSet(MessageVersion rib_min, MessageVersion rib_max, bool optional_bgp,
                     MessageVersion bgp_min, MessageVersion bgp_max) {
  MessageSet s;
  s.clients.push_back({2, "ISSU Proto client", true, {{1, "session hello", 1, 1, 0}}});
  s.clients.push_back({3, "ISSU RF", true, {{1, "rf status", 1, 1, 0}, {2, "heartbeat", 1, 1, 0}}});
  s.clients.push_back({4, "ISSU CONFIG SYNC", true, {{1, "config item", 1, 1, 0}}});
  s.clients.push_back({2028,
                       "ISSU RIB client",
                       true,
                       {{1, "route update", rib_min, rib_max, 0}, {2, "route withdraw", 1, 1, 0}}});
  if (optional_bgp) {
    s.clients.push_back({2050, "BGP NSR client", false, {{1, "peer state", bgp_min, bgp_max, 0}}});
  }
  return s;
}

Manifest sampleManifest(const std::string& version, const std::string& date) {
  Manifest m;
  m.version = *SoftwareVersion::parse(version);
  m.release_date = *CalendarDate::parse(date);
  m.platform = "linux-x86_64";
  m.kind = BuildKind::kRelease;
  m.issu_capable = true;
  m.message_set = sampleSet(1, 1);
  m.files = {{"rpd", std::string(64, 'a'), 1234}};
  return m;
}

}  // namespace hitless::issu::testing
