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

  // This image's (native) version of (client, type); 0 when it has no such message.
  MessageVersion nativeVersion(ClientId client, MessageTypeId type) const;

  // REQUIRES: the message was added. This image's decoder of (client, type) reads payloads of
  // versions [from, native] itself, to the same value as converting them first would give (a
  // test must hold it to that): a receiver hands such payloads over untransformed, skipping a
  // copy and a rewrite per message (at 1M routes, a sixth of a new standby's bulk).
  Status readsDirectly(ClientId client, MessageTypeId type, MessageVersion from);
  // The version a received `version` payload of (client, type) is decoded at: `version` itself
  // when this image reads it directly, else the native version (convert first).
  MessageVersion readableVersion(ClientId client, MessageTypeId type, MessageVersion version) const;

 private:
  struct Transforms {
    std::vector<PayloadTransform> upgrades;
    std::vector<PayloadTransform> downgrades;
    MessageVersion reads_from = 0;  // 0: the decoder reads the native version only
  };
  MessageSet set_;
  std::map<std::pair<ClientId, MessageTypeId>, Transforms> transforms_;
};

}  // namespace hitless::issu
