#include "issu/message_catalog.h"

#include <algorithm>

namespace hitless::issu {

Status MessageCatalog::addClient(ClientId id, std::string name, bool required) {
  if (set_.findClient(id) != nullptr) {
    return Status::alreadyExists("ISSU client " + std::to_string(id) + " registered twice");
  }
  ClientSpec c;
  c.id = id;
  c.name = std::move(name);
  c.required = required;
  auto pos = std::lower_bound(set_.clients.begin(), set_.clients.end(), id,
                              [](const ClientSpec& a, ClientId b) { return a.id < b; });
  set_.clients.insert(pos, std::move(c));
  return Status::ok();
}

Status MessageCatalog::addMessage(ClientId client, MessageTypeSpec spec,
                                  std::vector<PayloadTransform> upgrades,
                                  std::vector<PayloadTransform> downgrades) {
  auto it = std::find_if(set_.clients.begin(), set_.clients.end(),
                         [&](const ClientSpec& c) { return c.id == client; });
  if (it == set_.clients.end()) {
    return Status::notFound("ISSU client " + std::to_string(client) + " is not registered");
  }
  if (it->findMessage(spec.type) != nullptr) {
    return Status::alreadyExists("message type " + std::to_string(spec.type) + " of client " +
                                 std::to_string(client) + " registered twice");
  }
  if (spec.min_version < 1 || spec.min_version > spec.max_version) {
    return Status::invalidArgument("message " + spec.name + ": invalid version range");
  }
  size_t steps = spec.max_version - spec.min_version;
  bool complete = upgrades.size() == steps && downgrades.size() == steps &&
                  std::none_of(upgrades.begin(), upgrades.end(), [](auto f) { return !f; }) &&
                  std::none_of(downgrades.begin(), downgrades.end(), [](auto f) { return !f; });
  if (!complete) {
    return Status::invalidArgument("message " + spec.name +
                                   ": needs an upgrade and a downgrade "
                                   "transform between each pair of adjacent versions");
  }
  transforms_[{client, spec.type}] = Transforms{std::move(upgrades), std::move(downgrades)};
  auto pos = std::lower_bound(it->messages.begin(), it->messages.end(), spec.type,
                              [](const MessageTypeSpec& a, MessageTypeId b) { return a.type < b; });
  it->messages.insert(pos, std::move(spec));
  return Status::ok();
}

const MessageTypeSpec* MessageCatalog::findMessage(ClientId client, MessageTypeId type) const {
  const ClientSpec* c = set_.findClient(client);
  return c == nullptr ? nullptr : c->findMessage(type);
}

Result<std::string> MessageCatalog::convert(ClientId client, MessageTypeId type,
                                            wire::ByteView payload, MessageVersion from,
                                            MessageVersion to) const {
  const MessageTypeSpec* spec = findMessage(client, type);
  if (spec == nullptr) {
    return Status::notFound("client " + std::to_string(client) + " message type " +
                            std::to_string(type) + " is unknown to this image");
  }
  for (MessageVersion v : {from, to}) {
    if (v < spec->min_version || v > spec->max_version) {
      return Status::unimplemented("version " + std::to_string(v) + " of message " + spec->name +
                                   " is not supported by this image (" +
                                   std::to_string(spec->min_version) + "~" +
                                   std::to_string(spec->max_version) + ")");
    }
  }
  const Transforms& t = transforms_.at({client, type});
  if (from == to) return std::string(payload);
  // The first transform reads the payload where it lies; later ones their predecessor's output.
  std::string current;
  wire::ByteView input = payload;
  for (MessageVersion v = from; v < to; ++v) {
    ASSIGN_OR_RETURN(current, t.upgrades[v - spec->min_version](input));
    input = current;
  }
  for (MessageVersion v = from; v > to; --v) {
    ASSIGN_OR_RETURN(current, t.downgrades[v - 1 - spec->min_version](input));
    input = current;
  }
  return current;
}

MessageVersion MessageCatalog::nativeVersion(ClientId client, MessageTypeId type) const {
  const MessageTypeSpec* spec = findMessage(client, type);
  return spec == nullptr ? 0 : spec->max_version;
}

Status MessageCatalog::readsDirectly(ClientId client, MessageTypeId type, MessageVersion from) {
  const MessageTypeSpec* spec = findMessage(client, type);
  if (spec == nullptr) {
    return Status::notFound("client " + std::to_string(client) + " message type " +
                            std::to_string(type) + " is not registered");
  }
  if (from < spec->min_version || from > spec->max_version) {
    return Status::invalidArgument("message " + spec->name + ": version " + std::to_string(from) +
                                   " is outside its range");
  }
  transforms_.at({client, type}).reads_from = from;
  return Status::ok();
}

MessageVersion MessageCatalog::readableVersion(ClientId client, MessageTypeId type,
                                               MessageVersion version) const {
  const MessageTypeSpec* spec = findMessage(client, type);
  if (spec == nullptr) return version;
  auto it = transforms_.find({client, type});
  const MessageVersion from = it == transforms_.end() ? 0 : it->second.reads_from;
  if (from != 0 && version >= from && version <= spec->max_version) return version;
  return spec->max_version;
}

}  // namespace hitless::issu
