// MessageSet: what one image can say to its peer RP — every ISSU client with, per message type,
// the range of message versions it can encode and decode. Pure data: it is printed by
// `rpd --describe`, stored in the signed manifest, sent in the session hello, and negotiated.
//
// Client ids and message type numbers are wire numbers (STYLE.md #4): fixed forever.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace hitless::issu {

using ClientId = uint16_t;
using MessageTypeId = uint16_t;
using MessageVersion = uint16_t;

struct MessageTypeSpec {
  MessageTypeId type = 0;
  std::string name;
  MessageVersion min_version = 1;
  MessageVersion max_version = 1;  // the image's native version
  uint32_t mtu = 0;                // largest payload in bytes; 0 = no limit
  // A feature added to a client in a later release: a pair where only one side has the type
  // still negotiates the client, without exchanging the type (the feature stays off).
  bool optional = false;

  bool operator==(const MessageTypeSpec&) const = default;
};

struct ClientSpec {
  ClientId id = 0;
  std::string name;
  // Base client (IOS "Base"): if it cannot negotiate, the pair is Incompatible (RPR). An optional
  // client that cannot negotiate only turns its own feature off (Base-level, still SSO).
  bool required = true;
  std::vector<MessageTypeSpec> messages;

  const MessageTypeSpec* findMessage(MessageTypeId type) const;
  bool operator==(const ClientSpec&) const = default;
};

struct MessageSet {
  std::vector<ClientSpec> clients;  // sorted by id

  const ClientSpec* findClient(ClientId id) const;
  // Unique ids, versions 1 <= min <= max, non-empty names, sorted by id and type.
  Status validate() const;
  bool operator==(const MessageSet&) const = default;
};

nlohmann::json toJson(const MessageSet& set);
Result<MessageSet> messageSetFromJson(const nlohmann::json& j);

}  // namespace hitless::issu
