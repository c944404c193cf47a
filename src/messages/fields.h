// Helpers shared by the message codecs: typed field encoding for addresses and prefixes, and a
// decode loop that rejects duplicated singular fields and reports missing required ones.
// Internal to src/messages.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "issu/message_set.h"
#include "net/ip.h"
#include "wire/tlv.h"

namespace hitless::messages {

// Prefix value: family (4|6) | length | the ceil(length/8) significant address bytes.
void addPrefix(wire::TlvWriter& w, uint32_t tag, const net::IpPrefix& p);
Result<net::IpPrefix> readPrefix(const wire::TlvField& f);
Result<net::IpAddress> readAddress(const wire::TlvField& f);

// A message set as repeated nested client records under `tag` (tags::kClient*, kMsg*): the
// session hello's and the FIB channel handshake's.
void addMessageSet(wire::TlvWriter& w, uint32_t tag, const issu::MessageSet& set);
// Appends the client record `value` to *set.
Status readClientSpec(wire::ByteView value, issu::MessageSet* set);

// Runs `on_field(field)` for every field of `payload`; stops at the first error, which is
// returned with the message name as context.
template <typename OnField>
Status forEachField(wire::ByteView payload, const char* message, OnField&& on_field) {
  wire::TlvReader reader(payload);
  wire::TlvField field;
  while (true) {
    auto more = reader.next(&field);
    if (!more.isOk()) return more.status().withContext(message);
    if (!*more) return Status::ok();
    Status s = on_field(field);
    if (!s.isOk()) return s.withContext(message);
  }
}

// An unsigned field that must fit in T.
template <typename T>
Result<T> readUint(const wire::TlvField& f) {
  ASSIGN_OR_RETURN(uint64_t v, f.asUint(static_cast<uint64_t>(static_cast<T>(~T{0}))));
  return static_cast<T>(v);
}

enum class Presence { kOptional, kRequired };

// Declarative decoder of one TLV record: bind each known tag to a destination, then decode().
// Singular fields may appear once; unknown tags are skipped; a missing required field is an
// error naming it. Binding stores raw pointers: the destinations must outlive decode().
class FieldDecoder {
 public:
  explicit FieldDecoder(const char* message) : message_(message) {}

  template <typename T>
  FieldDecoder& uint(uint32_t tag, T* out, const char* name, Presence p = Presence::kOptional) {
    return bind(tag, name, p, out, [](const wire::TlvField& f, void* dst) -> Status {
      ASSIGN_OR_RETURN(*static_cast<T*>(dst), readUint<T>(f));
      return Status::ok();
    });
  }
  FieldDecoder& flag(uint32_t tag, bool* out, const char* name);
  FieldDecoder& bytes(uint32_t tag, std::string* out, const char* name,
                      Presence p = Presence::kOptional);
  FieldDecoder& prefix(uint32_t tag, net::IpPrefix* out, const char* name,
                       Presence p = Presence::kOptional);
  FieldDecoder& address(uint32_t tag, net::IpAddress* out, const char* name,
                        Presence p = Presence::kOptional);
  // A repeated field: `each(value)` runs for every occurrence.
  FieldDecoder& repeated(uint32_t tag, std::function<Status(wire::ByteView)> each);

  Status decode(wire::ByteView payload);

 private:
  using Handler = Status (*)(const wire::TlvField&, void*);
  struct Binding {
    uint32_t tag;
    const char* name;
    bool required;
    bool seen;
    void* dst;
    Handler handler;
  };
  FieldDecoder& bind(uint32_t tag, const char* name, Presence p, void* dst, Handler h);

  // Inline storage: a decoder is built per message on hot paths, so it must not allocate.
  static constexpr size_t kMaxBindings = 16;
  static constexpr size_t kMaxRepeated = 4;
  const char* message_;
  std::array<Binding, kMaxBindings> bindings_{};
  size_t binding_count_ = 0;
  std::array<std::pair<uint32_t, std::function<Status(wire::ByteView)>>, kMaxRepeated> repeated_;
  size_t repeated_count_ = 0;
};

}  // namespace hitless::messages
