// BGP-4 messages as plain values, and their codec (RFC 4271, 4760, 6793, 2918, 4724, 7606).
//
// Contract: decoders never read past the bytes they are given. A message that cannot be used
// yields a BgpError carrying the NOTIFICATION code/subcode/data RFC 4271 §6 prescribes; an UPDATE
// whose attributes are malformed in a way RFC 7606 lets us survive decodes with
// `treat_as_withdraw` set and its NLRI moved to the withdrawn lists. Encoders produce whole
// messages (header included) and never exceed kMaxMessageSize; callers split larger UPDATEs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip.h"

namespace hitless::bgp {

inline constexpr size_t kHeaderSize = 19;
inline constexpr size_t kMaxMessageSize = 4096;
inline constexpr uint16_t kAsTrans = 23456;

enum class MessageType : uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,
};

// NOTIFICATION error codes and the subcodes we send (RFC 4271 §4.5, §6; RFC 4486 for Cease).
namespace err {
enum : uint8_t {
  kHeader = 1,
  kOpen = 2,
  kUpdate = 3,
  kHoldTimerExpired = 4,
  kFsm = 5,
  kCease = 6,
  kRouteRefresh = 7,
};
enum : uint8_t { kNotSynchronized = 1, kBadLength = 2, kBadType = 3 };
enum : uint8_t {
  kUnsupportedVersion = 1,
  kBadPeerAs = 2,
  kBadBgpId = 3,
  kUnsupportedOptional = 4,
  kUnacceptableHoldTime = 6,
  kUnsupportedCapability = 7,
};
enum : uint8_t {
  kMalformedAttributeList = 1,
  kUnrecognizedWellKnown = 2,
  kMissingWellKnown = 3,
  kAttributeFlags = 4,
  kAttributeLength = 5,
  kInvalidOrigin = 6,
  kInvalidNextHop = 8,
  kOptionalAttribute = 9,
  kInvalidNetwork = 10,
  kMalformedAsPath = 11,
};
enum : uint8_t {
  kCeaseMaxPrefixes = 1,
  kCeaseAdminShutdown = 2,
  kCeasePeerDeconfigured = 3,
  kCeaseAdminReset = 4,
  kCeaseConnectionRejected = 5,
  kCeaseCollision = 7,
};
}  // namespace err

// What a NOTIFICATION carries; also the error type of the decoders.
struct BgpError {
  uint8_t code = 0;
  uint8_t subcode = 0;
  std::string data;
  std::string reason;  // for logs: what exactly was wrong
};
std::string describeError(uint8_t code, uint8_t subcode);

// Address family / subsequent AF pairs we speak (RFC 4760).
struct AfiSafi {
  uint16_t afi = 1;  // 1 IPv4, 2 IPv6
  uint8_t safi = 1;  // 1 unicast
  auto operator<=>(const AfiSafi&) const = default;
};
inline constexpr AfiSafi kIpv4Unicast{1, 1};
inline constexpr AfiSafi kIpv6Unicast{2, 1};
net::Family familyOf(AfiSafi a);

struct GracefulRestartCap {
  bool restarting = false;  // the R bit: "I restarted; defer your stale-route cleanup"
  uint16_t restart_time_s = 0;
  struct Family {
    AfiSafi afi_safi;
    bool forwarding_preserved = false;  // the F bit
    auto operator<=>(const Family&) const = default;
  };
  std::vector<Family> families;
  auto operator<=>(const GracefulRestartCap&) const = default;
};

struct Capabilities {
  std::vector<AfiSafi> multiprotocol;
  bool route_refresh = false;
  std::optional<uint32_t> four_octet_as;
  std::optional<GracefulRestartCap> graceful_restart;
  bool operator==(const Capabilities&) const = default;
};

struct OpenMessage {
  uint8_t version = 4;
  uint32_t asn = 0;  // the real AS: from the 4-octet capability when present
  uint16_t hold_time_s = 90;
  uint32_t bgp_id = 0;  // host order
  Capabilities caps;
  bool operator==(const OpenMessage&) const = default;
};

