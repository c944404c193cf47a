// Session negotiation between two images' message sets, and the compatibility level it implies.
//
// Per message type the pair uses the highest version both sides support. A client negotiates
// when every one of its message types does and both sides have it — except an optional type
// (a feature added later) that one side lacks: it is simply not exchanged. The pair is:
//   Compatible   — every client negotiated                      → SSO
//   Base-level   — only optional (non-base) clients failed      → SSO, those clients' sync off
//   Incompatible — a required (base) client failed              → RPR (standby stays cold)
// negotiate() is symmetric in its result levels and versions; it is pure and deterministic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "issu/message_set.h"

namespace hitless::issu {

// Numbers are the IOS stored-matrix codes: Dynamic(0) Incomp(1) Base(2) Comp(3). Negotiation
// never yields kDynamic; a stored matrix uses it for "decided at run time".
enum class Compatibility : int { kDynamic = 0, kIncompatible = 1, kBaseLevel = 2, kCompatible = 3 };

enum class OperatingMode { kSso, kSsoBaseLevel, kRpr };

std::string_view compatibilityName(Compatibility c);  // "compatible", "base-level", ...
Result<Compatibility> parseCompatibility(std::string_view name);
std::string_view operatingModeName(OperatingMode m);  // "SSO", "SSO (base-level)", "RPR"
OperatingMode operatingModeFor(Compatibility c);

struct NegotiatedMessage {
  MessageTypeId type = 0;
  std::string name;
  MessageVersion my_min = 0, my_max = 0;      // 0/0 when this side lacks the type
  MessageVersion peer_min = 0, peer_max = 0;  // 0/0 when the peer lacks the type
  std::optional<MessageVersion> version;      // highest common, if any
  bool optional = false;                      // either side marks it optional
};

struct NegotiatedClient {
  ClientId id = 0;
  std::string name;
  bool required = true;
  bool compatible = false;
  std::string reason;  // why not compatible; empty when compatible
  std::vector<NegotiatedMessage> messages;
};

struct NegotiationResult {
  std::vector<NegotiatedClient> clients;  // union of both sides' clients, by id
  Compatibility level = Compatibility::kIncompatible;

  OperatingMode mode() const { return operatingModeFor(level); }
  const NegotiatedClient* findClient(ClientId id) const;
  // The version to use on the wire, or nullopt when the pair cannot exchange this message.
  std::optional<MessageVersion> versionFor(ClientId client, MessageTypeId type) const;
};

NegotiationResult negotiate(const MessageSet& mine, const MessageSet& peer);

nlohmann::json toJson(const NegotiationResult& r);

}  // namespace hitless::issu
