// MessageCatalog: everything one image knows about its versioned messages — the MessageSet it
// advertises plus, per message type, the transforms between adjacent versions.
//
// Transforms operate on TLV payloads (wire/tlv.h): upgrade turns a version-v payload into v+1,
// downgrade turns v+1 into v. An image only ever runs its own transforms, and only the newer
// image of a pair has transforms reaching the other's native version, so "the newer side
// transforms in both directions" holds by construction: the older side sends and reads its
// native version, untouched.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "issu/message_set.h"
#include "wire/tlv.h"

namespace hitless::issu {

using PayloadTransform = Result<std::string> (*)(wire::ByteView payload);

class MessageCatalog {
 public:
  Status addClient(ClientId id, std::string name, bool required);
  // REQUIRES: the client was added. upgrades[i] maps version (min+i) to (min+i+1) and
  // downgrades[i] maps (min+i+1) to (min+i); both hold max-min entries.
  Status addMessage(ClientId client, MessageTypeSpec spec, std::vector<PayloadTransform> upgrades,
                    std::vector<PayloadTransform> downgrades);

  const MessageSet& messageSet() const { return set_; }
  const MessageTypeSpec* findMessage(ClientId client, MessageTypeId type) const;

  // Converts `payload` of (client, type) from version `from` to version `to`, both inside this
  // image's range, through the chain of adjacent transforms. from == to returns a copy.
  Result<std::string> convert(ClientId client, MessageTypeId type, wire::ByteView payload,
                              MessageVersion from, MessageVersion to) const;

 private:
  struct Transforms {
    std::vector<PayloadTransform> upgrades;
    std::vector<PayloadTransform> downgrades;
  };
  MessageSet set_;
  std::map<std::pair<ClientId, MessageTypeId>, Transforms> transforms_;
};

}  // namespace hitless::issu
