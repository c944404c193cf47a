#include "messages/fields.h"

#include "messages/wire_numbers.h"

namespace hitless::messages {

void addPrefix(wire::TlvWriter& w, uint32_t tag, const net::IpPrefix& p) {
  char buf[18];
  buf[0] = static_cast<char>(p.address.family);
  buf[1] = static_cast<char>(p.length);
  size_t n = (p.length + 7u) / 8u;
  for (size_t i = 0; i < n; ++i) buf[2 + i] = static_cast<char>(p.address.bytes[i]);
  w.addBytes(tag, wire::ByteView(buf, 2 + n));
}

Result<net::IpPrefix> readPrefix(const wire::TlvField& f) {
  if (f.value.size() < 2) return Status::corruption("prefix field shorter than 2 bytes");
  net::IpAddress a;
  uint8_t fam = static_cast<uint8_t>(f.value[0]);
  unsigned len = static_cast<uint8_t>(f.value[1]);
  if (fam == 4) {
    a.family = net::Family::kIpv4;
  } else if (fam == 6) {
    a.family = net::Family::kIpv6;
  } else {
    return Status::corruption("prefix has unknown address family " + std::to_string(fam));
  }
  if (len > a.size() * 8) {
    return Status::corruption("prefix length " + std::to_string(len) + " too long");
  }
  size_t n = (len + 7) / 8;
  if (f.value.size() != 2 + n) return Status::corruption("prefix field has the wrong size");
  for (size_t i = 0; i < n; ++i) a.bytes[i] = static_cast<uint8_t>(f.value[2 + i]);
  auto p = net::IpPrefix::make(a, len);
  if (!p.isOk()) return Status::corruption(p.status().message());
  return p;
}

Result<net::IpAddress> readAddress(const wire::TlvField& f) {
  return net::IpAddress::fromBytes(f.value);
}

FieldDecoder& FieldDecoder::bind(uint32_t tag, const char* name, Presence p, void* dst, Handler h) {
  if (binding_count_ == kMaxBindings) abort();  // a codec with too many fields: a build bug
  bindings_[binding_count_++] = Binding{tag, name, p == Presence::kRequired, false, dst, h};
  return *this;
}

FieldDecoder& FieldDecoder::flag(uint32_t tag, bool* out, const char* name) {
  return bind(tag, name, Presence::kOptional, out,
              [](const wire::TlvField& f, void* dst) -> Status {
                ASSIGN_OR_RETURN(uint64_t v, f.asUint(1));
                *static_cast<bool*>(dst) = v == 1;
                return Status::ok();
              });
}

FieldDecoder& FieldDecoder::bytes(uint32_t tag, std::string* out, const char* name, Presence p) {
  return bind(tag, name, p, out, [](const wire::TlvField& f, void* dst) -> Status {
    static_cast<std::string*>(dst)->assign(f.value);
    return Status::ok();
  });
}

FieldDecoder& FieldDecoder::prefix(uint32_t tag, net::IpPrefix* out, const char* name, Presence p) {
  return bind(tag, name, p, out, [](const wire::TlvField& f, void* dst) -> Status {
    ASSIGN_OR_RETURN(*static_cast<net::IpPrefix*>(dst), readPrefix(f));
    return Status::ok();
  });
}

FieldDecoder& FieldDecoder::address(uint32_t tag, net::IpAddress* out, const char* name,
                                    Presence p) {
  return bind(tag, name, p, out, [](const wire::TlvField& f, void* dst) -> Status {
    ASSIGN_OR_RETURN(*static_cast<net::IpAddress*>(dst), readAddress(f));
    return Status::ok();
  });
}

FieldDecoder& FieldDecoder::repeated(uint32_t tag, std::function<Status(wire::ByteView)> each) {
  if (repeated_count_ == kMaxRepeated) abort();  // a codec with too many lists: a build bug
  repeated_[repeated_count_++] = {tag, std::move(each)};
  return *this;
}

Status FieldDecoder::decode(wire::ByteView payload) {
  RETURN_IF_ERROR(forEachField(payload, message_, [&](const wire::TlvField& f) -> Status {
    for (size_t i = 0; i < binding_count_; ++i) {
      Binding& b = bindings_[i];
      if (b.tag != f.tag) continue;
      if (b.seen) return Status::corruption(std::string(b.name) + " appears twice");
      b.seen = true;
      Status s = b.handler(f, b.dst);
      return s.isOk() ? s : s.withContext(b.name);
    }
    for (size_t i = 0; i < repeated_count_; ++i) {
      if (repeated_[i].first == f.tag) return repeated_[i].second(f.value);
    }
    return Status::ok();  // a field from a newer version: skipped
  }));
  for (size_t i = 0; i < binding_count_; ++i) {
    const Binding& b = bindings_[i];
    if (b.required && !b.seen) {
      return Status::corruption(std::string(message_) + ": required field " + b.name +
                                " is missing");
    }
  }
  return Status::ok();
}

void addMessageSet(wire::TlvWriter& w, uint32_t tag, const issu::MessageSet& set) {
  for (const auto& c : set.clients) {
    size_t ct = w.beginNested(tag);
    w.addUint(tags::kClientId, c.id);
    w.addBytes(tags::kClientName, c.name);
    w.addUint(tags::kClientRequired, c.required ? 1 : 0);
    for (const auto& msg : c.messages) {
      size_t mt = w.beginNested(tags::kClientMessage);
      w.addUint(tags::kMsgType, msg.type);
      w.addBytes(tags::kMsgName, msg.name);
      w.addUint(tags::kMsgMin, msg.min_version);
      w.addUint(tags::kMsgMax, msg.max_version);
      w.addUint(tags::kMsgMtu, msg.mtu);
      if (msg.optional) w.addUint(tags::kMsgOptional, 1);  // written only when set: 1.0's bytes
      w.endNested(mt);
    }
    w.endNested(ct);
  }
}

Status readClientSpec(wire::ByteView value, issu::MessageSet* set) {
  issu::ClientSpec c;
  RETURN_IF_ERROR(
      FieldDecoder("message set client")
          .uint(tags::kClientId, &c.id, "id", Presence::kRequired)
          .bytes(tags::kClientName, &c.name, "name")
          .flag(tags::kClientRequired, &c.required, "required")
          .repeated(
              tags::kClientMessage,
              [&](wire::ByteView v) -> Status {
                issu::MessageTypeSpec m;
                RETURN_IF_ERROR(
                    FieldDecoder("message set message type")
                        .uint(tags::kMsgType, &m.type, "type", Presence::kRequired)
                        .bytes(tags::kMsgName, &m.name, "name")
                        .uint(tags::kMsgMin, &m.min_version, "min_version", Presence::kRequired)
                        .uint(tags::kMsgMax, &m.max_version, "max_version", Presence::kRequired)
                        .uint(tags::kMsgMtu, &m.mtu, "mtu")
                        .flag(tags::kMsgOptional, &m.optional, "optional")
                        .decode(v));
                c.messages.push_back(std::move(m));
                return Status::ok();
              })
          .decode(value));
  set->clients.push_back(std::move(c));
  return Status::ok();
}

}  // namespace hitless::messages