enum class Origin : uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };

struct PathAttributes {
  Origin origin = Origin::kIgp;
  std::vector<uint32_t> as_path;  // AS_SEQUENCE members in order (AS_SET members appended)
  uint32_t as_path_sets = 0;      // number of AS_SET segments (each counts 1 in path length)
  net::IpAddress next_hop;        // NEXT_HOP (encode: also the MP next hop for IPv6)
  std::optional<uint32_t> med;
  std::optional<uint32_t> local_pref;
  std::vector<uint32_t> communities;
  bool atomic_aggregate = false;
  bool operator==(const PathAttributes&) const = default;
  size_t pathLength() const;
};

struct UpdateMessage {
  std::vector<net::IpPrefix> withdrawn;  // IPv4 withdrawn routes and MP_UNREACH NLRI
  std::vector<net::IpPrefix> nlri;       // IPv4 NLRI, then MP_REACH NLRI
  size_t classic_nlri = 0;               // nlri[0, classic_nlri) use attrs.next_hop
  net::IpAddress mp_next_hop;            // the rest use MP_REACH's next hop
  PathAttributes attrs;
  const net::IpAddress& nextHopOf(size_t nlri_index) const {
    return nlri_index < classic_nlri ? attrs.next_hop : mp_next_hop;
  }
  // Set when the message is an End-of-RIB marker (RFC 4724 §2): empty UPDATE for IPv4, an
  // MP_UNREACH with no NLRI for other families.
  std::optional<AfiSafi> end_of_rib;
  // RFC 7606: the attributes were malformed; nlri were moved into withdrawn.
  bool treat_as_withdraw = false;
  std::string attribute_error;  // why, when treat_as_withdraw
};

struct NotificationMessage {
  uint8_t code = 0;
  uint8_t subcode = 0;
  std::string data;
};

struct RouteRefreshMessage {
  AfiSafi afi_safi;
};

// The result of a decode: a value or the NOTIFICATION to send.
template <typename T>
struct Decoded {
  std::optional<T> value;
  BgpError error;
  bool ok() const { return value.has_value(); }
};

// Header check on the first bytes of a stream. Returns the whole message's length when `bytes`
// holds at least a header, 0 when more bytes are needed, or an error (bad marker, length, type).
Decoded<size_t> messageLength(std::string_view bytes);
MessageType messageType(std::string_view message);  // REQUIRES: messageLength() accepted it

// Per-session parameters the UPDATE codec depends on.
struct UpdateCodecOptions {
  bool four_octet_as = true;  // both sides advertised the capability
};

// Each takes one whole message (header included).
Decoded<OpenMessage> decodeOpen(std::string_view message);
Decoded<UpdateMessage> decodeUpdate(std::string_view message, const UpdateCodecOptions& options);
Decoded<NotificationMessage> decodeNotification(std::string_view message);
Decoded<RouteRefreshMessage> decodeRouteRefresh(std::string_view message);

void encodeOpen(const OpenMessage& m, std::string* out);
void encodeKeepalive(std::string* out);
void encodeNotification(const NotificationMessage& m, std::string* out);
void encodeRouteRefresh(const RouteRefreshMessage& m, std::string* out);
void encodeEndOfRib(AfiSafi afi_safi, std::string* out);

// Encodes `prefixes` (all of one family) announced with `attrs` — or withdrawn when `withdraw` —
// as as many UPDATE messages as needed, appended to `out`. IPv4 uses the classic fields; IPv6
// uses MP_REACH/MP_UNREACH with attrs.next_hop as the MP next hop.
void encodeUpdates(const std::vector<net::IpPrefix>& prefixes, const PathAttributes& attrs,
                   bool withdraw, const UpdateCodecOptions& options, std::string* out);

std::string_view messageTypeName(MessageType t);

}  // namespace hitless::bgp
