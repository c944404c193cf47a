#include "issu/negotiation.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

namespace hitless::issu {

std::string_view compatibilityName(Compatibility c) {
  switch (c) {
    case Compatibility::kDynamic:
      return "dynamic";
    case Compatibility::kIncompatible:
      return "incompatible";
    case Compatibility::kBaseLevel:
      return "base-level";
    case Compatibility::kCompatible:
      return "compatible";
  }
  return "unknown";
}

Result<Compatibility> parseCompatibility(std::string_view name) {
  for (auto c : {Compatibility::kDynamic, Compatibility::kIncompatible, Compatibility::kBaseLevel,
                 Compatibility::kCompatible}) {
    if (compatibilityName(c) == name) return c;
  }
  return Status::invalidArgument("unknown compatibility '" + std::string(name) +
                                 "' (expected compatible, base-level, incompatible or dynamic)");
}

std::string_view operatingModeName(OperatingMode m) {
  switch (m) {
    case OperatingMode::kSso:
      return "SSO";
    case OperatingMode::kSsoBaseLevel:
      return "SSO (base-level)";
    case OperatingMode::kRpr:
      return "RPR";
  }
  return "unknown";
}

OperatingMode operatingModeFor(Compatibility c) {
  switch (c) {
    case Compatibility::kCompatible:
      return OperatingMode::kSso;
    case Compatibility::kBaseLevel:
      return OperatingMode::kSsoBaseLevel;
    default:
      return OperatingMode::kRpr;
  }
}

const NegotiatedClient* NegotiationResult::findClient(ClientId id) const {
  for (const auto& c : clients) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::optional<MessageVersion> NegotiationResult::versionFor(ClientId client,
                                                            MessageTypeId type) const {
  const NegotiatedClient* c = findClient(client);
  if (c == nullptr || !c->compatible) return std::nullopt;
  for (const auto& m : c->messages) {
    if (m.type == type) return m.version;
  }
  return std::nullopt;
}

namespace {

NegotiatedClient negotiateClient(const ClientSpec* mine, const ClientSpec* peer) {
  const ClientSpec& any = mine != nullptr ? *mine : *peer;
  NegotiatedClient out;
  out.id = any.id;
  out.name = any.name;
  out.required = (mine != nullptr && mine->required) || (peer != nullptr && peer->required);

  std::map<MessageTypeId, NegotiatedMessage> by_type;
  if (mine != nullptr) {
    for (const auto& m : mine->messages) {
      auto& n = by_type[m.type];
      n.type = m.type;
      n.name = m.name;
      n.my_min = m.min_version;
      n.my_max = m.max_version;
      n.optional = n.optional || m.optional;
    }
  }
  if (peer != nullptr) {
    for (const auto& m : peer->messages) {
      auto& n = by_type[m.type];
      n.type = m.type;
      if (n.name.empty()) n.name = m.name;
      n.peer_min = m.min_version;
      n.peer_max = m.max_version;
      n.optional = n.optional || m.optional;
    }
  }

  out.compatible = mine != nullptr && peer != nullptr;
  if (mine == nullptr) out.reason = "client not present in this image";
  if (peer == nullptr) out.reason = "client not present in the peer image";
  for (auto& [type, n] : by_type) {
    if (n.my_max != 0 && n.peer_max != 0) {
      MessageVersion lo = std::max(n.my_min, n.peer_min);
      MessageVersion hi = std::min(n.my_max, n.peer_max);
      if (lo <= hi) n.version = hi;
    }
    const bool one_side_lacks_optional = n.optional && (n.my_max == 0 || n.peer_max == 0);
    if (!n.version && !one_side_lacks_optional && out.compatible) {
      out.compatible = false;
      if (n.my_max == 0) {
        out.reason = "message type " + n.name + " unknown to this image";
      } else if (n.peer_max == 0) {
        out.reason = "message type " + n.name + " unknown to the peer image";
      } else {
        out.reason = "message type " + n.name + ": no common version (this image " +
                     std::to_string(n.my_min) + "~" + std::to_string(n.my_max) + ", peer " +
                     std::to_string(n.peer_min) + "~" + std::to_string(n.peer_max) + ")";
      }
    }
    out.messages.push_back(std::move(n));
  }
  return out;
}

}  // namespace

NegotiationResult negotiate(const MessageSet& mine, const MessageSet& peer) {
  std::map<ClientId, std::pair<const ClientSpec*, const ClientSpec*>> pairs;
  for (const auto& c : mine.clients) pairs[c.id].first = &c;
  for (const auto& c : peer.clients) pairs[c.id].second = &c;

  NegotiationResult r;
  r.level = Compatibility::kCompatible;
  for (const auto& [id, pair] : pairs) {
    NegotiatedClient c = negotiateClient(pair.first, pair.second);
    if (!c.compatible) {
      if (c.required) {
        r.level = Compatibility::kIncompatible;
      } else if (r.level == Compatibility::kCompatible) {
        r.level = Compatibility::kBaseLevel;
      }
    }
    r.clients.push_back(std::move(c));
  }
  return r;
}

nlohmann::json toJson(const NegotiationResult& r) {
  nlohmann::json clients = nlohmann::json::array();
  for (const auto& c : r.clients) {
    nlohmann::json msgs = nlohmann::json::array();
    for (const auto& m : c.messages) {
      msgs.push_back({{"type", m.type},
                      {"name", m.name},
                      {"mine", {m.my_min, m.my_max}},
                      {"peer", {m.peer_min, m.peer_max}},
                      {"negotiated_version", m.version ? nlohmann::json(*m.version) : nullptr},
                      {"optional", m.optional}});
    }
    nlohmann::json jc = {{"id", c.id},
                         {"name", c.name},
                         {"base", c.required},
                         {"result", c.compatible ? "COMPATIBLE" : "INCOMPATIBLE"},
                         {"messages", std::move(msgs)}};
    if (!c.compatible) jc["reason"] = c.reason;
    clients.push_back(std::move(jc));
  }
  return {{"compatibility", compatibilityName(r.level)},
          {"operating_mode", operatingModeName(r.mode())},
          {"clients", std::move(clients)}};
}

}  // namespace hitless::issu
